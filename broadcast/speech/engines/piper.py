"""Piper neural TTS, only if the ward provides the program and its voice files.

Nothing is downloaded. ``BROADCAST_PIPER_VOICES`` (``Settings.piper_voices``) names a folder of
``.onnx`` voices already on disk, each with the ``.onnx.json`` Piper ships beside it; every voice
there appears in the voice list under its file name ("vi_VN-vais1000-medium"). The older
``BROADCAST_PIPER_MODEL`` still works as a one-voice shortcut (the voice "default"). ``piper``
must be on PATH. Until there is a voice and the program, the engine reports itself unavailable and
the chain skips it.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Mapping
from pathlib import Path

from ...config import Settings, read_piper_model, read_piper_voices
from .base import EngineError, EngineUnavailable

DEFAULT_VOICE = "default"


def _folder_voices(folder: Path | None) -> dict[str, Path]:
    if folder is None or not folder.is_dir():
        return {}
    return {p.name.removesuffix(".onnx"): p for p in sorted(folder.glob("*.onnx")) if p.is_file()}


def _card(model: Path) -> dict:
    """What Piper's ``.onnx.json`` says of the voice (language, dataset); {} when absent or broken."""
    try:
        data = json.loads(model.with_name(model.name + ".json").read_text("utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


class PiperEngine:
    name = "piper"

    def __init__(self, model: str | Path | None = None, binary: str = "piper", voices_dir: str | Path | None = None):
        # Without arguments, the configured ones (read by broadcast.config, not here).
        if model is None and voices_dir is None:
            model, voices_dir = read_piper_model(), read_piper_voices()
        self.model = Path(model) if model else None
        self.models = _folder_voices(Path(voices_dir) if voices_dir else None)
        if self.model is not None and self.model.is_file():
            self.models = {DEFAULT_VOICE: self.model, **self.models}
        self.binary = binary

    @classmethod
    def from_settings(cls, config: Settings) -> PiperEngine:
        return cls(model=config.piper_model, voices_dir=config.piper_voices)

    @property
    def voices(self) -> tuple[str, ...]:
        return tuple(self.models) or (DEFAULT_VOICE,)

    def voice_list(self) -> list[dict]:
        out = []
        for voice, path in self.models.items():
            card = _card(path)
            language = (card.get("language") or {}).get("code") if isinstance(card.get("language"), dict) else None
            label = " · ".join(str(x) for x in (voice, language, card.get("dataset")) if x)
            out.append({"engine": self.name, "voice": voice, "accent": None, "gender": None, "label": label})
        return out

    def available(self) -> bool:
        return bool(self.models) and shutil.which(self.binary) is not None

    def synthesize(self, text: str, voice: str | None, out_path: Path, settings: Mapping[str, object]) -> Path:
        if not self.available():
            raise EngineUnavailable(
                "Chưa cài giọng đọc Piper (thư mục BROADCAST_PIPER_VOICES hoặc tệp BROADCAST_PIPER_MODEL) "
                "hoặc chương trình piper."
            )
        if voice not in (None, DEFAULT_VOICE) and voice not in self.models:
            raise EngineError(f"Piper không có giọng “{voice}” (có: {', '.join(self.models)}).")
        model = self.models.get(voice or "") or next(iter(self.models.values()))
        out_path = Path(out_path).with_suffix(".wav")
        try:
            proc = subprocess.run(
                [self.binary, "--model", str(model), "--output_file", str(out_path)],
                input=text.encode("utf-8"),
                capture_output=True,
                timeout=60 + len(text) / 20,
            )
        except subprocess.TimeoutExpired as exc:
            raise EngineError("Piper chạy quá lâu và đã bị dừng.") from exc
        if proc.returncode != 0 or not out_path.exists():
            raise EngineError("Piper không tạo được âm thanh.")
        return out_path
