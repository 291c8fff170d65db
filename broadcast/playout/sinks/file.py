"""The ``file:PATH`` sink: writes what airs, for the archive.

``PATH`` ending in ``.wav`` is written as WAV by Python; any other extension
(``.mp3``, ``.ogg``) is encoded by ffmpeg.  A ``PATH`` that is a directory (or
ends with ``/``) gets one WAV file per airing, named after the airing.
"""

from __future__ import annotations

import re
import wave
from datetime import datetime
from pathlib import Path

from ...audio import ffmpeg
from .base import CHANNELS, SAMPLE_RATE, SAMPLE_WIDTH, Sink, SinkError

#: seconds ffmpeg gets to finish encoding the archive file on close before it is killed
CLOSE_TIMEOUT_S = 30


class FileSink(Sink):
    name = "file"

    def __init__(self, spec: str, path: str):
        super().__init__(spec)
        self.base = Path(path).expanduser()
        # Path() drops a trailing "/", so "file:/thu/muc/" is remembered as a folder here, before it exists.
        self.folder = path.endswith("/")
        self.path: Path | None = None
        self._wav = None
        self._proc = None

    def _target(self, title: str) -> Path:
        if self.folder or self.base.is_dir():
            self.base.mkdir(parents=True, exist_ok=True)
            stem = re.sub(r"[^A-Za-z0-9_.-]+", "-", title or "airing").strip("-") or "airing"
            return self.base / f"{datetime.now():%Y%m%d-%H%M%S}-{stem}.wav"
        self.base.parent.mkdir(parents=True, exist_ok=True)
        return self.base

    def _open(self, *, title: str = "") -> None:
        self.path = self._target(title)
        try:
            if self.path.suffix.lower() == ".wav":
                self._wav = wave.open(str(self.path), "wb")  # noqa: SIM115  (closed in _close)
                self._wav.setnchannels(CHANNELS)
                self._wav.setsampwidth(SAMPLE_WIDTH)
                self._wav.setframerate(SAMPLE_RATE)
            else:
                self._proc = ffmpeg.PcmPipe([str(self.path)], overwrite=True)
                self._proc.start()
        except OSError as exc:
            raise SinkError(f"Không ghi được tệp {self.path} ({exc.strerror or exc}).") from None

    def _write(self, pcm: bytes) -> bool:
        try:
            if self._wav is not None:
                self._wav.writeframes(pcm)
            elif self._proc is not None:
                self._proc.write(pcm, flush=False)
            return True
        except (OSError, ValueError) as exc:
            self.status.ok = False
            self.status.errors.append(f"Lỗi ghi tệp {self.path}: {exc}")
            return False

    def _close(self) -> None:
        if self._wav is not None:
            self._wav.close()
            self._wav = None
        if self._proc is not None:
            self._proc.close(CLOSE_TIMEOUT_S)
            self._proc = None
