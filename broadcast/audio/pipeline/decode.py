"""Step 1: decode anything ffmpeg reads into the house format (44.1 kHz mono WAV)."""

from __future__ import annotations

from pathlib import Path

from ..measure import AudioError, probe_audio
from ._ffmpeg import pcm_args, run_ffmpeg, work_file


def decode(path: Path, metadata: dict) -> dict:
    info = probe_audio(path)
    if info is None or info.duration_s <= 0:
        raise AudioError("Tệp âm thanh bị hỏng hoặc không có tiếng; không thể xử lý.")
    out = work_file(metadata, "decoded")
    run_ffmpeg(["-i", str(path), "-vn", "-map", "0:a:0", *pcm_args(), str(out)], "giải mã âm thanh")
    return {**metadata, "path": out, "source_duration_s": info.duration_s}
