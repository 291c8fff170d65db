"""Step 6: encode the MP3 with ID3 tags, then measure the finished file.

The final gain is applied by the encoding ffmpeg, so gain and encode are
one pass.  The figures recorded on the rendition (duration, loudness,
true peak) are measured on the MP3 that will air, not on an intermediate
buffer; if the MP3 misses the house target (the encoder or inter-sample
peaks moved it), it is encoded again with the gain corrected, at most
twice.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
from mutagen.mp3 import MP3, HeaderNotFoundError

from .. import ffmpeg
from ..measure import AudioError, measure_loudness, probe_duration
from .loudness import MAX_TRUE_PEAK, TARGET_LUFS, TOLERANCE_LU

BITRATE = "128k"
#: LAME's algorithm quality (0 best .. 9 fastest).  7 is LAME's "fast" mode:
#: about 40 % less CPU than the default 5 and, for mono speech at 128 kbit/s
#: played on horn loudspeakers, no audible difference.
LAME_QUALITY = 7
_TAGS = {"title": "title", "station": "artist", "category": "genre", "album": "album", "comment": "comment"}
#: MP3 encoding lowers the measured loudness of espeak-ng speech by about
#: 0.5 LU (LAME drops what its psychoacoustic model calls inaudible) and of
#: clean tones by almost nothing; pre-compensating half-way lands both
#: inside the acceptance window on the first encode.
ENCODER_LOSS_LU = 0.3
#: Accept the first encode inside this window (tighter than the tolerance),
#: otherwise correct the gain and encode again.
_LOUDNESS_SLACK = 0.5
_TP_SLACK = 0.1
MAX_CORRECTIONS = 2
#: A correction smaller than this changes nothing audible or measurable (the meter shows 0.1).
_NO_STEP_DB = 0.05


def _encode(samples: np.ndarray, gain_db: float, out: Path, tags: dict) -> None:
    meta: list[str] = []
    for key, frame in _TAGS.items():
        value = (tags or {}).get(key)
        if value:
            meta += ["-metadata", f"{frame}={value}"]
    tmp = out.with_name(f".{out.name}.{os.getpid()}.{id(samples)}.tmp.mp3")
    try:
        ffmpeg.encode(
            samples.astype("<i2", copy=False).tobytes(),
            tmp,
            "xuất tệp MP3",
            args=[
                "-af",
                f"volume={gain_db:.2f}dB",
                "-map_metadata",
                "-1",
                "-c:a",
                "libmp3lame",
                "-b:a",
                BITRATE,
                "-compression_level",
                str(LAME_QUALITY),
                "-id3v2_version",
                "3",
                *meta,
                "-f",
                "mp3",
            ],
        )
        os.replace(tmp, out)  # readers never see a half-written MP3
    finally:
        tmp.unlink(missing_ok=True)


def _duration_s(path: Path) -> float:
    try:
        return float(MP3(path).info.length)  # the LAME header, no decode
    except (HeaderNotFoundError, OSError, ValueError):
        return probe_duration(path)


def export_mp3(samples: np.ndarray, metadata: dict) -> tuple:
    out = Path(metadata["out_path"])
    out.parent.mkdir(parents=True, exist_ok=True)
    target = float(metadata.get("target_lufs", TARGET_LUFS))
    gain = float(metadata.get("gain_db", 0.0)) + ENCODER_LOSS_LU
    for attempt in range(MAX_CORRECTIONS + 1):
        _encode(samples, gain, out, metadata.get("tags") or {})
        loud = measure_loudness(out)
        off = target - loud.integrated_lufs
        if abs(off) <= TOLERANCE_LU - _LOUDNESS_SLACK and loud.true_peak_db <= MAX_TRUE_PEAK - _TP_SLACK:
            break
        if attempt == MAX_CORRECTIONS:
            if abs(off) > TOLERANCE_LU or loud.true_peak_db > MAX_TRUE_PEAK:
                out.unlink(missing_ok=True)
                raise AudioError("Không đưa được âm thanh về độ lớn chuẩn của đài.")
            break
        headroom = (MAX_TRUE_PEAK - 0.5) - loud.true_peak_db
        if off > headroom and target - (loud.integrated_lufs + headroom) > TOLERANCE_LU:
            # Too peaky for a linear gain: the caller limits and comes back.
            out.unlink(missing_ok=True)
            return samples, {**metadata, "needs_limiter": True}
        step = min(off, headroom)
        if abs(step) < _NO_STEP_DB and abs(off) <= TOLERANCE_LU and loud.true_peak_db <= MAX_TRUE_PEAK:
            break  # held at the peak ceiling inside the tolerance: encoding again would give the same file
        gain += step
    return samples, {
        **metadata,
        "path": out,
        "gain_db": gain,
        "corrections": attempt,
        "duration_ms": int(round(_duration_s(out) * 1000)),
        "loudness_lufs": round(loud.integrated_lufs, 2),
        "true_peak_db": round(loud.true_peak_db, 2),
    }
