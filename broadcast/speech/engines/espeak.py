"""espeak-ng: robotic but always available offline (Debian package).

Text goes to espeak-ng on stdin, never on the command line, so no text can
be taken for an option and length is not limited by ARG_MAX.
"""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Mapping
from pathlib import Path

from .base import EngineError, EngineUnavailable, pick_voice

VOICES = ("vi", "vi-vn-x-central", "vi-vn-x-south")
DEFAULT_RATE = 150
ACCENTS = {"vi": "north", "vi-vn-x-central": "central", "vi-vn-x-south": "south"}


class EspeakEngine:
    name = "espeak"
    voices = VOICES

    def __init__(self, binary: str = "espeak-ng"):
        self.binary = binary

    def available(self) -> bool:
        return shutil.which(self.binary) is not None

    def voice_list(self) -> list[dict]:
        return [
            {"engine": self.name, "voice": v, "accent": ACCENTS[v], "gender": None, "label": f"espeak-ng {v}"}
            for v in self.voices
        ]

    def command(self, voice: str | None, out_path: Path, settings: Mapping[str, object]) -> list[str]:
        # words per minute, espeak range 80..450; a chosen voice's normalised speed scales the default
        rate = int(settings.get("rate", round(DEFAULT_RATE * float(settings.get("speed", 1.0)))))
        pitch = int(settings.get("pitch", 50))  # 0..99
        rate = min(max(rate, 80), 450)
        pitch = min(max(pitch, 0), 99)
        return [
            self.binary,
            "-v",
            pick_voice(self, voice),
            "-s",
            str(rate),
            "-p",
            str(pitch),
            "-b",
            "1",
            "-w",
            str(out_path),
            "--stdin",
        ]

    def synthesize(self, text: str, voice: str | None, out_path: Path, settings: Mapping[str, object]) -> Path:
        if not self.available():
            raise EngineUnavailable("Chưa cài espeak-ng: chạy `sudo apt-get install espeak-ng`.")
        out_path = Path(out_path).with_suffix(".wav")
        # Generous: espeak-ng runs far faster than real time.
        timeout = 30 + len(text) / 50
        try:
            proc = subprocess.run(
                self.command(voice, out_path, settings),
                input=text.encode("utf-8"),
                capture_output=True,
                timeout=timeout,
            )
        except subprocess.TimeoutExpired as exc:
            raise EngineError("espeak-ng chạy quá lâu và đã bị dừng.") from exc
        if proc.returncode != 0 or not out_path.exists() or out_path.stat().st_size <= 44:
            detail = proc.stderr.decode("utf-8", "replace").strip()[:200]
            raise EngineError(f"espeak-ng không tạo được âm thanh ({detail or 'không rõ lý do'}).")
        return out_path
