"""How loud a chunk of house PCM is: enough to tell a pause or a dead stream from sound."""

from __future__ import annotations

import array

#: below this RMS (int16, about -48 dBFS) a chunk counts as silence: the pause an emergency may break in
#: at, or a relayed upstream that has gone quiet
SILENCE_RMS = 120


def rms(pcm: bytes) -> float:
    """Root mean square of int16 PCM, on at most ~400 samples (cheap enough for every chunk)."""
    samples = array.array("h", pcm[: len(pcm) - len(pcm) % 2])
    if not samples:
        return 0.0
    step = max(1, len(samples) // 400)
    acc = 0
    n = 0
    for i in range(0, len(samples), step):
        acc += samples[i] * samples[i]
        n += 1
    return (acc / n) ** 0.5
