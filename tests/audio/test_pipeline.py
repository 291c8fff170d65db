import pytest
from mutagen.id3 import ID3

from broadcast.audio.measure import AudioError, measure_loudness, probe_audio, probe_duration
from broadcast.audio.pipeline import MAX_TRUE_PEAK, TARGET_LUFS, TOLERANCE_LU, run_pipeline

from .conftest import make_tone


def test_quiet_tone_with_silence_becomes_a_house_format_mp3(tmp_path):
    src = make_tone(tmp_path / "in.wav", seconds=2.0, volume_db=-35, lead_silence=1.0, tail_silence=1.0)
    out = tmp_path / "out.mp3"
    result = run_pipeline(src, {"out_path": out, "pause_ms": 0,
                                "tags": {"title": "Thông báo", "station": "Đài Mộ Lao", "category": "CCHC"}})
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
    both = run_pipeline(src, {"out_path": tmp_path / "b.mp3", "pause_ms": 0, "chime": "both",
                              "chime_path": chime})
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
