"""Step 4 (optional): a chime before and/or after the speech.

The chime is joined before loudness normalisation so the finished segment
as a whole meets the house loudness.  ``metadata["chime_path"]`` names the
chime (the ward's ``audio_assets/chuong-bao.mp3``); ``chime`` is one of
"none", "before", "after", "both".
"""

from __future__ import annotations

from pathlib import Path

from ..measure import AudioError
from ._ffmpeg import CHANNELS, SAMPLE_RATE, pcm_args, run_ffmpeg, work_file


def add_chime(path: Path, metadata: dict) -> dict:
    where = str(metadata.get("chime") or "none")
    chime_path = metadata.get("chime_path")
    if where == "none" or not chime_path:
        return metadata
    if not Path(chime_path).is_file():
        raise AudioError(f"Không tìm thấy tệp chuông {Path(chime_path).name}.")
    fmt = f"aresample={SAMPLE_RATE},aformat=sample_fmts=s16:channel_layouts={'mono' if CHANNELS == 1 else 'stereo'}"
    inputs = ["-i", str(path), "-i", str(chime_path)]
    parts, labels = [f"[0:a]{fmt}[s]", f"[1:a]{fmt},asplit=2[c1][c2]"], []
    if where in ("before", "both"):
        labels.append("[c1]")
    labels.append("[s]")
    if where in ("after", "both"):
        labels.append("[c2]")
    # unused split outputs must still be consumed
    sink = [] if where == "both" else ["[c2]anullsink" if where == "before" else "[c1]anullsink"]
    graph = ";".join(parts + sink + [f"{''.join(labels)}concat=n={len(labels)}:v=0:a=1[out]"])
    out = work_file(metadata, "chimed")
    run_ffmpeg([*inputs, "-filter_complex", graph, "-map", "[out]", *pcm_args(), str(out)], "ghép chuông")
    return {**metadata, "path": out}
