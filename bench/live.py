"""Live broadcast: from a (fake) microphone in Chromium to the loudspeakers' sink.

Chromium plays a WAV as its microphone (silence, then a tone), the operator's page goes live on MOLAO, the
playout service in this process airs it into a sink that keeps each chunk's wall-clock time.  The delay is the
tone's onset at the sink minus its onset at the microphone: the session's recording starts when the page's
recorder does (right after the start request that created the session), so the onset's place in the
recording dates it.  ``live.latency_ms``: target < 2,000 ms.  tests/web/test_live_browser.py drives the same
steps and asserts what the sink received.
"""

from __future__ import annotations

import array
import itertools
import subprocess
import tempfile
import threading
import time
from pathlib import Path

CHROMIUM = "/usr/bin/chromium"
TONE_HZ = 2500
SILENCE_S, TONE_S = 5.0, 3.0
PASSWORD = "loaphuong2025"


def make_fake_mic(path: Path) -> Path:
    """The fake microphone's WAV: ``SILENCE_S`` of silence, then ``TONE_S`` of the tone (Chromium loops it)."""
    src = f"sine=frequency={TONE_HZ}:duration={TONE_S},adelay={int(SILENCE_S * 1000)}:all=1"
    cmd = ["ffmpeg", "-v", "error", "-y", "-f", "lavfi", "-i", src, "-ac", "1", "-ar", "48000", "-c:a", "pcm_s16le"]
    subprocess.run([*cmd, str(path)], check=True)
    path.chmod(0o644)
    return path


def wall_sink_class():
    from broadcast.playout.sinks.base import Sink

    class WallSink(Sink):
        """Keeps every chunk with the wall-clock time it went out."""

        name = "wall"

        def __init__(self, spec="wall"):
            super().__init__(spec)
            self.chunks: list[tuple[float, bytes]] = []

        def _write(self, pcm: bytes) -> bool:
            self.chunks.append((time.time(), pcm))
            return True

    return WallSink


def is_tone(pcm: bytes) -> bool:
    samples = array.array("h", pcm)
    if not samples or max(abs(x) for x in samples) < 800:
        return False
    hz = sum(1 for a, b in itertools.pairwise(samples) if (a < 0) != (b < 0)) / 2 / (len(samples) / 44100)
    return TONE_HZ - 150 < hz < TONE_HZ + 150


def first_sound_s(path: Path) -> float:
    """Where sound first starts in an audio file, in seconds (100 ms windows)."""
    cmd = ["ffmpeg", "-v", "error", "-i", str(path), "-f", "s16le", "-ac", "1", "-ar", "44100", "-"]
    pcm = subprocess.run(cmd, capture_output=True, check=True).stdout
    for i in range(0, len(pcm), 8820):
        window = array.array("h", pcm[i : i + 8820])
        if window and max(abs(x) for x in window) > 2000:
            return i / 88200
    raise RuntimeError("no sound in the recording")


def speak(base: str, mic: Path, heard) -> list[str]:
    """Log in as the operator, go live on the page, wait for ĐANG PHÁT, let the tone be ``heard()`` at the
    sink and play on for ``TONE_S``, press stop; returns the page's script errors."""
    from playwright.sync_api import sync_playwright

    args = ["--no-sandbox", "--disable-gpu", "--use-fake-ui-for-media-stream", "--use-fake-device-for-media-stream"]
    errors: list[str] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=[*args, f"--use-file-for-fake-audio-capture={mic}"]
        )
        try:
            context = browser.new_context(viewport={"width": 390, "height": 844}, locale="vi-VN")
            context.grant_permissions(["microphone"], origin=base)
            page = context.new_page()
            page.set_default_timeout(15_000)
            page.on("pageerror", lambda exc: errors.append(str(exc)))
            page.on("dialog", lambda dialog: dialog.accept())  # the confirmation before going on air
            page.goto(base + "/login")
            page.fill("#username", "vanhanh")
            page.fill("#password", PASSWORD)
            page.click("button[type=submit]")
            page.wait_for_url(base + "/")
            page.goto(base + "/live")
            page.click("#live-start")
            page.wait_for_selector("#live-status.onair", timeout=15_000)
            deadline = time.monotonic() + SILENCE_S + TONE_S + 5
            while not heard() and time.monotonic() < deadline:
                time.sleep(0.1)
            time.sleep(TONE_S)
            page.click("#live-stop")
            page.locator("#live-status", has_text="Đã kết thúc").wait_for()  # (the CSP allows no eval)
        finally:
            browser.close()
    return errors


def on_air(runtime, station_code: str = "MOLAO"):
    """The web app (waitress) and the playout service in this process, and the sinks the live path opens
    (each a wall-clock sink); returns (base URL, sinks, stop())."""
    from waitress.server import create_server

    import broadcast.playout.emergency as emergency
    from broadcast.playout.config import PlayoutConfig
    from broadcast.playout.service import PlayoutService
    from web import create_app

    wall_sink = wall_sink_class()
    sinks: list = []
    original = emergency.open_sink
    emergency.open_sink = lambda spec: sinks.append(wall_sink(spec)) or sinks[-1]
    config = PlayoutConfig(speed=1.0, heartbeat_s=0.2, poll_s=0.1, derive_s=30, preroll_s=0.5, live_drop_s=2.0)
    service = PlayoutService(runtime, config).start()
    srv = create_server(create_app(runtime, config={"RATELIMIT_ENABLED": False}), host="127.0.0.1", port=0, threads=4)
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()

    def stop():
        srv.close()
        thread.join(5)
        service.shutdown(timeout=5)
        emergency.open_sink = original

    return f"http://127.0.0.1:{srv.effective_port}", sinks, stop


def measure(runtime, sinks) -> dict:
    """The live session's voice row, the tone's chunks at the sink, and the microphone-to-sink delay."""
    from sqlalchemy import select

    from broadcast.domain.models import AsRun, LiveSession

    deadline = time.monotonic() + 15
    while True:
        with runtime.unit() as s:
            live = s.scalars(select(LiveSession).order_by(LiveSession.id.desc())).first()
            voice = s.scalar(select(AsRun).where(AsRun.kind == "live", AsRun.position == 1, AsRun.status == "aired"))
            if (live and live.recording_path and voice) or time.monotonic() > deadline:
                s.expunge_all()
                break
        time.sleep(0.2)
    tone_times = [t for t, c in (sinks[0].chunks if sinks else []) if is_tone(c)]
    latency = None
    if tone_times and live and live.recording_path:
        latency = (tone_times[0] - (live.created_at.timestamp() + first_sound_s(Path(live.recording_path)))) * 1000
    return {"live": live, "voice": voice, "tone_times": tone_times, "latency_ms": latency}


def run() -> list[dict]:
    from pathlib import Path as P

    from broadcast.config import Settings
    from broadcast.db import make_engine
    from broadcast.demo import load_demo
    from broadcast.migrate import upgrade
    from broadcast.runtime import Runtime

    if not P(CHROMIUM).exists():
        return [{"name": "live.latency_ms", "value": None, "unit": "ms", "limit": None, "note": "no chromium"}]
    with tempfile.TemporaryDirectory(prefix="lp-bench-live-") as tmp:
        tmp = Path(tmp)
        url = f"sqlite:///{tmp / 'bench.db'}"
        engine = make_engine(url)
        upgrade(engine)
        runtime = Runtime(Settings(database_url=url, data_dir=tmp, secret_key="bench"), engine)
        with runtime.unit() as s:
            load_demo(s, runtime.settings)
        base, sinks, stop = on_air(runtime)
        try:
            errors = speak(
                base, make_fake_mic(tmp / "mic.wav"), lambda: sinks and any(is_tone(c) for _, c in sinks[0].chunks)
            )
            got = measure(runtime, sinks)
        finally:
            stop()
            engine.dispose()
    return [
        {
            "name": "live.latency_ms",
            "value": round(got["latency_ms"]) if got["latency_ms"] is not None else None,
            "unit": "ms",
            "limit": {"name": "target", "value": 2000},
            "target": "fake microphone (Chromium) -> sink, tone onset",
            **({"note": "page errors: " + "; ".join(errors)} if errors else {}),
        }
    ]
