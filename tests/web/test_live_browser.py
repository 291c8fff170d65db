"""Live broadcast in a real browser: Debian's Chromium (Playwright) with a fake microphone playing a tone presses
the button, confirms and speaks; the playout service in this process puts it on air; the test reads what the
sink received, checks it carries the tone between the chimes within the voice row's airtime, and that the
microphone-to-sink delay is under 2 s.  The steps are bench/live.py's (the bench reports ``live.latency_ms``)."""

from __future__ import annotations

import os

import pytest

from bench import live as live_bench
from tests.playout.conftest import make_station

pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    pytest.mark.skipif(
        not os.path.exists(live_bench.CHROMIUM), reason="chromium is missing (apt-get install chromium)"
    ),
]


@pytest.fixture
def on_air(runtime, demo):
    with runtime.unit() as s:
        make_station(s, sink="null")
    base, sinks, stop = live_bench.on_air(runtime)
    yield base, sinks
    stop()


def test_speaking_live_from_the_browser_reaches_the_sink(on_air, runtime, tmp_path):
    base, sinks = on_air
    mic = live_bench.make_fake_mic(tmp_path / "mic.wav")
    errors = live_bench.speak(base, mic, lambda: sinks and any(live_bench.is_tone(c) for _, c in sinks[0].chunks))
    assert errors == []
    got = live_bench.measure(runtime, sinks)
    voice, tone_times = got["voice"], got["tone_times"]
    assert voice.title == "Phát trực tiếp: Nguyễn Văn Hạnh (cán bộ đài)" and "người nói kết thúc" in voice.note
    assert got["live"].status == "ended" and got["live"].recording_path
    assert len(tone_times) >= 15  # the tone, not silence, reached the loudspeakers
    start, end = voice.actual_start.timestamp(), voice.actual_end.timestamp()
    assert start - 0.2 <= tone_times[0] and tone_times[-1] <= end + 0.2  # inside the voice row, between the chimes
    print(f"live latency {got['latency_ms']:.0f} ms")
    assert got["latency_ms"] < 2000
