import pytest

from broadcast.audio.measure import AudioError, measure_loudness, probe_audio, probe_duration

from .conftest import make_tone


def test_probe_duration_of_a_tone(tmp_path):
    path = make_tone(tmp_path / "t.wav", seconds=2.0)
    assert probe_duration(path) == pytest.approx(2.0, abs=0.02)
    info = probe_audio(path)
    assert info.sample_rate == 44100 and info.channels == 1


def test_loudness_of_a_known_sine(tmp_path):
    # A 1 kHz sine with peak amplitude -20 dBFS measures -23.0 LUFS (BS.1770).
    path = make_tone(tmp_path / "t.wav", seconds=3.0, freq=1000, volume_db=-20)
    loud = measure_loudness(path)
    assert loud.integrated_lufs == pytest.approx(-23.0, abs=0.3)
    assert loud.true_peak_db == pytest.approx(-20.0, abs=0.3)


def test_corrupt_file_is_a_clear_error(tmp_path):
    bad = tmp_path / "bad.mp3"
    bad.write_bytes(b"ID3\x03\x00 this is not audio at all" * 10)
    assert probe_audio(bad) is None
    with pytest.raises(AudioError) as err:
        probe_duration(bad)
    assert "Không đọc được" in err.value.message
    with pytest.raises(AudioError):
        measure_loudness(tmp_path / "missing.wav")
