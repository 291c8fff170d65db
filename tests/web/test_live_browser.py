"""Live broadcast in a real browser: Debian's Chromium (Playwright) with a fake microphone playing a tone presses
the button; the playout service in this process puts it on air; the test reads what the sink received, checks
it carries the tone between the chimes, lines up with the as-run rows, and measures the delay from the
microphone to the sink (the bench reports the same figure as ``live.latency_ms``)."""

from __future__ import annotations

import array
import itertools
import os
import subprocess
import threading
import time
from pathlib import Path

import pytest
from sqlalchemy import select

from broadcast.domain.models import AsRun, LiveSession
from broadcast.playout.sinks.base import Sink
from tests.playout.conftest import FAST, make_station, wait_for

CHROMIUM = "/usr/bin/chromium"
TONE_HZ = 2500
#: the fake microphone: this much silence, then the tone; Chromium loops the file
SILENCE_S, TONE_S = 5.0, 3.0

pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    pytest.mark.skipif(not os.path.exists(CHROMIUM), reason=f"{CHROMIUM} is missing (apt-get install chromium)"),
]


class WallSink(Sink):
    """Keeps every chunk with the wall-clock time it went out."""

    name = "wall"

    def __init__(self, spec="wall"):
        super().__init__(spec)
        self.chunks: list[tuple[float, bytes]] = []

    def _write(self, pcm: bytes) -> bool:
        self.chunks.append((time.time(), pcm))
        return True


def is_tone(pcm: bytes) -> bool:
    s = array.array("h", pcm)
    if not s or max(abs(x) for x in s) < 800:
        return False
    hz = sum(1 for a, b in itertools.pairwise(s) if (a < 0) != (b < 0)) / 2 / (len(s) / 44100)
    return TONE_HZ - 150 < hz < TONE_HZ + 150


def first_sound_s(path: Path) -> float:
    """Where sound first starts in an audio file, in seconds (100 ms windows)."""
    pcm = subprocess.run(
        ["ffmpeg", "-v", "error", "-i", str(path), "-f", "s16le", "-ac", "1", "-ar", "44100", "-"],
        capture_output=True,
        check=True,
    ).stdout
    step = 8820
    for i in range(0, len(pcm), step):
        s = array.array("h", pcm[i : i + step])
        if s and max(abs(x) for x in s) > 2000:
            return i / 88200
    raise AssertionError("no sound in the recording")


@pytest.fixture
def fake_mic(tmp_path) -> Path:
    path = tmp_path / "mic.wav"
    src = f"sine=frequency={TONE_HZ}:duration={TONE_S},adelay={int(SILENCE_S * 1000)}:all=1"
    subprocess.run(
        ["ffmpeg", "-v", "error", "-y", "-f", "lavfi", "-i", src, "-ac", "1", "-ar", "48000", "-c:a", "pcm_s16le",
         str(path)],
        check=True,
    )  # fmt: skip
    path.chmod(0o644)
    return path


@pytest.fixture
def on_air(runtime, demo, monkeypatch):
    """The web app (waitress) and the playout service in this process; every sink opened is a WallSink."""
    from waitress.server import create_server

    from broadcast.playout.config import PlayoutConfig
    from broadcast.playout.service import PlayoutService
    from web import create_app

    sinks: list[WallSink] = []
    monkeypatch.setattr("broadcast.playout.emergency.open_sink", lambda spec: sinks.append(WallSink(spec)) or sinks[-1])
    with runtime.unit() as s:
        make_station(s, sink="null")
    service = PlayoutService(runtime, PlayoutConfig(**{**FAST, "live_drop_s": 2.0})).start()
    srv = create_server(create_app(runtime, config={"RATELIMIT_ENABLED": False}), host="127.0.0.1", port=0, threads=4)
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{srv.effective_port}", sinks
    srv.close()
    thread.join(5)
    service.shutdown(timeout=5)


def test_speaking_live_from_the_browser_reaches_the_sink(on_air, fake_mic, runtime, tmp_path):
    from playwright.sync_api import sync_playwright

    base, sinks = on_air
    args = ["--no-sandbox", "--disable-gpu", "--use-fake-ui-for-media-stream", "--use-fake-device-for-media-stream",
            f"--use-file-for-fake-audio-capture={fake_mic}"]  # fmt: skip
    errors: list[str] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=args)
        context = browser.new_context(viewport={"width": 390, "height": 844}, locale="vi-VN")
        context.grant_permissions(["microphone"], origin=base)
        page = context.new_page()
        page.set_default_timeout(15_000)
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        page.on("dialog", lambda dialog: dialog.accept())  # the confirmation before going on air
        page.goto(base + "/login")
        page.fill("#username", "vanhanh")
        page.fill("#password", "loaphuong2025")
        page.click("button[type=submit]")
        page.wait_for_url(base + "/")
        page.goto(base + "/live")
        page.click("#live-start")
        page.wait_for_selector("#live-status.onair", timeout=15_000)
        assert "ĐANG PHÁT" in page.text_content("#live-status")
        # speak through one tone of the fake microphone, then press stop
        wait_for(lambda: sinks and any(is_tone(c) for _, c in sinks[0].chunks), timeout=SILENCE_S + TONE_S + 5)
        time.sleep(TONE_S)
        page.click("#live-stop")
        page.locator("#live-status", has_text="Đã kết thúc").wait_for()  # (the CSP allows no eval)
        browser.close()
    assert errors == []
    with runtime.unit() as s:
        wait_for(lambda: s.scalar(select(LiveSession.recording_path)) or s.expire_all(), timeout=10)
        live = s.scalars(select(LiveSession)).one()
        voice = wait_for(
            lambda: (
                s.scalar(select(AsRun).where(AsRun.kind == "live", AsRun.status == "aired", AsRun.position == 1))
                or s.expire_all()
            ),
            timeout=10,
        )
        assert voice.title == "Phát trực tiếp: Nguyễn Văn Hạnh (cán bộ đài)" and "người nói kết thúc" in voice.note
        created, recording = live.created_at.timestamp(), Path(live.recording_path)
    (sink,) = sinks
    tone_times = [t for t, c in sink.chunks if is_tone(c)]
    assert len(tone_times) >= 15  # the tone, not silence, reached the loudspeakers
    # ... inside the voice row's airtime, between the chimes
    assert (
        voice.actual_start.timestamp() - 0.2 <= tone_times[0] and tone_times[-1] <= voice.actual_end.timestamp() + 0.2
    )
    # the delay: the tone's onset at the sink minus its onset at the microphone (the recording starts when the
    # page's recorder does, just after the start request the session was created by)
    latency_ms = (tone_times[0] - (created + first_sound_s(recording))) * 1000
    print(f"live latency {latency_ms:.0f} ms")
    assert latency_ms < 2000
