"""Running ffmpeg for the pipeline steps, and naming work files."""

from __future__ import annotations

import subprocess
from pathlib import Path

from ..measure import AudioError

#: The house format every segment is converted to.
SAMPLE_RATE = 44100
CHANNELS = 1


def run_ffmpeg(args: list[str], what: str, timeout: float = 600) -> str:
    """Run ffmpeg quietly; return its stderr; raise AudioError on failure."""
    cmd = ["ffmpeg", "-hide_banner", "-nostdin", "-nostats", "-y", *args]
    try:
        proc = subprocess.run(cmd, capture_output=True, timeout=timeout)
    except FileNotFoundError as exc:
        raise AudioError("Chưa cài ffmpeg: chạy `sudo apt-get install ffmpeg`.") from exc
    except subprocess.TimeoutExpired as exc:
        raise AudioError(f"ffmpeg chạy quá lâu khi {what}.") from exc
    err = proc.stderr.decode("utf-8", "replace")
    if proc.returncode != 0:
        raise AudioError(f"ffmpeg lỗi khi {what}.")
    return err


def work_file(metadata: dict, step: str, suffix: str = ".wav") -> Path:
    """A file for this step's output in the pipeline's work directory."""
    workdir = Path(metadata["workdir"])
    workdir.mkdir(parents=True, exist_ok=True)
    return workdir / f"{metadata.get('stem', 'segment')}.{step}{suffix}"


def pcm_args() -> list[str]:
    return ["-ac", str(CHANNELS), "-ar", str(SAMPLE_RATE), "-c:a", "pcm_s16le"]
