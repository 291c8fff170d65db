"""The post-processing pipeline every rendition goes through.

In the style of LibreTime's analyzer: each step is a plain function
``step(samples, metadata) -> (samples, metadata)`` in its own module.
``samples`` is the segment as house-format PCM in memory (44.1 kHz mono,
int16 numpy array); ``metadata`` carries settings (``chime``, ``tags``,
``out_path``...) and what the steps measured or decided.

Cost per rendition: one ffmpeg to decode, resample and meter; trimming,
pauses and the chime in memory; one ffmpeg to limit and meter (peaky
material only; a second when the first left it too peaky for the target,
which is cheaper than encoding again); one to apply the gain and encode the
MP3; one to measure the finished file (true peak, the most expensive meter
after the encoder itself).  No intermediate files: PCM travels to and from
ffmpeg through unlinked temporary files.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path

from ..ffmpeg import CHANNELS, SAMPLE_RATE
from ..measure import AudioError
from .chime import add_chime
from .decode import decode
from .export import export_mp3
from .loudness import MAX_TRUE_PEAK, TARGET_LUFS, TOLERANCE_LU, normalize_loudness
from .pauses import add_pauses
from .trim import trim

Step = Callable[[object, dict], tuple]

DEFAULT_STEPS: tuple[Step, ...] = (decode, trim, add_pauses, add_chime, normalize_loudness, export_mp3)

__all__ = [
    "CHANNELS",
    "DEFAULT_STEPS",
    "MAX_TRUE_PEAK",
    "SAMPLE_RATE",
    "TARGET_LUFS",
    "TOLERANCE_LU",
    "add_chime",
    "add_pauses",
    "decode",
    "export_mp3",
    "normalize_loudness",
    "run_pipeline",
    "trim",
]


def run_pipeline(path: str | Path, metadata: dict | None = None, steps: Sequence[Step] = DEFAULT_STEPS) -> dict:
    """Run ``steps`` on the audio file ``path``; returns the final metadata (``path`` = MP3).

    Without ``metadata["out_path"]`` the MP3 goes to a temporary directory
    that is removed afterwards, so set ``out_path`` to keep the result.
    """
    metadata = dict(metadata or {}, source=Path(path))
    if metadata.get("out_path"):
        return _run(metadata, steps)
    with tempfile.TemporaryDirectory(prefix="lp-audio-") as tmp:
        metadata["out_path"] = Path(tmp) / "segment.mp3"
        return _run(metadata, steps)


def _run(metadata: dict, steps: Sequence[Step]) -> dict:
    samples = None
    for step in steps:
        samples, metadata = step(samples, metadata)
    if metadata.pop("needs_limiter", False):
        # The finished file showed the audio too peaky for a linear gain: limit it, encode again.
        samples, metadata = normalize_loudness(samples, {**metadata, "force_limiter": True})
        samples, metadata = export_mp3(samples, metadata)
        if metadata.pop("needs_limiter", False):
            raise AudioError("Không đưa được âm thanh về độ lớn chuẩn của đài.")
    return metadata
