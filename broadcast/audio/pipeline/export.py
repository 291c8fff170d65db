"""Step 6: export MP3 with ID3 tags, then measure the finished file.

The figures recorded on the rendition (duration, loudness, true peak) are
measured on the MP3 that will air, not on an intermediate file.
"""

from __future__ import annotations

import os
from pathlib import Path

from ..measure import measure_loudness, probe_duration
from ._ffmpeg import run_ffmpeg, work_file

BITRATE = "128k"
_TAGS = {"title": "title", "station": "artist", "category": "genre", "album": "album",
         "comment": "comment"}


def export_mp3(path: Path, metadata: dict) -> dict:
    out = Path(metadata.get("out_path") or work_file(metadata, "final", ".mp3"))
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(f".{out.name}.{os.getpid()}.tmp.mp3")
    tags: list[str] = []
    for key, frame in _TAGS.items():
        value = (metadata.get("tags") or {}).get(key)
        if value:
            tags += ["-metadata", f"{frame}={value}"]
    run_ffmpeg(["-i", str(path), "-map_metadata", "-1", "-c:a", "libmp3lame", "-b:a", BITRATE,
                "-id3v2_version", "3", *tags, str(tmp)], "xuất tệp MP3")
    os.replace(tmp, out)  # readers never see a half-written MP3
    loud = measure_loudness(out)
    return {**metadata, "path": out, "duration_ms": int(round(probe_duration(out) * 1000)),
            "loudness_lufs": round(loud.integrated_lufs, 2), "true_peak_db": round(loud.true_peak_db, 2)}
