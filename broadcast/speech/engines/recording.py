"""A reading recorded by the submitter, used as-is.

The recording still goes through the audio pipeline (resample, trim,
loudness), so it airs at the same level as synthesised speech.  Here we
only check that the file exists and that ffprobe sees audio in it: a
corrupt upload must fail with a clear message, not air as silence.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from ...errors import ValidationError
from .base import EngineError


class RecordingError(ValidationError):
    code = "bad_recording"


class RecordingEngine:
    name = "recording"
    voices = ("recording",)

    def available(self) -> bool:
        return True

    def synthesize(self, text: str, voice: str | None, out_path: Path, settings: Mapping[str, object]) -> Path:
        from ...audio.measure import probe_audio  # audio imports nothing from speech

        source = settings.get("recording_path")
        if not source:
            raise EngineError("Bản tin này không có bản ghi âm.")
        path = Path(str(source))
        if not path.is_file():
            raise RecordingError("Không tìm thấy tệp ghi âm; hãy tải lên lại.")
        info = probe_audio(path)
        if info is None or info.duration_s <= 0.05:
            raise RecordingError("Tệp ghi âm bị hỏng hoặc không phải âm thanh; hãy ghi hoặc tải lên lại.")
        return path
