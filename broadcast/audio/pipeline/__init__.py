"""The post-processing pipeline every rendition goes through.

In the style of LibreTime's analyzer: each step is a plain function
``step(path, metadata) -> metadata`` in its own module; the metadata dict
carries the current file under ``"path"`` plus settings (``workdir``,
``chime``, ``tags``, ``out_path``...) and measurements added by steps.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Callable, Sequence

from ._ffmpeg import CHANNELS, SAMPLE_RATE
from .chime import add_chime
from .decode import decode
from .export import export_mp3
from .loudness import MAX_TRUE_PEAK, TARGET_LUFS, TOLERANCE_LU, normalize_loudness
from .pauses import add_pauses
from .trim import trim

Step = Callable[[Path, dict], dict]

DEFAULT_STEPS: tuple[Step, ...] = (decode, trim, add_pauses, add_chime, normalize_loudness, export_mp3)

__all__ = ["run_pipeline", "DEFAULT_STEPS", "SAMPLE_RATE", "CHANNELS", "TARGET_LUFS", "TOLERANCE_LU",
           "MAX_TRUE_PEAK", "decode", "trim", "add_pauses", "add_chime", "normalize_loudness", "export_mp3"]


def run_pipeline(path: str | Path, metadata: dict | None = None,
                 steps: Sequence[Step] = DEFAULT_STEPS) -> dict:
    """Run ``steps`` on ``path``; returns the final metadata (``path`` = MP3).

    Without ``metadata["workdir"]`` a temporary directory is used and removed
    afterwards, so set ``out_path`` to keep the result.
    """
    metadata = dict(metadata or {})
    if metadata.get("workdir"):
        return _run(Path(path), metadata, steps)
    with tempfile.TemporaryDirectory(prefix="lp-audio-") as tmp:
        metadata["workdir"] = tmp
        result = _run(Path(path), metadata, steps)
        result.pop("workdir", None)
        return result


def _run(path: Path, metadata: dict, steps: Sequence[Step]) -> dict:
    metadata["path"] = path
    for step in steps:
        metadata = step(Path(metadata["path"]), metadata)
    return metadata
