import pytest
from mutagen.id3 import ID3

from broadcast.audio.measure import AudioError, measure_loudness, probe_audio, probe_duration
from broadcast.audio.pipeline import MAX_TRUE_PEAK, TARGET_LUFS, TOLERANCE_LU, run_pipeline

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
