"""Piper voices from a folder: listed with what their cards say, chosen by name, never downloaded.

A stand-in ``piper`` program on PATH (espeak-ng behind Piper's command line) records which model
it was given, so the tests see the engine pick the voice file."""

from __future__ import annotations

import json
import os
import stat
import wave

import pytest

from broadcast.speech.engines.base import EngineError, EngineUnavailable
from broadcast.speech.engines.chain import get_engine, synthesize_with_fallback
from broadcast.speech.engines.piper import PiperEngine

STANDIN = """#!/bin/sh
# piper --model M --output_file F  (text on stdin)
while [ $# -gt 0 ]; do
  case "$1" in --model) model="$2"; shift 2;; --output_file) out="$2"; shift 2;; *) shift;; esac
done
echo "$model" >> "$(dirname "$0")/models.log"
exec espeak-ng -v vi -w "$out" --stdin
"""


@pytest.fixture
def piper_bin(tmp_path, monkeypatch):
    folder = tmp_path / "bin"
    folder.mkdir()
    script = folder / "piper"
    script.write_text(STANDIN)
    script.chmod(script.stat().st_mode | stat.S_IEXEC)
    monkeypatch.setenv("PATH", f"{folder}{os.pathsep}{os.environ['PATH']}")
    return folder / "models.log"


@pytest.fixture
def voices(tmp_path):
    folder = tmp_path / "voices"
    folder.mkdir()
    for name, dataset in (("vi_VN-vais1000-medium", "vais1000"), ("vi_VN-25hours_single-low", "25hours_single")):
        (folder / f"{name}.onnx").write_bytes(b"onnx")
        (folder / f"{name}.onnx.json").write_text(json.dumps({"language": {"code": "vi_VN"}, "dataset": dataset}))
    (folder / "notes.txt").write_text("not a voice")
    return folder


def test_voices_of_the_folder_are_listed_with_their_cards(voices, piper_bin):
    engine = PiperEngine(voices_dir=voices)
    assert engine.available()
    assert engine.voices == ("vi_VN-25hours_single-low", "vi_VN-vais1000-medium")
    labels = {v["voice"]: v["label"] for v in engine.voice_list()}
    assert labels["vi_VN-vais1000-medium"] == "vi_VN-vais1000-medium · vi_VN · vais1000"


def test_the_chosen_voice_file_is_given_to_piper(voices, piper_bin, tmp_path):
    engine = PiperEngine(voices_dir=voices)
    out = engine.synthesize("Xin chào bà con tổ dân phố", "vi_VN-vais1000-medium", tmp_path / "a", {})
    with wave.open(str(out)) as w:
        assert w.getnframes() > 0
    assert piper_bin.read_text().split() == [str(voices / "vi_VN-vais1000-medium.onnx")]


def test_an_unknown_voice_is_one_clear_sentence(voices, piper_bin, tmp_path):
    with pytest.raises(EngineError, match="Piper không có giọng “bac-nam”"):
        PiperEngine(voices_dir=voices).synthesize("xin chào", "bac-nam", tmp_path / "a", {})
    assert not piper_bin.exists()  # piper was never run


def test_the_one_model_shortcut_still_works_beside_the_folder(voices, piper_bin, tmp_path, settings):
    model = tmp_path / "mot-giong.onnx"
    model.write_bytes(b"onnx")
    engine = get_engine("piper", settings.with_(piper_model=model, piper_voices=voices))
    assert engine.voices[0] == "default" and len(engine.voices) == 3
    engine.synthesize("xin chào", None, tmp_path / "a", {})
    assert piper_bin.read_text().split() == [str(model)]


def test_without_the_program_or_a_voice_the_chain_moves_on(voices, tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", "/nonexistent")
    assert not PiperEngine(voices_dir=voices).available()
    with pytest.raises(EngineUnavailable, match="BROADCAST_PIPER_VOICES"):
        PiperEngine(voices_dir=voices).synthesize("xin chào", None, tmp_path / "a", {})
    monkeypatch.undo()
    empty = tmp_path / "empty"
    empty.mkdir()
    result = synthesize_with_fallback("xin chào", ["piper", "espeak"], None, tmp_path / "s", {})
    assert result.engine == "espeak" and result.failures[0][0] == "piper"
    assert not PiperEngine(voices_dir=empty).available()
