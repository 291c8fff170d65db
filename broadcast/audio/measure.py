"""Measuring audio files with ffprobe and ffmpeg's EBU R128 meter.

Shared by the speech renderer, programme export and playout checks.  The
measurement is ffmpeg's own ``ebur128`` filter (integrated loudness per
ITU-R BS.1770, true peak with oversampling): we never compute loudness
ourselves.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from . import ffmpeg
from .errors import AudioError

__all__ = [
    "AudioError",
    "AudioInfo",
    "Loudness",
    "measure_loudness",
    "measure_pcm",
    "parse_ebur128",
    "probe_audio",
    "probe_duration",
]


@dataclass(frozen=True)
class AudioInfo:
    duration_s: float
    sample_rate: int
    channels: int
    codec: str


@dataclass(frozen=True)
class Loudness:
    integrated_lufs: float  # -70.0 or below means silence
    true_peak_db: float  # dBTP
    lra: float  # loudness range, LU


def probe_audio(path: str | Path) -> AudioInfo | None:
    """Duration and format of the first audio stream, or None if unreadable."""
    try:
        data = ffmpeg.probe(path)
    except OSError:
        return None
    if data is None:
        return None
    try:
        stream = next(s for s in data.get("streams") or [] if s.get("codec_type") == "audio")
        duration = float(data.get("format", {}).get("duration") or 0.0)
        return AudioInfo(
            duration,
            int(stream.get("sample_rate") or 0),
            int(stream.get("channels") or 0),
            str(stream.get("codec_name") or ""),
        )
    except (StopIteration, KeyError, IndexError, ValueError, TypeError, AttributeError):
        return None


def probe_duration(path: str | Path) -> float:
    """Duration in seconds; raises AudioError if the file is not audio."""
    info = probe_audio(path)
    if info is None:
        raise AudioError(f"Không đọc được tệp âm thanh {Path(path).name}.")
    return info.duration_s


_I = re.compile(r"Integrated loudness:\s*\n\s*I:\s*(-?[\d.]+|-inf)\s*LUFS")
_LRA = re.compile(r"Loudness range:\s*\n\s*LRA:\s*(-?[\d.]+)\s*LU")
_TP = re.compile(r"True peak:\s*\n\s*Peak:\s*(-?[\d.]+|-inf)\s*dBFS")


def _num(text: str) -> float:
    return -200.0 if text == "-inf" else float(text)


_SP = re.compile(r"Sample peak:\s*\n\s*Peak:\s*(-?[\d.]+|-inf)\s*dBFS")


def parse_ebur128(stderr: str) -> Loudness | None:
    """The summary the ``ebur128`` filter logs at the end, or None if absent.

    With ``peak=true`` the peak is the true peak (dBTP); with ``peak=sample``
    it is the sample peak (dBFS), which is cheaper to compute.
    """
    summary = stderr[stderr.rfind("Summary:") :]
    i, lra = _I.search(summary), _LRA.search(summary)
    tp = _TP.search(summary) or _SP.search(summary)
    if not (i and tp):
        return None
    return Loudness(_num(i.group(1)), _num(tp.group(1)), float(lra.group(1)) if lra else 0.0)


def measure_loudness(path: str | Path) -> Loudness:
    """EBU R128 integrated loudness and true peak of a file (ffmpeg ebur128)."""
    failed = f"Không đo được độ lớn âm thanh của {Path(path).name}."
    try:
        _, err = ffmpeg.run(
            ["-i", str(path), "-filter_complex", "ebur128=peak=true:framelog=verbose", "-f", "null", "-"],
            "đo độ lớn âm thanh",
        )
    except AudioError as exc:
        raise AudioError(failed) from exc
    loud = parse_ebur128(err)
    if loud is None:
        raise AudioError(failed)
    return loud


def measure_pcm(samples) -> Loudness:
    """Integrated loudness and sample peak of house PCM (an int16 array), with ffmpeg's ebur128."""
    _, err = ffmpeg.run(
        [*ffmpeg.RAW, "-i", "pipe:0", "-af", ffmpeg.METER, "-f", "null", "-"],
        "đo độ lớn âm thanh",
        stdin=samples.astype("<i2", copy=False).tobytes(),
    )
    loud = parse_ebur128(err)
    if loud is None:
        raise AudioError("Không đo được độ lớn âm thanh.")
    return loud
