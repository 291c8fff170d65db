"""Piper neural TTS, only if the ward provides the program and a voice file.

Nothing is downloaded: ``BROADCAST_PIPER_MODEL`` (``Settings.piper_model``)
must name an ``.onnx`` voice already on disk and ``piper`` must be on PATH.
Until then the engine reports itself unavailable and the chain skips it.
"""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Mapping
from pathlib import Path

from ...config import Settings, read_piper_model
from .base import EngineError, EngineUnavailable


class PiperEngine:
    name = "piper"
    voices = ("default",)

    def __init__(self, model: str | Path | None = None, binary: str = "piper"):
        # Without a model, the configured one (read by broadcast.config, not here).
        self.model = model or read_piper_model()
        self.binary = binary

    @classmethod
    def from_settings(cls, config: Settings) -> PiperEngine:
        return cls(model=config.piper_model)

    def available(self) -> bool:
        return bool(self.model and Path(self.model).is_file() and shutil.which(self.binary))

    def synthesize(self, text: str, voice: str | None, out_path: Path, settings: Mapping[str, object]) -> Path:
        if not self.available():
            raise EngineUnavailable("Chưa cấu hình giọng đọc Piper (BROADCAST_PIPER_MODEL).")
        out_path = Path(out_path).with_suffix(".wav")
        try:
            proc = subprocess.run(
                [self.binary, "--model", str(self.model), "--output_file", str(out_path)],
                input=text.encode("utf-8"),
                capture_output=True,
                timeout=60 + len(text) / 20,
            )
        except subprocess.TimeoutExpired as exc:
            raise EngineError("Piper chạy quá lâu và đã bị dừng.") from exc
        if proc.returncode != 0 or not out_path.exists():
            raise EngineError("Piper không tạo được âm thanh.")
        return out_path
