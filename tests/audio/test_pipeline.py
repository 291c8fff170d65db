import numpy as np
import pytest
from mutagen.id3 import ID3

from broadcast.audio.measure import AudioError, measure_loudness, probe_audio, probe_duration
from broadcast.audio.pipeline import MAX_TRUE_PEAK, TARGET_LUFS, TOLERANCE_LU, run_pipeline, trim

from .conftest import make_tone


def test_quiet_tone_with_silence_becomes_a_house_format_mp3(tmp_path):
    src = make_tone(tmp_path / "in.wav", seconds=2.0, volume_db=-35, lead_silence=1.0, tail_silence=1.0)
    out = tmp_path / "out.mp3"
    result = run_pipeline(
        src,
        {"out_path": out, "pause_ms": 0, "tags": {"title": "Thông báo", "station": "Đài Mộ Lao", "category": "CCHC"}},
    )
    assert result["path"] == out and out.is_file()
    info = probe_audio(out)
    assert (info.codec, info.sample_rate, info.channels) == ("mp3", 44100, 1)
    # silence trimmed: about 2 s of tone left out of 4 s
    assert probe_duration(out) == pytest.approx(2.0, abs=0.15)
    loud = measure_loudness(out)  # measured independently on the finished file
    assert abs(loud.integrated_lufs - TARGET_LUFS) <= TOLERANCE_LU
    assert loud.true_peak_db <= MAX_TRUE_PEAK
    tags = ID3(out)
    assert str(tags["TIT2"]) == "Thông báo" and str(tags["TPE1"]) == "Đài Mộ Lao"
    assert str(tags["TCON"]) == "CCHC"


def test_chime_before_and_after(tmp_path):
    src = make_tone(tmp_path / "in.wav", seconds=1.0)
    chime = make_tone(tmp_path / "chime.wav", seconds=0.5, freq=880)
    plain = run_pipeline(src, {"out_path": tmp_path / "a.mp3", "pause_ms": 0})
    both = run_pipeline(src, {"out_path": tmp_path / "b.mp3", "pause_ms": 0, "chime": "both", "chime_path": chime})
    assert both["duration_ms"] - plain["duration_ms"] == pytest.approx(1000, abs=120)
    assert abs(both["loudness_lufs"] - TARGET_LUFS) <= TOLERANCE_LU


def test_pauses_pad_both_ends(tmp_path):
    src = make_tone(tmp_path / "in.wav", seconds=1.0)
    result = run_pipeline(src, {"out_path": tmp_path / "a.mp3", "pause_ms": 300})
    assert result["duration_ms"] == pytest.approx(1600, abs=120)


def test_silent_input_is_an_error_not_silent_audio(tmp_path):
    src = make_tone(tmp_path / "in.wav", seconds=2.0, volume_db=-120)
    with pytest.raises(AudioError) as err:
        run_pipeline(src, {"out_path": tmp_path / "a.mp3"})
    assert "khoảng lặng" in err.value.message
    assert not (tmp_path / "a.mp3").exists()


def test_corrupt_input_is_an_error(tmp_path):
    bad = tmp_path / "bad.wav"
    bad.write_bytes(b"RIFF\x00\x00\x00\x00WAVEgarbage" * 50)
    with pytest.raises(AudioError):
        run_pipeline(bad, {"out_path": tmp_path / "a.mp3"})


def test_peaky_input_is_limited_onto_the_target(tmp_path):
    # a quiet tone with full-scale clicks: a crest factor no linear gain can bring to -16 LUFS under -1 dBTP
    src = tmp_path / "peaky.wav"
    import subprocess

    subprocess.run(
        [
            "ffmpeg",
            "-hide_banner",
            "-loglevel",
            "error",
            "-y",
            "-f",
            "lavfi",
            "-i",
            "aevalsrc=0.02*sin(2*PI*300*t)+0.98*lt(mod(n\\,4410)\\,3):s=44100:d=4",
            "-c:a",
            "pcm_s16le",
            str(src),
        ],
        check=True,
    )
    out = tmp_path / "out.mp3"
    result = run_pipeline(src, {"out_path": out, "pause_ms": 0})
    assert result["limited"] is True
    loud = measure_loudness(out)
    assert abs(loud.integrated_lufs - TARGET_LUFS) <= TOLERANCE_LU
    assert loud.true_peak_db <= MAX_TRUE_PEAK
    assert (result["loudness_lufs"], result["true_peak_db"]) == (
        round(loud.integrated_lufs, 2),
        round(loud.true_peak_db, 2),
    )


def test_stereo_input_becomes_mono_on_target(tmp_path):
    import subprocess

    src = tmp_path / "stereo.wav"
    subprocess.run(
        [
            "ffmpeg",
            "-hide_banner",
            "-loglevel",
            "error",
            "-y",
            "-f",
            "lavfi",
            "-i",
            "aevalsrc=0.1*sin(2*PI*440*t)|0.05*sin(2*PI*660*t):s=48000:d=2",
            "-c:a",
            "pcm_s16le",
            str(src),
        ],
        check=True,
    )
    out = tmp_path / "out.mp3"
    result = run_pipeline(src, {"out_path": out, "pause_ms": 0})
    info = probe_audio(out)
    assert (info.sample_rate, info.channels) == (44100, 1)
    assert result["duration_ms"] == pytest.approx(2000, abs=120)
    loud = measure_loudness(out)
    assert abs(loud.integrated_lufs - TARGET_LUFS) <= TOLERANCE_LU and loud.true_peak_db <= MAX_TRUE_PEAK


def test_no_work_files_are_left_beside_the_output(tmp_path):
    src = make_tone(tmp_path / "in.wav", seconds=1.0)
    out_dir = tmp_path / "out"
    run_pipeline(src, {"out_path": out_dir / "a.mp3"})
    assert [p.name for p in out_dir.iterdir()] == ["a.mp3"]


def _espeak(path, text, voice="vi", rate=150, pitch=50):
    import subprocess

    subprocess.run(
        ["espeak-ng", "-v", voice, "-s", str(rate), "-p", str(pitch), "-w", str(path), "--stdin"],
        input=text.encode(),
        check=True,
    )
    return path


def _reference(path):
    """ffmpeg's own ebur128 with true peak on the finished MP3, parsed here, independent of the pipeline."""
    import re
    import subprocess

    err = subprocess.run(
        ["ffmpeg", "-hide_banner", "-nostdin", "-i", str(path), "-af", "ebur128=peak=true", "-f", "null", "-"],
        capture_output=True,
        text=True,
        check=True,
    ).stderr
    summary = err[err.rfind("Summary:") :]
    integrated = float(re.search(r"I:\s*(-?[\d.]+) LUFS", summary).group(1))
    peak = float(re.search(r"True peak:\s*\n\s*Peak:\s*(-?[\d.]+) dBFS", summary).group(1))
    return integrated, peak


SPEECH = (
    "Ủy ban nhân dân phường thông báo tới toàn thể nhân dân, lịch tiêm phòng cho trẻ em "
    "tại nhà văn hóa tổ dân phố số năm, bắt đầu từ bảy giờ ba mươi sáng thứ hai tuần tới."
)


@pytest.mark.parametrize(("voice", "rate", "pitch"), [("vi", 150, 50), ("vi-vn-x-central", 110, 30)])
def test_espeak_speech_lands_in_the_window_on_the_first_encode(tmp_path, voice, rate, pitch):
    # The central voice at a slow rate is too peaky for the nominal limiter drive: before the
    # re-drive it reached the target only after one or two re-encodes of the MP3.
    src = _espeak(tmp_path / "speech.wav", SPEECH, voice, rate, pitch)
    out = tmp_path / "out.mp3"
    result = run_pipeline(src, {"out_path": out})
    assert result["limited"] is True and result["corrections"] == 0
    if voice != "vi":
        assert result["extra_drive_db"] > 0
    integrated, peak = _reference(out)
    assert abs(integrated - TARGET_LUFS) <= TOLERANCE_LU - 0.5 and peak <= MAX_TRUE_PEAK
    # the figures recorded on the rendition are those of the MP3 that airs
    assert abs(result["loudness_lufs"] - integrated) <= 0.1 and abs(result["true_peak_db"] - peak) <= 0.1


def test_a_clean_tone_is_not_limited_and_lands_on_the_first_encode(tmp_path):
    src = make_tone(tmp_path / "in.wav", seconds=3.0, freq=1000, volume_db=-30)
    out = tmp_path / "out.mp3"
    result = run_pipeline(src, {"out_path": out, "pause_ms": 0})
    assert result["limited"] is False and result["corrections"] == 0
    integrated, peak = _reference(out)
    assert abs(integrated - TARGET_LUFS) <= TOLERANCE_LU - 0.5 and peak <= MAX_TRUE_PEAK
    assert abs(result["loudness_lufs"] - integrated) <= 0.1 and abs(result["true_peak_db"] - peak) <= 0.1


def test_no_second_encode_when_the_peak_ceiling_leaves_nothing_to_correct(tmp_path, monkeypatch):
    # The first MP3 measures 0.8 LU under the target with its true peak already at the -1.5 dBTP
    # aim: a correction would be 0 dB, so encoding again would produce the same file.
    from broadcast.audio.measure import Loudness
    from broadcast.audio.pipeline import export

    encodes = []
    monkeypatch.setattr(export, "_encode", lambda *args: encodes.append(args[1]))
    monkeypatch.setattr(export, "measure_loudness", lambda path: Loudness(-16.8, -1.5, 3.0))
    monkeypatch.setattr(export, "_duration_s", lambda path: 1.0)
    samples = np.zeros(44100, dtype="<i2")
    _, meta = export.export_mp3(samples, {"out_path": tmp_path / "a.mp3", "gain_db": 1.0})
    assert len(encodes) == 1 and meta["corrections"] == 0 and meta["loudness_lufs"] == -16.8
    # one that can still be corrected is encoded again, with the gain moved by the correction
    encodes.clear()
    readings = iter([Loudness(-16.8, -2.5, 3.0), Loudness(-16.0, -1.7, 3.0)])
    monkeypatch.setattr(export, "measure_loudness", lambda path: next(readings))
    _, meta = export.export_mp3(samples, {"out_path": tmp_path / "a.mp3", "gain_db": 1.0})
    assert len(encodes) == 2 and encodes[1] - encodes[0] == pytest.approx(0.8) and meta["corrections"] == 1


@pytest.mark.parametrize(
    "samples",
    [np.zeros(0, dtype="<i2"), np.zeros(44_100, dtype="<i2"), np.full(100, 20_000, dtype="<i2")],
    ids=["empty", "silence", "a click shorter than speech"],
)
def test_trim_refuses_what_has_no_speech(samples):
    with pytest.raises(AudioError, match="không có tiếng đọc"):
        trim(samples, {})


def test_trim_keeps_a_short_margin_round_the_sound():
    samples = np.zeros(44_100, dtype="<i2")
    samples[10_000:20_000] = -32768  # the most negative sample must count as loud, not overflow
    out, _ = trim(samples, {})
    assert out.size == 10_000 + 2 * int(0.05 * 44_100)
