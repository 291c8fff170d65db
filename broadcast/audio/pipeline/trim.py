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
    limit = int(32768 * 10 ** (THRESHOLD_DB / 20))
    # Compared in int16 (|x| > limit as two comparisons: no widened copy, no -32768 overflow)
    # and located with argmax from each end: a three-minute bulletin is 8.6 M samples.
    loud = (samples > limit) | (samples < -limit)
    first = int(loud.argmax()) if loud.size else 0
    if not loud.size or not loud[first]:
        raise AudioError("Âm thanh chỉ có khoảng lặng, không có tiếng đọc.")
    last = samples.size - 1 - int(loud[::-1].argmax())
    if (last - first) / SAMPLE_RATE < MIN_SPEECH_S:
        raise AudioError("Âm thanh chỉ có khoảng lặng, không có tiếng đọc.")
    keep = int(KEEP_S * SAMPLE_RATE)
    start, end = max(0, first - keep), min(samples.size, last + 1 + keep)
    return samples[start:end], metadata
