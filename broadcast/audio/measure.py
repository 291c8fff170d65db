"""Measuring audio files with ffprobe and ffmpeg's EBU R128 meter.

Shared by the speech renderer, programme export and playout checks.  The
measurement is ffmpeg's own ``ebur128`` filter (integrated loudness per
ITU-R BS.1770, true peak with oversampling): we never compute loudness
ourselves.
"""

from __future__ import annotations

import json
import re
import subprocess
from dataclasses import dataclass
from pathlib import Path

from ..errors import BroadcastError


class AudioError(BroadcastError):
    code = "audio_error"
    http_status = 422


@dataclass(frozen=True)
class AudioInfo:
    duration_s: float
    sample_rate: int
    channels: int
    codec: str


@dataclass(frozen=True)
class Loudness:
    integrated_lufs: float   # -70.0 or below means silence
    true_peak_db: float      # dBTP
    lra: float               # loudness range, LU


def probe_audio(path: str | Path) -> AudioInfo | None:
    """Duration and format of the first audio stream, or None if unreadable."""
    try:
        proc = subprocess.run(
            ["ffprobe", "-v", "error", "-select_streams", "a:0", "-show_entries",
             "stream=codec_name,sample_rate,channels:format=duration", "-of", "json", str(path)],
            capture_output=True, timeout=30)
    except (OSError, subprocess.TimeoutExpired):
        return None
    if proc.returncode != 0:
        return None
    try:
        data = json.loads(proc.stdout or b"{}")
        stream = data["streams"][0]
        duration = float(data.get("format", {}).get("duration") or 0.0)
        return AudioInfo(duration, int(stream.get("sample_rate") or 0), int(stream.get("channels") or 0),
                         str(stream.get("codec_name") or ""))
    except (KeyError, IndexError, ValueError, TypeError):
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
    summary = stderr[stderr.rfind("Summary:"):]
    i, lra = _I.search(summary), _LRA.search(summary)
    tp = _TP.search(summary) or _SP.search(summary)
    if not (i and tp):
        return None
    return Loudness(_num(i.group(1)), _num(tp.group(1)), float(lra.group(1)) if lra else 0.0)


def measure_loudness(path: str | Path) -> Loudness:
    """EBU R128 integrated loudness and true peak of a file (ffmpeg ebur128)."""
    try:
        proc = subprocess.run(
            ["ffmpeg", "-hide_banner", "-nostats", "-nostdin", "-i", str(path),
             "-filter_complex", "ebur128=peak=true:framelog=verbose", "-f", "null", "-"],
            capture_output=True, timeout=600)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise AudioError(f"Không đo được độ lớn âm thanh của {Path(path).name}.") from exc
    loud = parse_ebur128(proc.stderr.decode("utf-8", "replace"))
    if proc.returncode != 0 or loud is None:
        raise AudioError(f"Không đo được độ lớn âm thanh của {Path(path).name}.")
    return loud
