"""Step 2: trim leading and trailing silence.

Engines and microphones leave up to a second of silence at each end; on
air that is dead air between items.  Silence inside the speech is kept.
A recording with nothing above the threshold is an error, never a silent
segment.
"""

from __future__ import annotations

from pathlib import Path

from ..measure import AudioError, probe_audio
from ._ffmpeg import pcm_args, run_ffmpeg, work_file

THRESHOLD_DB = -50
_ONE_END = f"silenceremove=start_periods=1:start_threshold={THRESHOLD_DB}dB:start_silence=0.05"


def trim(path: Path, metadata: dict) -> dict:
    out = work_file(metadata, "trimmed")
    chain = f"{_ONE_END},areverse,{_ONE_END},areverse"
    run_ffmpeg(["-i", str(path), "-af", chain, *pcm_args(), str(out)], "cắt khoảng lặng")
    info = probe_audio(out)
    if info is None or info.duration_s < 0.1:
        raise AudioError("Âm thanh chỉ có khoảng lặng, không có tiếng đọc.")
    return {**metadata, "path": out}
