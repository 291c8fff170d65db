"""The one ffmpeg module: command lines, probe, decode, encode and the PCM pipe, on a short generated tone."""

from __future__ import annotations

import array

import pytest

from broadcast.audio import ffmpeg
from broadcast.audio.errors import AudioError
from tests.audio.conftest import make_tone


def test_house_format_and_command_lines():
    assert (ffmpeg.SAMPLE_RATE, ffmpeg.CHANNELS, ffmpeg.SAMPLE_WIDTH) == (44100, 1, 2)
    assert ffmpeg.BYTES_PER_SECOND == 88200
    assert ffmpeg.ffmpeg_argv("-i", "x") == ["ffmpeg", "-hide_banner", "-nostdin", "-i", "x"]
    assert ffmpeg.ffmpeg_argv("-i", "-", loglevel="error", stdin=True, overwrite=True, stats=False) == [
        "ffmpeg",
        "-hide_banner",
        "-nostats",
        "-v",
        "error",
        "-y",
        "-i",
        "-",
    ]
    assert ffmpeg.ffprobe_argv("-show_format", "x")[:3] == ["ffprobe", "-v", "error"]


def test_probe_and_duration(tmp_path):
    tone = make_tone(tmp_path / "tone.wav", seconds=1.0)
    info = ffmpeg.probe(tone)
    assert info["streams"][0]["codec_type"] == "audio"
    assert 990 <= ffmpeg.probe_duration_ms(tone) <= 1010
    junk = tmp_path / "junk.mp3"
    junk.write_bytes(b"\x00not audio" * 50)
    assert ffmpeg.probe(junk) is None
    assert ffmpeg.probe_duration_ms(junk) == 0 and ffmpeg.probe_duration_ms(None) == 0


def test_decode_to_house_pcm_and_seek(tmp_path):
    tone = make_tone(tmp_path / "tone.wav", seconds=1.0, volume_db=-6.0)
    pcm = ffmpeg.decode_pcm(tone)
    assert abs(len(pcm) - ffmpeg.BYTES_PER_SECOND) <= 2 * ffmpeg.SAMPLE_WIDTH * 64
    assert max(array.array("h", pcm)) > 10000
    tail = ffmpeg.decode_pcm(tone, seek_ms=500)
    assert abs(len(tail) - ffmpeg.BYTES_PER_SECOND // 2) <= ffmpeg.BYTES_PER_SECOND // 50


def test_decode_says_why_it_cannot(tmp_path):
    with pytest.raises(ffmpeg.DecodeError, match="không có tệp"):
        ffmpeg.decode_pcm(None)
    with pytest.raises(ffmpeg.DecodeError, match="không tìm thấy"):
        ffmpeg.decode_pcm(tmp_path / "missing.mp3")
    junk = tmp_path / "junk.mp3"
    junk.write_bytes(b"\x00not audio" * 50)
    with pytest.raises(ffmpeg.DecodeError, match="hỏng"):
        ffmpeg.decode_pcm(junk)


def test_encode_then_read_back(tmp_path):
    pcm = array.array("h", [3000, -3000] * 22050).tobytes()  # one second
    out = tmp_path / "out.mp3"
    ffmpeg.encode(pcm, out, "xuất thử", args=["-c:a", "libmp3lame", "-b:a", "64k"])
    assert 950 <= ffmpeg.probe_duration_ms(out) <= 1100
    wav = tmp_path / "copy.wav"
    ffmpeg.convert(out, wav, "chuyển thử", args=["-ar", "44100"])
    assert 950 <= ffmpeg.probe_duration_ms(wav) <= 1100


def test_a_failing_run_names_what_it_was_doing(tmp_path):
    with pytest.raises(AudioError, match=r"ffmpeg lỗi khi thử lỗi\.$"):
        ffmpeg.run(["-i", str(tmp_path / "missing.wav"), "-f", "null", "-"], "thử lỗi")
    with pytest.raises(AudioError, match=r"ffmpeg lỗi khi thử lỗi \(.*missing.wav"):
        ffmpeg.run(["-i", str(tmp_path / "missing.wav"), "-f", "null", "-"], "thử lỗi", detail=True)


def test_a_missing_ffmpeg_is_one_sentence(monkeypatch):
    monkeypatch.setattr(ffmpeg, "FFMPEG", "ffmpeg-khong-co")
    with pytest.raises(AudioError, match="apt-get install ffmpeg"):
        ffmpeg.run(["-version"], "thử")
    assert not ffmpeg.available()


def test_pcm_pipe_writes_a_file_and_closes(tmp_path):
    out = tmp_path / "pipe.wav"
    pipe = ffmpeg.PcmPipe([str(out)], overwrite=True)
    pipe.start()
    assert pipe.alive
    for _ in range(5):
        pipe.write(bytes(ffmpeg.BYTES_PER_SECOND // 10))
    pipe.close(timeout=15)
    assert pipe.proc is None and not pipe.alive
    assert 480 <= ffmpeg.probe_duration_ms(out) <= 520
    pipe.close(timeout=1)  # closing twice is harmless


def test_pcm_pipe_reports_why_ffmpeg_exited(tmp_path):
    pipe = ffmpeg.PcmPipe(["-f", "no-such-format", str(tmp_path / "x")], keep_stderr=True)
    pipe.start()
    try:  # ffmpeg reads some input before it opens (and refuses) the output
        pipe.write(bytes(ffmpeg.BYTES_PER_SECOND))
    except OSError:
        pass
    pipe.proc.stdin.close()
    pipe.proc.wait(timeout=10)
    assert not pipe.alive and "Invalid argument" in pipe.stderr_tail()
    pipe.close(timeout=1)
