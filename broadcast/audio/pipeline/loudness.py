"""Step 5: loudness-normalise to the house target.

House target: −16 LUFS integrated (EBU R128 / ITU-R BS.1770), true peak
≤ −1 dBTP.  Measurement is always ffmpeg's ``ebur128`` meter (see
``measure.py``); we only decide the gain.

* Normal material: one linear gain, ``target − measured``, when that keeps
  the true peak under −1.5 dBTP (0.5 dB of margin for MP3 overshoot).
  This is what loudnorm's second pass does in linear mode, without its
  192 kHz internal resampling, which made it the slowest step by far.
* Peaky material (espeak-ng has a crest factor near 20 dB, so a linear
  gain to −16 LUFS would clip): gain to 2 dB hotter than the target, a
  brick-wall limiter (``alimiter``) 3 dB under full scale, measure again,
  and a final linear gain down onto the target, capped so the true peak
  stays under the ceiling.
"""

from __future__ import annotations

from pathlib import Path

from ..measure import AudioError, measure_loudness
from ._ffmpeg import pcm_args, run_ffmpeg, work_file

TARGET_LUFS = -16.0
TOLERANCE_LU = 1.0
MAX_TRUE_PEAK = -1.0
_AIM_TP = -1.5
_HOT_DB = 2.0
_LIMIT_DBFS = -3.0


def _apply(path: Path, metadata: dict, step: str, chain: str) -> Path:
    out = work_file(metadata, step)
    run_ffmpeg(["-i", str(path), "-af", chain, *pcm_args(), str(out)], "chuẩn hóa độ lớn âm thanh")
    return out


def normalize_loudness(path: Path, metadata: dict) -> dict:
    target = float(metadata.get("target_lufs", TARGET_LUFS))
    first = measure_loudness(path)
    if first.integrated_lufs < -60:
        raise AudioError("Âm thanh quá nhỏ hoặc chỉ có khoảng lặng, không thể chuẩn hóa.")
    gain = target - first.integrated_lufs
    if first.true_peak_db + gain <= _AIM_TP:
        out = _apply(path, metadata, "loudnorm", f"volume={gain:.2f}dB")
        return {**metadata, "path": out, "input_lufs": first.integrated_lufs}

    limit = 10 ** (_LIMIT_DBFS / 20)
    limited = _apply(path, metadata, "limited",
                     f"volume={gain + _HOT_DB:.2f}dB,alimiter=limit={limit:.4f}:attack=1:release=50:level=0")
    second = measure_loudness(limited)
    final_gain = min(target - second.integrated_lufs, _AIM_TP - second.true_peak_db)
    out = _apply(limited, metadata, "loudnorm", f"volume={final_gain:.2f}dB")
    return {**metadata, "path": out, "input_lufs": first.integrated_lufs}
