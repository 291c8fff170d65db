"""Sinks: specs, the file archive (WAV by Python, MP3 through the ffmpeg pipe), the sound card."""

from __future__ import annotations

import wave

import pytest

from broadcast.audio.ffmpeg import probe_duration_ms
from broadcast.errors import ValidationError
from broadcast.playout.sinks import SAMPLE_RATE, is_live, ms_to_bytes, open_sink
from tests.playout.conftest import air_programme, make_programme, make_station, run_rows


def test_mp3_file_sink_encodes_through_ffmpeg(tmp_path):
    target = tmp_path / "archive.mp3"
    sink = open_sink(f"file:{target}")
    sink.open(title="thu")
    for _ in range(10):
        assert sink.write(bytes(ms_to_bytes(100)))
    sink.close()
    assert 900 <= probe_duration_ms(target) <= 1200
    assert sink.written_bytes == 10 * ms_to_bytes(100) and SAMPLE_RATE == 44100


def test_directory_file_sink_names_each_airing(tmp_path):
    sink = open_sink(f"file:{tmp_path}/")
    sink.open(title="MOLAO sang")
    sink.write(bytes(ms_to_bytes(200)))
    sink.close()
    (made,) = tmp_path.glob("*.wav")
    assert made.name.endswith("-MOLAO-sang.wav")


def test_export_is_not_live():
    assert not is_live("export") and not is_live("") and is_live("null")


def test_file_sink_writes_what_aired(runtime, tones, tmp_path):
    target = tmp_path / "archive.wav"
    with runtime.unit() as s:
        st = make_station(s)
        p = make_programme(s, st, [tones["a"], tones["short"]])
        ids = (p.id, st.id)
    result = air_programme(runtime, *ids, sink=f"file:{target}")
    with wave.open(str(target)) as w:
        seconds = w.getnframes() / w.getframerate()
    assert 1.2 <= seconds <= 1.4
    assert run_rows(runtime, result.run_id)[0].sink == f"file:{target}"


def test_sink_specs_are_checked():
    assert open_sink("icecast://source:pw@127.0.0.1:8000/live").label == "icecast://127.0.0.1:8000/live"
    for bad in ("export", "nowhere", "icecast://x", "file:"):
        with pytest.raises(ValidationError):
            open_sink(bad)


def test_device_sink_on_alsa_null(runtime, tones):
    from broadcast.playout.sinks.device import alsa_device_works

    if not alsa_device_works("null"):
        pytest.skip("ALSA không có thiết bị null trên máy này: bỏ qua phép thử card âm thanh.")
    with runtime.unit() as s:
        st = make_station(s)
        p = make_programme(s, st, [tones["short"]])
        ids = (p.id, st.id)
    result = air_programme(runtime, *ids, sink="device:null", speed=1.0)
    assert [r.status for r in run_rows(runtime, result.run_id)] == ["aired"]
