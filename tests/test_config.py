"""Settings: every BROADCAST_* variable read in broadcast.config and handed on from there."""

from __future__ import annotations

from pathlib import Path

import pytest

from broadcast.config import (
    DEFAULT_ASSETS_DIR,
    DEFAULT_SCHEDULES_DIR,
    load_settings,
    read_tts_engines,
    read_web_threads,
    read_web_workers,
    session_settings,
)
from broadcast.errors import ConfigError
from broadcast.speech.engines import get_engine
from broadcast.speech.engines.piper import PiperEngine


def test_defaults_point_at_the_checkout(tmp_path):
    s = load_settings({"BROADCAST_DATA_DIR": str(tmp_path), "BROADCAST_SECRET_KEY": "k"})
    assert s.schedules_dir == DEFAULT_SCHEDULES_DIR and (s.schedules_dir / "MOLAO.toml").is_file()
    assert s.assets_dir == DEFAULT_ASSETS_DIR and (s.assets_dir / "chuong-bao.mp3").is_file()
    assert s.piper_model is None and s.piper_voices is None and s.mqtt_url is None


def test_environment_overrides(tmp_path):
    s = load_settings(
        {
            "BROADCAST_DATA_DIR": str(tmp_path),
            "BROADCAST_SECRET_KEY": "k",
            "BROADCAST_SCHEDULES_DIR": str(tmp_path / "lich"),
            "BROADCAST_ASSETS_DIR": str(tmp_path / "am"),
            "BROADCAST_PIPER_MODEL": str(tmp_path / "vi.onnx"),
            "BROADCAST_PIPER_VOICES": str(tmp_path / "giong"),
            "BROADCAST_MQTT_URL": " mqtt://127.0.0.1:1883 ",
        }
    )
    assert s.schedules_dir == (tmp_path / "lich").resolve() and s.assets_dir == (tmp_path / "am").resolve()
    assert s.piper_model == tmp_path / "vi.onnx" and s.mqtt_url == "mqtt://127.0.0.1:1883"
    assert s.piper_voices == tmp_path / "giong"
    assert read_tts_engines({"BROADCAST_TTS_ENGINES": " espeak , GTTS "}) == ("espeak", "gtts")


def test_piper_takes_its_voice_from_the_settings(settings, tmp_path, monkeypatch):
    monkeypatch.delenv("BROADCAST_PIPER_MODEL", raising=False)
    engine = get_engine("piper", settings.with_(piper_model=tmp_path / "vi.onnx"))
    assert isinstance(engine, PiperEngine) and Path(engine.model) == tmp_path / "vi.onnx"
    assert PiperEngine().model is None
    assert get_engine("espeak", settings).name == "espeak"  # engines without settings are built as before


def test_runtime_sessions_carry_their_settings(runtime):
    with runtime.unit() as s:
        assert session_settings(s) is runtime.settings
    other = runtime.session()
    try:
        assert session_settings(other) is runtime.settings
    finally:
        other.close()


@pytest.mark.parametrize(
    ("read", "raw", "want"),
    [
        (read_web_workers, None, 1),
        (read_web_workers, " 4 ", 4),
        (read_web_threads, None, 8),
        (read_web_threads, "", 8),
        (read_web_threads, "2", 2),
        (read_web_threads, "64", 64),
    ],
)
def test_web_processes_and_threads(read, raw, want):
    name = "BROADCAST_WEB_WORKERS" if read is read_web_workers else "BROADCAST_WEB_THREADS"
    assert read({} if raw is None else {name: raw}) == want


@pytest.mark.parametrize("raw", ["0", "65", "bốn", "-2", "2.5"])
def test_a_bad_thread_count_is_refused_in_one_sentence(raw):
    with pytest.raises(ConfigError, match=r"BROADCAST_WEB_THREADS=.* không hợp lệ: dùng số luồng mỗi tiến trình"):
        read_web_threads({"BROADCAST_WEB_THREADS": raw})
