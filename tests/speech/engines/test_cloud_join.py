"""A 10,000-character bulletin through the Zalo AI stand-in: the joined audio is whole and seamless.

The stand-in reads each requested chunk with espeak-ng (real speech the length of the text), so the
joins fall where a provider's chunks would.  Checks: the joined duration is within 2% of the sum of
the chunks the stand-in sent, no silence longer than 150 ms straddles a join, and after the
loudness pipeline the bulletin is on target.
"""

import numpy as np
import pytest

from broadcast.audio import ffmpeg
from broadcast.audio.pipeline import run_pipeline
from broadcast.speech.engines.cloud import _trimmed, split_text

from .conftest import engine_for
from .test_cloud_engines import long_text

WINDOW = ffmpeg.SAMPLE_RATE // 100  # 10 ms
QUIET = 300  # same level as "silence" in the engine, of 32767


def silent_run_ms(samples: np.ndarray, at: int) -> int:
    """Length of the quiet stretch (10 ms windows) containing sample ``at``."""
    env = np.abs(samples[: len(samples) // WINDOW * WINDOW].astype(np.int32)).reshape(-1, WINDOW).max(axis=1)
    quiet = env < QUIET
    i = min(at // WINDOW, len(quiet) - 1)
    if not quiet[i]:
        return 0
    lo = hi = i
    while lo > 0 and quiet[lo - 1]:
        lo -= 1
    while hi + 1 < len(quiet) and quiet[hi + 1]:
        hi += 1
    return (hi - lo + 1) * 10


@pytest.mark.once
def test_ten_thousand_characters_join_without_gaps_and_on_loudness(stand_in, tmp_path):
    stand = stand_in("zalo", speak=True)
    text = long_text(10_000)
    assert len(text) >= 10_000
    eng = engine_for(stand)
    joined = eng.synthesize(text, "2", tmp_path / "speech", {})

    chunks = split_text(text, eng.limit)
    served = dict(stand.served)
    assert len(stand.served) == len(chunks) >= 5 and set(served) == set(chunks)
    sent = [np.frombuffer(ffmpeg.decode_pcm(_mp3(tmp_path, i, served[c])), dtype="<i2") for i, c in enumerate(chunks)]
    out = np.frombuffer(ffmpeg.decode_pcm(joined), dtype="<i2")

    assert abs(len(out) - sum(map(len, sent))) <= 0.02 * sum(map(len, sent))
    joins = np.cumsum([len(_trimmed(s.tobytes())) for s in sent])[:-1]
    assert len(joins) == len(chunks) - 1
    gaps = [silent_run_ms(out, int(j)) for j in joins]
    assert max(gaps) <= 150, gaps
    # No clicks: each chunk is faded to silence at its edges, so the samples meeting at a join are quiet.
    assert all(abs(int(out[j - 1])) < QUIET and abs(int(out[j])) < QUIET for j in joins)

    result = run_pipeline(joined, {"out_path": tmp_path / "final.mp3", "target_lufs": -16.0})
    assert result["loudness_lufs"] == pytest.approx(-16.0, abs=1.0)
    assert result["duration_ms"] / 1000 == pytest.approx(len(out) / ffmpeg.SAMPLE_RATE, rel=0.05)


def _mp3(folder, i, data: bytes):
    path = folder / f"sent{i}.mp3"
    path.write_bytes(data)
    return path
