"""Engines and the fallback chain.  Google is never contacted: gTTS is
patched where our module imports it, as Home Assistant's google_translate
tests do."""

from types import SimpleNamespace
from unittest.mock import patch

import pytest
from gtts import gTTSError

from broadcast.audio.measure import probe_duration
from broadcast.speech.engines import EngineError, engine_names_from_env, get_engine, synthesize_with_fallback
from broadcast.speech.engines.espeak import EspeakEngine
from broadcast.speech.engines.gtts import GTTSEngine
from broadcast.speech.engines.piper import PiperEngine
from broadcast.speech.engines.recording import RecordingError


def http_error(status):
    return gTTSError("http", response=SimpleNamespace(status_code=status, reason="x"))


def test_gtts_failure_falls_back_to_espeak(tmp_path):
    with patch("broadcast.speech.engines.gtts.gTTS", side_effect=gTTSError("no route")) as gtts:
        result = synthesize_with_fallback("xin chào", ["gtts", "espeak"], None, tmp_path / "s", {})
    assert gtts.call_args.kwargs["lang"] == "vi"
    assert result.engine == "espeak" and result.voice == "vi"
    assert [name for name, _ in result.failures] == ["gtts"]
    assert probe_duration(result.path) > 0.3


def test_gtts_connection_error_falls_back(tmp_path):
    with patch("broadcast.speech.engines.gtts.gTTS", side_effect=ConnectionError("no route to host")):
        result = synthesize_with_fallback("xin chào", ["gtts", "espeak"], None, tmp_path / "s", {})
    assert result.engine == "espeak"


def test_gtts_success_is_used_first(tmp_path, fake_gtts):
    result = synthesize_with_fallback("xin chào", ["gtts", "espeak"], None, tmp_path / "s", {})
    assert result.engine == "gtts" and result.failures == []
    assert fake_gtts.calls[0][1]["lang"] == "vi" and fake_gtts.calls[0][1]["timeout"] > 0


def test_gtts_backs_off_on_429_then_succeeds(tmp_path, fake_gtts):
    fake_gtts.errors = [http_error(429), http_error(429)]
    sleeps = []
    engine = GTTSEngine(retries=2, backoff=0.5, sleep=sleeps.append)
    path = engine.synthesize("xin chào", "vi", tmp_path / "g", {})
    assert path.exists() and sleeps == [0.5, 1.0]
    assert len(fake_gtts.calls) == 3


def test_gtts_gives_up_after_bounded_retries(tmp_path, fake_gtts):
    fake_gtts.errors = [http_error(429)] * 5
    sleeps = []
    with pytest.raises(EngineError) as err:
        GTTSEngine(retries=2, backoff=0.1, sleep=sleeps.append).synthesize("xin chào", "vi", tmp_path / "g", {})
    assert "429" in err.value.message and len(sleeps) == 2


def test_gtts_does_not_retry_on_403(tmp_path, fake_gtts):
    fake_gtts.errors = [http_error(403)]
    sleeps = []
    with pytest.raises(EngineError):
        GTTSEngine(sleep=sleeps.append).synthesize("xin chào", "vi", tmp_path / "g", {})
    assert sleeps == [] and len(fake_gtts.calls) == 1


@pytest.mark.parametrize("voice", ["vi", "vi-vn-x-central", "vi-vn-x-south"])
def test_espeak_voices(tmp_path, voice):
    path = EspeakEngine().synthesize("ủy ban nhân dân phường", voice, tmp_path / "e", {"rate": 160, "pitch": 40})
    assert probe_duration(path) > 0.5


def test_espeak_rate_changes_duration(tmp_path):
    text = "tuyên truyền cải cách hành chính trên địa bàn phường"
    slow = EspeakEngine().synthesize(text, "vi", tmp_path / "slow", {"rate": 100})
    fast = EspeakEngine().synthesize(text, "vi", tmp_path / "fast", {"rate": 250})
    assert probe_duration(slow) > 1.5 * probe_duration(fast)


def test_espeak_command_clamps_and_reads_stdin(tmp_path):
    cmd = EspeakEngine().command("klingon", tmp_path / "x.wav", {"rate": 5000, "pitch": -3})
    assert cmd[cmd.index("-v") + 1] == "vi"
    assert cmd[cmd.index("-s") + 1] == "450" and cmd[cmd.index("-p") + 1] == "0"
    assert cmd[-1] == "--stdin"


def test_all_engines_failing_is_one_clear_error(tmp_path):
    with (
        patch("broadcast.speech.engines.gtts.gTTS", side_effect=gTTSError("down")),
        patch.object(EspeakEngine, "available", return_value=False),
        pytest.raises(EngineError) as err,
    ):
        synthesize_with_fallback("xin chào", ["gtts", "espeak"], None, tmp_path / "s", {})
    assert err.value.message.startswith("Không bộ đọc nào")
    assert "gtts" in err.value.message and "espeak" in err.value.message


def test_unknown_engine_and_env_list():
    with pytest.raises(EngineError):
        get_engine("festival")
    assert engine_names_from_env({}) == ("gtts", "espeak")
    assert engine_names_from_env({"BROADCAST_TTS_ENGINES": " espeak , GTTS "}) == ("espeak", "gtts")


def test_piper_is_skipped_without_a_voice_file(tmp_path, monkeypatch):
    monkeypatch.delenv("BROADCAST_PIPER_MODEL", raising=False)
    assert not PiperEngine().available()
    result = synthesize_with_fallback("xin chào", ["piper", "espeak"], None, tmp_path / "s", {})
    assert result.engine == "espeak" and result.failures[0][0] == "piper"


def test_corrupt_recording_is_not_replaced_by_tts(tmp_path):
    bad = tmp_path / "rec.webm"
    bad.write_bytes(b"\x1aE\xdf\xa3 broken upload" * 20)
    with pytest.raises(RecordingError) as err:
        synthesize_with_fallback("", ["recording", "espeak"], None, tmp_path / "s", {"recording_path": bad})
    assert "hỏng" in err.value.message
