"""Relay items: the feed's decisions (a scripted upstream) and a real relay from Icecast that dies and returns."""

from __future__ import annotations

import array
import itertools
import subprocess
import threading
import time

import pytest

from broadcast.audio.ffmpeg import BYTES_PER_SECOND
from broadcast.domain.types import utcnow
from broadcast.playout.claims import claim_run
from broadcast.playout.config import PlayoutConfig
from broadcast.playout.relay import RelayFeed
from broadcast.playout.run import air_run
from broadcast.playout.sinks.base import Sink
from tests.icecast import Upstream
from tests.playout.conftest import make_station, rows

CHUNK = BYTES_PER_SECOND // 10  # 100 ms


def tone_pcm(ms: int, amplitude: int = 8000) -> bytes:
    """A square-ish tone: loud enough to count as sound."""
    n = BYTES_PER_SECOND * ms // 1000 // 2
    return array.array("h", [amplitude if (i // 50) % 2 else -amplitude for i in range(n)]).tobytes()


class ScriptedReader:
    """A stand-in for RelayReader: hands out what the test puts in, dies when told."""

    def __init__(self, url: str = "http://upstream/x"):
        self.url, self.buf, self.alive, self.error = url, bytearray(), True, None
        self.audible_ms, self.received_ms, self.stopped = 0, 0, False

    def feed(self, pcm: bytes, audible: bool = True) -> None:
        self.buf += pcm
        self.received_ms += len(pcm) * 1000 // BYTES_PER_SECOND
        self.audible_ms = self.audible_ms + len(pcm) * 1000 // BYTES_PER_SECOND if audible else 0

    def take(self, n: int) -> bytes:
        if len(self.buf) < n:
            return b""
        out = bytes(self.buf[:n])
        del self.buf[:n]
        return out

    def keep_latest(self, n: int) -> None:
        del self.buf[: max(0, len(self.buf) - n)]

    def stop(self) -> None:
        self.stopped = True


def feed_with(reader, *, fallback="asset", fallback_pcm=None, factory=None, **cfg) -> RelayFeed:
    config = PlayoutConfig(relay_silence_s=1.0, relay_retry_s=0.0, relay_resume_ms=300, **cfg)
    return RelayFeed(
        reader.url,
        name="VOV1",
        fallback_pcm=tone_pcm(500, 3000) if fallback_pcm is None else fallback_pcm,
        fallback=fallback,
        config=config,
        clock=lambda: "06:00:00",
        reader=reader,
        reader_factory=factory or (lambda url: ScriptedReader(url)),
    )


def test_audible_upstream_is_relayed_and_counted():
    reader = ScriptedReader()
    reader.feed(tone_pcm(1000))
    feed = feed_with(reader)
    chunks = [feed.next_chunk(CHUNK) for _ in range(10)]
    assert all(c and len(c) == CHUNK for c in chunks)
    assert feed.state == "relay" and feed.relayed_ms == 1000 and feed.fallback_ms == 0
    assert feed.summary() is None


@pytest.mark.parametrize(
    ("what", "script", "reason"),
    [
        ("silent upstream", lambda r: r.feed(bytes(CHUNK * 20), audible=False), "nguồn im lặng quá 1 giây"),
        ("stalled upstream", lambda r: None, "nguồn không gửi âm thanh quá 1 giây"),
    ],
)
def test_quiet_or_stalled_upstream_hands_over_at_the_threshold(what, script, reason):
    reader = ScriptedReader()
    script(reader)
    feed = feed_with(reader)
    states = []
    for _ in range(15):
        feed.next_chunk(CHUNK)
        states.append(feed.state)
    # 10 chunks of 100 ms = the 1 s threshold aired as silence, then the fallback at once
    assert states[:10] == ["relay"] * 10 and states[10:] == ["fallback"] * 5, what
    assert feed.reason == reason
    assert feed.fallback_ms == 500 and reason in feed.summary()


def test_lost_upstream_hands_over_at_once_is_retried_and_returns_when_audible():
    reader = ScriptedReader()
    reader.feed(tone_pcm(300))
    made = []

    def factory(url):
        made.append(ScriptedReader(url))
        return made[-1]

    feed = feed_with(reader, factory=factory)
    for _ in range(3):
        feed.next_chunk(CHUNK)
    reader.alive, reader.error = False, "Connection refused"
    chunk = feed.next_chunk(CHUNK)
    assert feed.state == "fallback" and "mất nguồn (Connection refused)" in feed.reason
    assert chunk == tone_pcm(500, 3000)[:CHUNK]  # the fallback's audio, the very next chunk
    feed.next_chunk(CHUNK)
    assert made and reader.stopped  # reconnected (retry interval 0 in this test)
    made[-1].feed(tone_pcm(400))  # the upstream sounds again for 400 ms > 300 ms
    feed.next_chunk(CHUNK)
    assert feed.state == "relay"
    assert "nguồn có tiếng trở lại" in feed.summary()
    assert feed.relayed_ms >= 300


def test_skip_fallback_ends_the_slot():
    reader = ScriptedReader()
    reader.alive, reader.error = False, "404 Not Found"
    feed = feed_with(reader, fallback="skip")
    assert feed.next_chunk(CHUNK) is None
    assert "bỏ phần còn lại" in feed.summary() and feed.fallback_ms == 0


def test_announcement_fallback_loops_with_a_gap():
    reader = ScriptedReader()
    reader.alive, reader.error = False, "refused"
    feed = feed_with(reader, fallback="announcement", fallback_pcm=tone_pcm(200))
    out = b"".join(feed.next_chunk(CHUNK) for _ in range(30))
    levels = [max(array.array("h", out[i : i + CHUNK])) for i in range(0, len(out), CHUNK)]
    assert levels[:2] == [8000, 8000] and levels[2:22] == [0] * 20 and levels[22] == 8000


# ---------------------------------------------------------------- a real upstream on Icecast


class TimedSink(Sink):
    """Keeps every chunk with the monotonic time it was written."""

    name = "timed"

    def __init__(self):
        super().__init__("timed")
        self.chunks: list[tuple[float, bytes]] = []

    def _write(self, pcm: bytes) -> bool:
        self.chunks.append((time.monotonic(), pcm))
        return True


def crossings_per_second(pcm: bytes) -> float:
    s = array.array("h", pcm)
    n = sum(1 for a, b in itertools.pairwise(s) if (a < 0) != (b < 0))
    return n / 2 / (len(s) / 44100) if s else 0.0


def kind_of(pcm: bytes) -> str:
    """upstream (1 kHz), fallback (440 Hz) or silence, by level and pitch."""
    s = array.array("h", pcm)
    if not s or max(abs(x) for x in s) < 500:
        return "silence"
    return "upstream" if crossings_per_second(pcm) > 700 else "fallback"


def relay_programme(runtime, station, url, fallback_path, seconds, record=False):
    from broadcast.domain.models import Programme, ProgrammeItem

    start = utcnow()
    with runtime.unit() as s:
        p = Programme(
            station_id=station.id, on_date=start.date(), session_code="sang", starts_at=start, max_duration_s=900
        )
        p.items.append(
            ProgrammeItem(
                position=0,
                kind="relay",
                title="Tiếp sóng VOV1",
                audio_path=str(fallback_path),
                planned_start=start,
                duration_ms=int(seconds * 1000),
                relay={
                    "url": url,
                    "upstream": "VOV1",
                    "source": None,
                    "category": "national",
                    "fallback": "asset",
                    **({"record": True} if record else {}),
                },
            )
        )
        s.add(p)
        s.flush()
        return p.id, p.on_date


def closed_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def air_relay(runtime, url, fallback, seconds, config, record=False) -> tuple[int, TimedSink, dict]:
    with runtime.unit() as s:
        st = make_station(s)
        s.expunge(st)
    programme_id, day = relay_programme(runtime, st, url, fallback, seconds, record)
    run_id = claim_run(
        runtime,
        station_id=st.id,
        claim_key=f"relay-{programme_id}",
        kind="manual",
        air_date=day,
        session_code="sang",
        programme_id=programme_id,
        scheduled_start=utcnow(),
        holder="t",
        sink="timed",
    )
    sink = TimedSink()
    result: dict = {}
    thread = threading.Thread(target=lambda: result.update(r=air_run(runtime, run_id, sink=sink, config=config)))
    thread.start()
    return run_id, sink, {"thread": thread, "result": result}


def test_an_unreachable_upstream_airs_the_fallback_and_the_row_says_why(runtime, tones):
    config = PlayoutConfig(speed=1.0, heartbeat_s=0.5)
    url = f"http://127.0.0.1:{closed_port()}/vov1"
    run_id, sink, job = air_relay(runtime, url, tones["a"], 1.5, config, record=True)
    job["thread"].join(20)
    kinds = [kind_of(c) for _, c in sink.chunks]
    assert len(kinds) == 15 and kinds.count("fallback") >= 13  # the fallback from (almost) the first chunk
    (row,) = rows(runtime, run_id=run_id)
    assert (row.kind, row.status, row.aired_ms, row.upstream) == ("relay", "failed", 0, "VOV1")
    assert 1300 <= row.fallback_ms <= 1500
    assert "mất nguồn" in row.note and "Dự phòng đã phát" in row.note
    assert row.planned_ms == 1500 and row.recording_path is None  # nothing relayed, nothing recorded


@pytest.mark.slow
@pytest.mark.once
def test_relay_falls_back_when_icecast_dies_and_returns_when_it_is_back(runtime, tones, icecast):
    upstream = Upstream(icecast, freq=1000).start()
    config = PlayoutConfig(speed=1.0, heartbeat_s=0.5, relay_silence_s=2.0, relay_retry_s=1.0, relay_resume_ms=500)
    run_id, sink, job = air_relay(runtime, upstream.url, tones["a"], 16, config, record=True)
    thread = job["thread"]
    started = time.monotonic()
    deadline = started + 10
    while not any(kind_of(c) == "upstream" for _, c in sink.chunks) and time.monotonic() < deadline:
        time.sleep(0.1)
    time.sleep(1.0)
    killed = time.monotonic()
    upstream.stop()
    icecast.stop()
    time.sleep(2.5)
    icecast.start()
    upstream.start(wait=False)
    thread.join(40)
    assert not thread.is_alive()

    kinds = [(t, kind_of(c)) for t, c in sink.chunks]
    before = [k for t, k in kinds if t < killed]
    assert "upstream" in before
    fallback_at = next(t for t, k in kinds if t > killed and k == "fallback")
    # What had arrived still airs (the loudness levelling holds 3 s of it), then the fallback at once: no
    # dead air between them, and the fallback heard within the default 5 s threshold of the death.
    last_heard = max(t for t, k in kinds if k == "upstream" and t < fallback_at)
    assert fallback_at - last_heard < 0.35
    assert fallback_at - killed < 5.0
    assert not any(k == "silence" for t, k in kinds if killed < t < fallback_at)
    back = [t for t, k in kinds if t > fallback_at and k == "upstream"]
    assert back, "the relay came back to the upstream within the slot"
    # the slot is 16 s of timeline, whatever the upstream did
    assert abs(len(sink.chunks) * 100 - 16_000) <= 200

    (row,) = rows(runtime, run_id=run_id)
    assert row.kind == "relay" and row.status == "aired" and row.upstream == "VOV1"
    relayed = sum(100 for _, k in kinds if k == "upstream")
    assert row.fallback_ms >= 1000 and abs(row.aired_ms + row.fallback_ms - 16_000) <= 3000
    assert abs(row.aired_ms - relayed) <= 3000  # relayed time includes the first seconds' levelling
    assert "mất nguồn" in row.note and "nguồn có tiếng trở lại" in row.note
    # record = true: what was relayed (not the fallback) is kept, to air again
    from broadcast.audio.ffmpeg import probe_duration_ms

    assert abs(probe_duration_ms(row.recording_path) - row.aired_ms) <= 500


def test_readying_a_session_probes_the_sources_it_relays(runtime, tones):
    """The pre-render job checks each named source of the programme, so the dashboard shows a dead upstream
    before its slot comes."""
    from broadcast.domain.models import Programme, UpstreamSource
    from broadcast.playout.service import PlayoutService

    url = f"http://127.0.0.1:{closed_port()}/vov1"
    with runtime.unit() as s:
        st = make_station(s)
        s.add(UpstreamSource(code="VOV1", name="VOV1", url=url, category="national"))
        s.expunge(st)
    programme_id, day = relay_programme(runtime, st, url, tones["a"], 5)
    with runtime.unit() as s:
        item = s.get(Programme, programme_id).items[0]
        item.relay = dict(item.relay, source="VOV1")
    PlayoutService(runtime, PlayoutConfig()).prerender(st.code, day, "sang")
    with runtime.unit() as s:
        source = s.query(UpstreamSource).filter_by(code="VOV1").one()
        assert source.last_check_at is not None and source.last_check["ok"] is False
        assert source.last_check["error"]  # said in Vietnamese on the dashboard and /sources


# What a station must not relay never goes on air: the player checks the stream's facts before it connects,
# so a page, or a stream in a layout a station cannot air, hands over to the fallback at once with the reason.


@pytest.mark.parametrize(
    ("name", "make", "words"),
    [
        ("page.html", lambda path: path.write_text("<html><body>Tin tức</body></html>"), "không phải luồng âm thanh"),
        (
            "six.wav",
            lambda path: subprocess.run(
                [
                    "ffmpeg",
                    "-v",
                    "error",
                    "-y",
                    "-f",
                    "lavfi",
                    "-i",
                    "sine=frequency=1000:duration=3",
                    "-ac",
                    "6",
                    str(path),
                ],
                check=True,
            ),
            "6 kênh",
        ),
    ],
)
def test_a_stream_a_station_cannot_air_is_refused_and_the_fallback_airs(runtime, tones, web, name, make, words):
    root, base = web
    make(root / name)
    run_id, sink, job = air_relay(runtime, f"{base}/{name}", tones["a"], 1.5, PlayoutConfig(speed=1.0))
    job["thread"].join(20)
    kinds = [kind_of(c) for _, c in sink.chunks]
    assert "upstream" not in kinds and kinds.count("fallback") >= 12  # none of it aired; the fallback did
    (row,) = rows(runtime, run_id=run_id)
    assert row.status == "failed" and row.aired_ms == 0 and words in row.note
