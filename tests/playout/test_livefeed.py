"""LiveFeed on its own: what a live item airs from the growing file, chunk by chunk, on the player's clock."""

from __future__ import annotations

import time

from broadcast.audio.ffmpeg import BYTES_PER_SECOND
from broadcast.playout.livefeed import LiveFeed
from tests.playout.test_live_broadcast import opus_webm, pitch

CHUNK = BYTES_PER_SECOND // 10  # 100 ms, as the player asks


def air(feed: LiveFeed, limit_s: float = 15) -> list[str]:
    """Every chunk the item airs, at real time, as the player paces it."""
    kinds, deadline = [], time.monotonic() + limit_s
    while time.monotonic() < deadline:
        piece = feed.next_chunk(CHUNK)
        if piece is None:
            return kinds
        kinds.append(pitch(piece))
        time.sleep(0.1)
    raise AssertionError("the live item never ended")


def test_a_drop_after_everything_arrived_still_airs_the_last_words(tmp_path):
    # The phone sent all it had, then lost its signal before the item began (the chime was still playing):
    # the decoder and leveller hold the last words until their input closes, which the drop does.
    path = tmp_path / "live.webm"
    path.write_bytes(opus_webm(tmp_path / "voice.webm", 0.7))  # 2.6 s of silence, then 0.7 s of words
    feed = LiveFeed(path, container="matroska", drop_s=1.0)
    try:
        kinds = air(feed)
    finally:
        feed.close()
    assert feed.ended_by == "drop"
    assert kinds.count("tone") >= 4, "".join(k[0] for k in kinds)
    last = max(i for i, k in enumerate(kinds) if k == "tone")
    assert len(kinds) - 1 - last <= 12  # then at most the drop threshold (1 s) of silence: never a stuck item


def test_words_too_short_to_prime_the_feed_still_air_when_the_connection_drops(tmp_path):
    # Less than the priming amount ever arrives: the drop ends the item, and what is in hand airs first.
    path = tmp_path / "live.webm"
    path.write_bytes(opus_webm(tmp_path / "voice.webm", 0.3, wait_ms=0))
    feed = LiveFeed(path, container="matroska", drop_s=0.5)
    try:
        kinds = air(feed)
    finally:
        feed.close()
    assert feed.ended_by == "drop"
    assert kinds.count("tone") >= 2, "".join(k[0] for k in kinds)
