"""Step 1: decode anything ffmpeg reads into house-format PCM, metering it on the way.

One ffmpeg process decodes, resamples to 44.1 kHz mono and measures the
loudness (EBU R128 integrated loudness is gated, so the silence trimmed
next does not change it).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from .. import ffmpeg
from ..ffmpeg import CHANNELS, METER, RAW, SAMPLE_RATE
from ..measure import AudioError, parse_ebur128

_FORMAT = f"aresample={SAMPLE_RATE},aformat=sample_fmts=s16:channel_layouts={'mono' if CHANNELS == 1 else 'stereo'}"
_CORRUPT = "Tệp âm thanh bị hỏng hoặc không có tiếng; không thể xử lý."


def to_pcm(data: bytes) -> np.ndarray:
    """Raw house PCM from a pipe as an int16 array (no copy)."""
    return np.frombuffer(data, dtype="<i2")


def decode_file(path: Path, *, meter: bool = True):
    """(samples, loudness or None) of ``path`` in the house format."""
    try:
        out, err = ffmpeg.run(
            [
                "-i",
                str(path),
                "-vn",
                "-map",
                "0:a:0",
                "-af",
                f"{_FORMAT},{METER}" if meter else _FORMAT,
                *RAW,
                "-c:a",
                "pcm_s16le",
                "pipe:1",
            ],
            "giải mã âm thanh",
        )
    except AudioError as exc:
        raise AudioError(_CORRUPT) from exc
    samples = to_pcm(out)
    if samples.size == 0:
        raise AudioError(_CORRUPT)
    return samples, parse_ebur128(err) if meter else None


def decode(samples, metadata: dict) -> tuple:
    """Pipeline step: ``metadata["source"]`` (a file) -> PCM; records ``source_duration_s``."""
    pcm, loud = decode_file(Path(metadata["source"]))
    return pcm, {**metadata, "source_duration_s": pcm.size / SAMPLE_RATE, "decoded_loudness": loud}
