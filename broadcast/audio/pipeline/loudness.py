"""Step 5: loudness-normalise to the house target.

House target: −16 LUFS integrated (EBU R128 / ITU-R BS.1770), true peak
≤ −1 dBTP.  Measurement is always ffmpeg's ``ebur128`` meter (see
``measure.py``); we only decide the gain.  Intermediate measurements use
the sample peak plus a margin for inter-sample peaks (cheap); the finished
MP3 is measured with the true-peak meter and corrected if it misses (see
``export.py``).

* Normal material: one linear gain, ``target − measured``, applied by the
  encoder, when that keeps the estimated true peak under −1.5 dBTP.
* Peaky material (espeak-ng has a crest factor near 20 dB, so a linear
  gain to −16 LUFS would clip): gain to 2 dB hotter than the target and a
  brick-wall limiter (``alimiter``) 3 dB under full scale, metered in the
  same ffmpeg pass; the final linear gain down onto the target is applied
  by the encoder.  When the limited audio is still too peaky for that gain
  (espeak-ng's central and southern voices: the final gain would stop at
  the peak ceiling, short of the target, and the MP3 would be encoded again
  and again to creep up on it), the limiter is run once more, driven harder
  by the estimated shortfall: one cheap filter pass instead of one or two
  encodes and true-peak measurements of the MP3.
"""

from __future__ import annotations

import numpy as np

from .. import ffmpeg
from ..ffmpeg import METER, RAW
from ..measure import AudioError, Loudness, measure_pcm, parse_ebur128
from .decode import to_pcm

TARGET_LUFS = -16.0
TOLERANCE_LU = 1.0
MAX_TRUE_PEAK = -1.0
_AIM_TP = -1.5
#: True peak may exceed the sample peak between samples; assume this much.
ISP_MARGIN_DB = 0.5
_HOT_DB = 2.0
_LIMIT_DBFS = -3.0
#: Loudness gained per extra dB of limiter drive once the limiter works hard: espeak-ng's voices
#: measured 0.3-0.4 LU/dB.  The re-drive divides the shortfall by the low end (overshooting a little,
#: which the encoder's linear gain takes back) and aims 0.2 LU past it.
_DRIVE_SLOPE = 0.3
_DRIVE_SPARE_LU = 0.2
_MAX_EXTRA_DRIVE_DB = 4.0


def limiter_chain(gain_db: float, extra_db: float = 0.0) -> str:
    limit = 10 ** (_LIMIT_DBFS / 20)
    return f"volume={gain_db + _HOT_DB + extra_db:.2f}dB,alimiter=limit={limit:.4f}:attack=1:release=50:level=0"


def shortfall(target: float, loud: Loudness) -> float:
    """LU by which a linear gain stopping at the peak ceiling falls short of ``target`` (<= 0: none)."""
    return (target - loud.integrated_lufs) - (_AIM_TP - (loud.true_peak_db + ISP_MARGIN_DB))


def filter_pcm(samples: np.ndarray, chain: str, what: str) -> tuple[np.ndarray, Loudness]:
    """Run an ffmpeg filter chain over PCM, metering the result in the same pass."""
    out, err = ffmpeg.run(
        [*RAW, "-i", "pipe:0", "-af", f"{chain},{METER}", *RAW, "-c:a", "pcm_s16le", "pipe:1"],
        what,
        stdin=samples.astype("<i2", copy=False).tobytes(),
    )
    loud = parse_ebur128(err)
    if loud is None:
        raise AudioError(f"Không đo được độ lớn âm thanh khi {what}.")
    return to_pcm(out), loud


def normalize_loudness(samples: np.ndarray, metadata: dict) -> tuple:
    """Sets ``metadata["gain_db"]`` (applied when encoding); limits peaky audio first."""
    target = float(metadata.get("target_lufs", TARGET_LUFS))
    first = metadata.get("decoded_loudness") or measure_pcm(samples)
    if first.integrated_lufs < -60:
        raise AudioError("Âm thanh quá nhỏ hoặc chỉ có khoảng lặng, không thể chuẩn hóa.")
    gain = target - first.integrated_lufs
    if first.true_peak_db + ISP_MARGIN_DB + gain <= _AIM_TP and not metadata.get("force_limiter"):
        return samples, {**metadata, "gain_db": gain, "input_lufs": first.integrated_lufs, "limited": False}
    what = "chuẩn hóa độ lớn âm thanh"
    limited, second = filter_pcm(samples, limiter_chain(gain), what)
    extra, missing = 0.0, shortfall(target, second)
    if missing > 0:
        extra = min(_MAX_EXTRA_DRIVE_DB, (missing + _DRIVE_SPARE_LU) / _DRIVE_SLOPE)
        limited, second = filter_pcm(samples, limiter_chain(gain, extra), what)
    final_gain = min(target - second.integrated_lufs, _AIM_TP - (second.true_peak_db + ISP_MARGIN_DB))
    return limited, {
        **metadata,
        "gain_db": final_gain,
        "input_lufs": first.integrated_lufs,
        "limited": True,
        "extra_drive_db": round(extra, 2),
    }
