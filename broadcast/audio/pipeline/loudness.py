"""Step 5: loudness-normalise to the house target with ffmpeg loudnorm.

Two passes, as ffmpeg documents for file-based work: the first measures
(integrated loudness, true peak, LRA, threshold), the second applies a
linear gain computed from those figures, and loudnorm only compresses if
that gain would push true peak over the ceiling.  House target:
−16 LUFS integrated, true peak ≤ −1 dBTP.  We aim the true peak at
−1.5 dBTP because MP3 encoding adds a few tenths of a dB of overshoot.

Synthetic speech (espeak-ng especially) has a crest factor near 20 dB: a
linear gain to −16 LUFS would put its peaks far above 0 dBTP, and
loudnorm's fallback dynamic mode then lands a dB or two short of the
target.  So when the needed gain would break the ceiling we first limit
the peaks (ffmpeg ``alimiter`` at 4x oversampling, so inter-sample peaks
are caught), slightly hotter than the target, and let the linear second
pass bring it down onto the target.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from ..measure import AudioError
from ._ffmpeg import pcm_args, run_ffmpeg, work_file

TARGET_LUFS = -16.0
TOLERANCE_LU = 1.0
MAX_TRUE_PEAK = -1.0
_AIM_TP = -1.5
_LRA = 11.0


def _stats(stderr: str) -> dict:
    m = re.search(r"\{[^{}]*\"input_i\"[^{}]*\}", stderr)
    if not m:
        raise AudioError("Không đo được độ lớn âm thanh (loudnorm).")
    return json.loads(m.group(0))


def normalize_loudness(path: Path, metadata: dict) -> dict:
    target = float(metadata.get("target_lufs", TARGET_LUFS))
    base = f"loudnorm=I={target}:TP={_AIM_TP}:LRA={_LRA}"
    first = _stats(run_ffmpeg(["-i", str(path), "-af", f"{base}:print_format=json", "-f", "null", "-"],
                              "đo độ lớn âm thanh"))
    if first["input_i"] in ("-inf", "inf") or float(first["input_i"]) < -60:
        raise AudioError("Âm thanh quá nhỏ hoặc chỉ có khoảng lặng, không thể chuẩn hóa.")
    if float(first["input_tp"]) + (target - float(first["input_i"])) > _AIM_TP:
        path, first = _limit_peaks(path, metadata, target, first)
    second = (f"{base}:measured_I={first['input_i']}:measured_TP={first['input_tp']}"
              f":measured_LRA={first['input_lra']}:measured_thresh={first['input_thresh']}"
              f":offset={first['target_offset']}:linear=true:print_format=json")
    out = work_file(metadata, "loudnorm")
    # loudnorm works at 192 kHz internally; pcm_args() resamples back.
    run_ffmpeg(["-i", str(path), "-af", second, *pcm_args(), str(out)], "chuẩn hóa độ lớn âm thanh")
    return {**metadata, "path": out, "input_lufs": float(first["input_i"])}


_LIMIT_DBTP = -3.0
_HOT_DB = 2.0
_OVERSAMPLE = 4


def _limit_peaks(path: Path, metadata: dict, target: float, first: dict) -> tuple[Path, dict]:
    gain = target - float(first["input_i"]) + _HOT_DB
    limit = 10 ** (_LIMIT_DBTP / 20)
    rate = 44100 * _OVERSAMPLE
    chain = (f"aresample={rate},volume={gain:.2f}dB,"
             f"alimiter=limit={limit:.4f}:attack=1:release=50:level=0,aresample=44100")
    out = work_file(metadata, "limited")
    run_ffmpeg(["-i", str(path), "-af", chain, *pcm_args(), str(out)], "giới hạn đỉnh âm thanh")
    base = f"loudnorm=I={target}:TP={_AIM_TP}:LRA={_LRA}:print_format=json"
    return out, _stats(run_ffmpeg(["-i", str(out), "-af", base, "-f", "null", "-"], "đo độ lớn âm thanh"))
