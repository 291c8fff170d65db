"""LiveFeed on its own: what a live item airs from the growing file, chunk by chunk, on the player's clock."""

from __future__ import annotations

import time

from broadcast.audio.ffmpeg import BYTES_PER_SECOND
from broadcast.playout.livefeed import LiveFeed
from tests.playout.test_live_broadcast import WAIT_MS, opus_webm, pitch

CHUNK = BYTES_PER_SECOND // 10  # 100 ms, as the player asks


def air(tmp_path, seconds: float, *, wait_ms: int = WAIT_MS, drop_s: float) -> tuple[str | None, list[str]]:
    """Why the item ended, and every chunk it aired at real time as the player paces it, from a recording of
    ``wait_ms`` of silence and ``seconds`` of words, all of it sent before the item began and nothing after."""
    path = tmp_path / "live.webm"
    path.write_bytes(opus_webm(tmp_path / "voice.webm", seconds, wait_ms=wait_ms))
    feed = LiveFeed(path, container="matroska", drop_s=drop_s)
    kinds, deadline = [], time.monotonic() + 15
    try:
        while (piece := feed.next_chunk(CHUNK)) is not None:
            assert time.monotonic() < deadline, "the live item never ended"
            kinds.append(pitch(piece))
            time.sleep(0.1)
    finally:
        feed.close()
    return feed.ended_by, kinds


def test_a_drop_after_everything_arrived_still_airs_the_last_words(tmp_path):
    # The phone sent all it had, then lost its signal before the item began (the chime was still playing):
    # joining live drops the waiting silence, and the words caught up to must not wait for more.
    ended_by, kinds = air(tmp_path, 0.7, drop_s=1.0)  # 2.6 s of silence, then 0.7 s of words
    assert ended_by == "drop"
    assert kinds.count("tone") >= 4, "".join(k[0] for k in kinds)
    last = max(i for i, k in enumerate(kinds) if k == "tone")
    assert len(kinds) - 1 - last <= 12  # then at most the drop threshold (1 s) of silence: never a stuck item


def test_words_too_short_to_prime_the_feed_still_air_when_the_connection_drops(tmp_path):
    # Less than the priming amount ever arrives: the drop ends the item, and what is in hand airs first.
    ended_by, kinds = air(tmp_path, 0.3, wait_ms=0, drop_s=0.5)
    assert ended_by == "drop"
    assert kinds.count("tone") >= 2, "".join(k[0] for k in kinds)
