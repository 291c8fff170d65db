"""Step 3: a short pause at each end of the speech.

Engines already pause at sentence punctuation (the normaliser ends
sentences and breath groups with it); after trimming, the segment needs
a short, even pause at its ends so it does not run straight into the
chime or the next item of the programme.
"""

from __future__ import annotations

from pathlib import Path

from ._ffmpeg import pcm_args, run_ffmpeg, work_file

DEFAULT_PAUSE_MS = 250


def add_pauses(path: Path, metadata: dict) -> dict:
    pause_ms = int(metadata.get("pause_ms", DEFAULT_PAUSE_MS))
    if pause_ms <= 0:
        return metadata
    out = work_file(metadata, "padded")
    delay = f"adelay={pause_ms}:all=1,apad=pad_dur={pause_ms / 1000:.3f}"
    run_ffmpeg(["-i", str(path), "-af", delay, *pcm_args(), str(out)], "thêm khoảng nghỉ")
    return {**metadata, "path": out}
