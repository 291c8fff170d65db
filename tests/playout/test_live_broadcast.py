"""Live broadcasts through the playout service: break-in with chimes, the speaker's audio as it arrives, a
dropped connection ending cleanly, the recording kept; and every refusal changing nothing."""

from __future__ import annotations

import array
import itertools
import subprocess
import threading
import time
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from broadcast.domain.models import LiveSession, PlayoutRun, User
from broadcast.domain.types import utcnow
from broadcast.errors import Conflict, NotFound, PermissionDenied, ValidationError
from broadcast.live import sessions as live_sessions
from broadcast.playout.sinks.base import Sink
from tests.playout.conftest import make_programme, make_station, rows, runs, wait_for

#: the speaker waits for the opening chime (about 2.2 s) before talking, as the page tells them to
WAIT_MS = 2600


def opus_webm(path: Path, seconds: float, freq: int = 2500, wait_ms: int = WAIT_MS) -> bytes:
    """What a browser's MediaRecorder sends: Opus in WebM (constant bit rate here, so bytes are time):
    ``wait_ms`` of silence, then a tone of ``seconds`` (the words)."""
    src = f"sine=frequency={freq}:duration={seconds}" + (f",adelay={wait_ms}:all=1" if wait_ms else "")
    cmd = ["ffmpeg", "-hide_banner", "-v", "error", "-y", "-f", "lavfi", "-i", src]
    subprocess.run(
        [*cmd, "-ac", "1", "-c:a", "libopus", "-vbr", "off", "-b:a", "32k", "-f", "webm", str(path)], check=True
    )
    return path.read_bytes()


class TimedSink(Sink):
    name = "timed"

    def __init__(self, spec="timed"):
        super().__init__(spec)
        self.chunks: list[tuple[float, bytes]] = []

    def _write(self, pcm: bytes) -> bool:
        self.chunks.append((time.monotonic(), pcm))
        return True


def pitch(pcm: bytes) -> str:
    s = array.array("h", pcm)
    if not s or max(abs(x) for x in s) < 800:
        return "silence"
    crossings = sum(1 for a, b in itertools.pairwise(s) if (a < 0) != (b < 0)) / 2 / (len(s) / 44100)
    return "tone" if 2400 < crossings < 2600 else "other"  # the speaker's 2.5 kHz, not the chime


@pytest.fixture
def timed_sinks(monkeypatch):
    """Every sink the emergency/live path opens is a TimedSink the test can read."""
    made: list[TimedSink] = []

    def open_timed(spec):
        made.append(TimedSink(spec))
        return made[-1]

    monkeypatch.setattr("broadcast.playout.emergency.open_sink", open_timed)
    return made


def user(runtime, username):
    with runtime.unit() as s:
        u = s.scalar(select(User).where(User.username == username))
        s.expunge(u)
        return u


def start(runtime, username="vanhanh", stations=("MOLAO",)):
    with runtime.unit() as s:
        live = live_sessions.start_live(s, runtime.settings, s.merge(user(runtime, username)), list(stations))
        return live.id


def send(runtime, live_id, data: bytes, seconds: float, *, every=0.25, username="vanhanh", stop=True):
    """The browser: ``seconds`` of audio in a chunk every ``every`` seconds (real time, as MediaRecorder makes
    it), then the stop button (or nothing: a dropped phone)."""
    chunk = int(len(data) / seconds * every) + 1

    def go():
        # On the recorder's clock: a slow save does not push the later chunks back (a loaded machine would
        # otherwise stretch the speaker's 3 s into dead air between chunks).
        t0 = time.monotonic()
        for n, i in enumerate(range(0, len(data), chunk), start=1):
            with runtime.unit() as s:
                live_sessions.add_chunk(s, s.merge(user(runtime, username)), live_id, data[i : i + chunk])
            time.sleep(max(0.0, t0 + n * every - time.monotonic()))
        if stop:
            with runtime.unit() as s:
                live_sessions.stop_live(s, runtime.settings, s.merge(user(runtime, username)), live_id)

    thread = threading.Thread(target=go)
    thread.start()
    return thread


def live_row(runtime):
    return next(r for r in rows(runtime, kind="live") if r.title.startswith("Phát trực tiếp"))


def test_live_on_an_idle_station_chime_voice_chime_and_the_recording(
    runtime, demo, service_factory, timed_sinks, tmp_path
):
    data = opus_webm(tmp_path / "voice.webm", 3.0)
    with runtime.unit() as s:
        make_station(s, sink="null")
    service_factory(live_drop_s=2.0)
    live_id = start(runtime)
    sender = send(runtime, live_id, data, 3.0 + WAIT_MS / 1000)
    wait_for(lambda: runs(runtime, kind="live", status="done"), timeout=25)
    sender.join(10)
    (sink,) = timed_sinks
    kinds = [pitch(c) for _, c in sink.chunks]
    tone_at = [i for i, k in enumerate(kinds) if k == "tone"]
    assert tone_at and 24 <= len(tone_at) <= 31  # about the 3 s spoken (100 ms chunks)
    assert kinds[: tone_at[0]].count("other") >= 5  # the opening chime first
    assert kinds[tone_at[-1] + 1 :].count("other") >= 5  # and the closing chime after
    got = [(r.title, r.status) for r in rows(runtime, kind="live")]
    assert got == [
        ("Chuông mở đầu phát trực tiếp", "aired"),
        ("Phát trực tiếp: Nguyễn Văn Hạnh (cán bộ đài)", "aired"),
        ("Chuông kết thúc phát trực tiếp", "aired"),
    ]
    voice = live_row(runtime)
    assert 2500 <= voice.aired_ms <= 4500 and "người nói kết thúc" in voice.note
    with runtime.unit() as s:
        live = s.get(LiveSession, live_id)
        assert live.status == "ended" and live.end_reason == "Người nói kết thúc."
        assert (
            Path(live.recording_path).exists() and abs(live.recording_ms - (3000 + WAIT_MS)) <= 300
        )  # all that was sent


def test_a_dropped_connection_ends_the_item_with_the_chime_and_the_session(
    runtime, demo, service_factory, timed_sinks, tmp_path
):
    data = opus_webm(tmp_path / "voice.webm", 4.0)
    with runtime.unit() as s:
        make_station(s, sink="null")
    service_factory(live_drop_s=1.0)
    live_id = start(runtime)
    half = data[: len(data) // 2]
    sender = send(runtime, live_id, half, (4.0 + WAIT_MS / 1000) / 2, stop=False)  # the phone loses its signal half way
    wait_for(lambda: runs(runtime, kind="live", status="done"), timeout=25)
    sender.join(10)
    (sink,) = timed_sinks
    kinds = [pitch(c) for _, c in sink.chunks]
    last_tone = max(i for i, k in enumerate(kinds) if k == "tone")
    # at most the drop threshold of silence before the closing chime: never a stuck stream
    assert kinds[last_tone + 1 : last_tone + 13].count("other") >= 1
    assert "mất kết nối" in live_row(runtime).note
    with runtime.unit() as s:
        wait_for(lambda: s.get(LiveSession, live_id).status == "ended" or s.expire_all(), timeout=8)
        assert "Mất kết nối" in s.get(LiveSession, live_id).end_reason


def test_live_breaks_into_a_session_and_it_resumes(runtime, demo, tones, service_factory, tmp_path, monkeypatch):
    data = opus_webm(tmp_path / "voice.webm", 1.5)
    with runtime.unit() as s:
        st = make_station(s, sink="null")
        make_programme(s, st, [tones["four"], tones["short"]], starts_at=utcnow() + timedelta(seconds=1))
    service_factory(live_drop_s=1.0, emergency_after="resume")
    wait_for(lambda: rows(runtime, status="airing"), timeout=8)
    live_id = start(runtime)
    send(runtime, live_id, data, 1.5 + WAIT_MS / 1000).join(15)
    wait_for(
        lambda: runs(runtime, kind="scheduled") and runs(runtime, kind="scheduled")[0].status == "done", timeout=25
    )
    got = [(r.kind, r.status) for r in rows(runtime)]
    assert got[0] == ("asset", "interrupted")
    assert [k for k in got if k[0] == "live"] == [("live", "aired")] * 3
    assert got[-2:] == [("asset", "aired"), ("asset", "aired")]  # resumed: the cut item again, then the rest
    assert "khẩn cấp" in rows(runtime)[0].note or "Ngắt" in rows(runtime)[0].note


# ---------------------------------------------------------------- refusals


def test_refusals_change_nothing(runtime, demo, tmp_path):
    with runtime.unit() as s:
        make_station(s, sink="null")
        make_station(s, code="USB", sink="export")
    for username, stations, error, words in [
        ("vanhoa", ["MOLAO"], PermissionDenied, "Chỉ cán bộ đài hoặc lãnh đạo"),
        ("xem", ["MOLAO"], PermissionDenied, "Chỉ cán bộ đài hoặc lãnh đạo"),
        ("vanhanh", [], ValidationError, "Chọn ít nhất một đài"),
        ("vanhanh", ["NOPE"], NotFound, "Không có đài mã 'NOPE'"),
        ("vanhanh", ["USB"], ValidationError, "phát bằng USB"),
    ]:
        with pytest.raises(error) as err, runtime.unit() as s:
            live_sessions.start_live(s, runtime.settings, s.merge(user(runtime, username)), stations)
        assert words in err.value.message
    with pytest.raises(ValidationError) as err, runtime.unit() as s:
        live_sessions.start_live(s, runtime.settings, s.merge(user(runtime, "vanhanh")), ["MOLAO"], clusters=["TDP99"])
    assert "Cụm loa TDP99 không thuộc các đài đã chọn" in err.value.message
    live_id = start(runtime, "lanhdao")
    with pytest.raises(Conflict) as err:
        start(runtime, "vanhanh")  # the station is already live
    assert "đang phát trực tiếp (do Trần Thị Lan" in err.value.message
    with pytest.raises(NotFound), runtime.unit() as s:  # someone else's session: not found, nothing revealed
        live_sessions.add_chunk(s, s.merge(user(runtime, "vanhanh")), live_id, b"\x1a\x45\xdf\xa3")
    with pytest.raises(ValidationError) as err, runtime.unit() as s:
        live_sessions.add_chunk(s, s.merge(user(runtime, "lanhdao")), live_id, b"<html>not audio</html>")
    assert "không phải âm thanh" in err.value.message
    with runtime.unit() as s:
        live = s.get(LiveSession, live_id)
        assert live.status == "ready" and live.chunks == 0  # the refused chunk's transaction rolled back
        assert not s.scalars(select(PlayoutRun)).all()
