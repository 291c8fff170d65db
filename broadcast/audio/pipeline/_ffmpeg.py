"""Running ffmpeg for the pipeline: PCM in and out through pipes, no work files.

Every step between decoding and the MP3 works on one in-memory buffer of
house-format PCM (44.1 kHz, mono, signed 16-bit), so a rendition costs a
few ffmpeg processes in all, not one per step with a WAV file between each.
"""

from __future__ import annotations

import subprocess

import numpy as np

from ..measure import AudioError, Loudness, parse_ebur128

#: The house format every segment is converted to.
SAMPLE_RATE = 44100
CHANNELS = 1
#: Raw PCM as it travels through pipes.
RAW = ["-f", "s16le", "-ar", str(SAMPLE_RATE), "-ac", str(CHANNELS)]
#: An inline meter: passes audio through and logs an EBU R128 summary at the end.
#: ``framelog=verbose`` keeps its ten-lines-a-second log out of our stderr.
METER = "ebur128=peak=sample:framelog=verbose"


def run_ffmpeg(args: list[str], what: str, *, stdin: bytes | None = None, timeout: float = 600) -> tuple[bytes, str]:
    """Run ffmpeg quietly; return (stdout, stderr); raise AudioError on failure."""
    cmd = ["ffmpeg", "-hide_banner", "-nostats", "-y", *([] if stdin is not None else ["-nostdin"]), *args]
    try:
        proc = subprocess.run(cmd, input=stdin, capture_output=True, timeout=timeout)
    except FileNotFoundError as exc:
        raise AudioError("Chưa cài ffmpeg: chạy `sudo apt-get install ffmpeg`.") from exc
    except subprocess.TimeoutExpired as exc:
        raise AudioError(f"ffmpeg chạy quá lâu khi {what}.") from exc
    err = proc.stderr.decode("utf-8", "replace")
    if proc.returncode != 0:
        raise AudioError(f"ffmpeg lỗi khi {what}.")
    return proc.stdout, err


def to_pcm(data: bytes) -> np.ndarray:
    return np.frombuffer(data, dtype="<i2")


def filter_pcm(samples: np.ndarray, chain: str, what: str) -> tuple[np.ndarray, Loudness]:
    """Run an ffmpeg filter chain over PCM, metering the result in the same pass."""
    out, err = run_ffmpeg([*RAW, "-i", "pipe:0", "-af", f"{chain},{METER}", *RAW, "-c:a", "pcm_s16le", "pipe:1"],
                          what, stdin=samples.astype("<i2", copy=False).tobytes())
    loud = parse_ebur128(err)
    if loud is None:
        raise AudioError(f"Không đo được độ lớn âm thanh khi {what}.")
    return to_pcm(out), loud


def measure_pcm(samples: np.ndarray) -> Loudness:
    """Integrated loudness and sample peak of PCM (ffmpeg's ebur128)."""
    _, err = run_ffmpeg([*RAW, "-i", "pipe:0", "-af", METER, "-f", "null", "-"], "đo độ lớn âm thanh",
                        stdin=samples.astype("<i2", copy=False).tobytes())
    loud = parse_ebur128(err)
    if loud is None:
        raise AudioError("Không đo được độ lớn âm thanh.")
    return loud
