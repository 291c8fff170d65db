"""Step 3: a short pause at each end of the speech.

Engines already pause at sentence punctuation (the normaliser ends
sentences and breath groups with it); after trimming, the segment needs
a short, even pause at its ends so it does not run straight into the
chime or the next item of the programme.
"""

from __future__ import annotations

import numpy as np

from ..ffmpeg import SAMPLE_RATE

DEFAULT_PAUSE_MS = 250


def add_pauses(samples: np.ndarray, metadata: dict) -> tuple:
    pause_ms = int(metadata.get("pause_ms", DEFAULT_PAUSE_MS))
    if pause_ms <= 0:
        return samples, metadata
    pad = np.zeros(SAMPLE_RATE * pause_ms // 1000, dtype=samples.dtype)
    return np.concatenate([pad, samples, pad]), metadata
