"""broadcast.relay.probe: a real Icecast with a tone (audible) and with silence, a stopped server, a server that
never answers, and addresses that serve something other than airable audio (a web page, an image, six
channels, a sample rate no station airs).  Each answer is a Vietnamese sentence in bounded time."""

from __future__ import annotations

import socket
import subprocess
import time

import pytest

from broadcast.relay.probe import SILENT_DBFS, probe_stream
from tests.icecast import Upstream

# No SQL here: run once, on SQLite (tests/conftest.py).
pytestmark = pytest.mark.once

KEYS = {"ok", "codec", "bitrate", "sample_rate", "channels", "audible", "rms_dbfs", "error"}


def tone_file(path, *args: str) -> None:
    """A short generated tone; ``args`` are ffmpeg's output options (rate, channels, codec)."""
    src = "sine=frequency=1000:sample_rate=44100:duration=1"
    cmd = ["ffmpeg", "-v", "error", "-nostdin", "-y", "-f", "lavfi", "-i", src, *args, str(path)]
    subprocess.run(cmd, check=True, capture_output=True, timeout=30)


def closed_port() -> int:
    """A loopback port nothing listens on (bound and released)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _timed(url: str, timeout_s: float) -> tuple[dict, float]:
    started = time.monotonic()
    result = probe_stream(url, timeout_s=timeout_s)
    assert set(result) == KEYS
    return result, time.monotonic() - started


def test_a_tone_on_icecast_is_ok_and_audible(upstream):
    result, _ = _timed(upstream.url, 6)
    assert result["ok"] and result["audible"] and result["error"] is None
    assert (result["codec"], result["sample_rate"], result["channels"], result["bitrate"]) == ("mp3", 44100, 2, 64000)
    assert SILENT_DBFS < result["rms_dbfs"] < 0


def test_a_silent_stream_is_reachable_but_not_audible(icecast):
    quiet = Upstream(icecast, "im-lang", volume=0).start()
    try:
        result, _ = _timed(quiet.url, 6)
    finally:
        quiet.stop()
    assert result["ok"] and not result["audible"] and result["error"] is None
    assert result["codec"] == "mp3" and result["rms_dbfs"] < SILENT_DBFS


def test_a_stopped_server_is_refused_at_once(icecast):
    url = f"http://127.0.0.1:{icecast.port}/vov1"
    icecast.stop()
    result, took = _timed(url, 3)
    assert not result["ok"] and not result["audible"] and result["codec"] is None
    assert result["error"].startswith("Không kết nối được tới nguồn") and "Connection refused" in result["error"]
    assert took < 2


def test_a_server_that_never_answers_is_given_up_within_the_timeout():
    with socket.socket() as mute:  # listens, so the connection opens, but nobody ever reads or answers
        mute.bind(("127.0.0.1", 0))
        mute.listen(1)
        result, took = _timed(f"http://127.0.0.1:{mute.getsockname()[1]}/vov1", 1.5)
    assert not result["ok"] and result["error"]
    assert result["error"] == "Nguồn không trả lời kịp thời gian kiểm tra."
    assert took < 2.5


def test_a_missing_mount_says_the_server_has_no_stream_there(web):
    _, base = web
    result, _ = _timed(f"{base}/vov1", 3)
    assert not result["ok"] and "Máy chủ không có luồng ở địa chỉ này" in result["error"]


@pytest.mark.parametrize(
    "name,content",
    [
        ("index.html", b"<!doctype html><html><body><h1>Dai truyen thanh</h1></body></html>\n"),
        ("ghi-chu.txt", "Đây là một tệp văn bản, không phải âm thanh.\n".encode()),
    ],
)
def test_a_page_or_text_is_not_an_audio_stream(web, name, content):
    root, base = web
    (root / name).write_bytes(content)
    result, _ = _timed(f"{base}/{name}", 3)
    assert not result["ok"] and "không phải luồng âm thanh" in result["error"]


def test_an_image_has_no_audio_stream(web):
    root, base = web
    subprocess.run(
        ["ffmpeg", "-v", "error", "-nostdin", "-y", "-f", "lavfi", "-i", "color=c=red:s=16x16", "-frames:v", "1"]
        + [str(root / "logo.png")],
        check=True,
        capture_output=True,
        timeout=30,
    )
    result, _ = _timed(f"{base}/logo.png", 3)
    assert not result["ok"] and "không phải luồng âm thanh (không có kênh âm thanh nào)" in result["error"]


@pytest.mark.parametrize(
    "args,words,facts",
    [
        (["-ac", "6"], "Luồng có 6 kênh; chỉ tiếp sóng được luồng mono hoặc stereo.", {"channels": 6}),
        (["-ar", "192000"], "Tần số lấy mẫu 192000 Hz không phát được", {"sample_rate": 192000}),
        (["-ar", "4000"], "Tần số lấy mẫu 4000 Hz không phát được", {"sample_rate": 4000}),
    ],
)
def test_rates_and_channels_a_station_cannot_air_are_refused(web, args, words, facts):
    root, base = web
    tone_file(root / "tone.wav", *args)
    result, _ = _timed(f"{base}/tone.wav", 3)
    assert not result["ok"] and words in result["error"]
    assert result["codec"] == "pcm_s16le" and facts.items() <= result.items()  # the operator sees what was read


def test_an_hls_stream_is_ok_and_its_segments_may_be_fetched(web):
    """HLS: the playlist and its segments come over http, which the relay's protocol list allows."""
    root, _base = web
    src = ["ffmpeg", "-v", "error", "-y", "-f", "lavfi", "-i", "sine=frequency=1000:duration=6", "-c:a", "aac"]
    subprocess.run([*src, "-f", "hls", "-hls_time", "2", "-hls_list_size", "0", str(root / "live.m3u8")], check=True)
    result, _ = _timed(f"{web[1]}/live.m3u8", 5)
    assert result["ok"] and result["audible"] and result["codec"] == "aac", result


def test_a_tone_served_as_a_file_is_ok(web):
    root, base = web
    tone_file(root / "tone.mp3", "-ac", "1", "-b:a", "48k")
    result, took = _timed(f"{base}/tone.mp3", 5)
    assert result["ok"] and result["audible"], result
    assert (result["codec"], result["channels"], result["sample_rate"]) == ("mp3", 1, 44100)
    assert took < 3


@pytest.mark.parametrize("url", ["file:///etc/passwd", "pipe:0", "rtsp://camera/stream", ""])
def test_other_protocols_are_refused_before_ffmpeg_runs(url, monkeypatch):
    def no_run(*args, **kwargs):
        raise AssertionError("ffmpeg must not run for a refused address")

    monkeypatch.setattr(subprocess, "run", no_run)
    result = probe_stream(url, timeout_s=1)
    assert not result["ok"] and result["error"] and result["codec"] is None
