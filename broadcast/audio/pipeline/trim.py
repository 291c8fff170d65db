"""Step 2: trim leading and trailing silence.

Engines and microphones leave up to a second of silence at each end; on
air that is dead air between items.  Silence inside the speech is kept,
and 50 ms is left before the first and after the last sound so no attack
is clipped.  A recording with nothing above the threshold is an error,
never a silent segment.
"""

from __future__ import annotations

import numpy as np

from ..ffmpeg import SAMPLE_RATE
from ..measure import AudioError

THRESHOLD_DB = -50
KEEP_S = 0.05
MIN_SPEECH_S = 0.1


def trim(samples: np.ndarray, metadata: dict) -> tuple:
    limit = 32768 * 10 ** (THRESHOLD_DB / 20)
    loud = np.flatnonzero(np.abs(samples.astype(np.int32)) > limit)
    if loud.size == 0 or (loud[-1] - loud[0]) / SAMPLE_RATE < MIN_SPEECH_S:
        raise AudioError("Âm thanh chỉ có khoảng lặng, không có tiếng đọc.")
    keep = int(KEEP_S * SAMPLE_RATE)
    start, end = max(0, int(loud[0]) - keep), min(samples.size, int(loud[-1]) + 1 + keep)
    return samples[start:end], metadata
