"""Step 4 (optional): a chime before and/or after the speech.

The chime is joined before loudness normalisation so the finished segment
as a whole meets the house loudness.  ``metadata["chime_path"]`` names the
chime (the ward's ``audio_assets/chuong-bao.mp3``); ``chime`` is one of
"none", "before", "after", "both".  The decoded chime is kept in memory:
a batch of bulletins decodes it once.
"""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path

import numpy as np

from ..measure import AudioError
from .decode import decode_file


@lru_cache(maxsize=4)
def _chime(path: str, mtime_ns: int, size: int) -> np.ndarray:
    samples, _ = decode_file(Path(path), meter=False)
    samples.setflags(write=False)
    return samples


def chime_samples(path: str | Path) -> np.ndarray:
    if not Path(path).is_file():
        raise AudioError(f"Không tìm thấy tệp chuông {Path(path).name}.")
    st = os.stat(path)
    return _chime(str(Path(path).resolve()), st.st_mtime_ns, st.st_size)


def add_chime(samples: np.ndarray, metadata: dict) -> tuple:
    where = str(metadata.get("chime") or "none")
    chime_path = metadata.get("chime_path")
    if where == "none" or not chime_path:
        return samples, metadata
    chime = chime_samples(chime_path)
    parts = (
        ([chime] if where in ("before", "both") else []) + [samples] + ([chime] if where in ("after", "both") else [])
    )
    # The decoder's loudness no longer describes the segment.
    return np.concatenate(parts), {**metadata, "decoded_loudness": None}
