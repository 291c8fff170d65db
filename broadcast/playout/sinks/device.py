"""The ``device`` sink: the machine's sound card (an amplifier on the line out).

Audio goes through ffmpeg's ALSA output: ``device`` uses ALSA's ``default``,
``device:NAME`` a named ALSA device (``device:hw:1,0``, ``device:null``).
The sound card paces itself, so the player may run a little ahead.
"""

from __future__ import annotations

import shutil
import subprocess

from .base import CHANNELS, SAMPLE_RATE, Sink, SinkError


class DeviceSink(Sink):
    name = "device"
    lead_s = 0.25

    def __init__(self, spec: str, device: str = "default"):
        super().__init__(spec)
        self.device = device or "default"
        self._proc = None

    def _open(self, *, title: str = "") -> None:
        if shutil.which("ffmpeg") is None:
            raise SinkError("Thiếu ffmpeg để phát ra loa (card âm thanh): cài bằng `sudo apt-get install ffmpeg`.")
        self._proc = subprocess.Popen(
            ["ffmpeg", "-hide_banner", "-v", "error", "-f", "s16le", "-ar", str(SAMPLE_RATE),
             "-ac", str(CHANNELS), "-i", "-", "-f", "alsa", self.device],
            stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)

    def _write(self, pcm: bytes) -> bool:
        if self._proc is None or self._proc.poll() is not None:
            err = self._stderr()
            self.status.ok = False
            self.status.errors.append(f"Card âm thanh {self.device} không phát được{': ' + err if err else ''}.")
            raise SinkError(self.status.errors[-1])
        try:
            self._proc.stdin.write(pcm)
            self._proc.stdin.flush()
            return True
        except (BrokenPipeError, OSError):
            err = self._stderr()
            self.status.ok = False
            self.status.errors.append(f"Card âm thanh {self.device} ngừng phát{': ' + err if err else ''}.")
            raise SinkError(self.status.errors[-1]) from None

    def _stderr(self) -> str:
        if self._proc is None or self._proc.poll() is None or self._proc.stderr is None:
            return ""
        try:
            return self._proc.stderr.read().decode("utf-8", "replace").strip().splitlines()[-1][:200]
        except (OSError, IndexError):
            return ""

    def _close(self) -> None:
        if self._proc is not None:
            try:
                self._proc.stdin.close()
            except OSError:
                pass
            try:
                self._proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self._proc.kill()
            self._proc = None


def alsa_device_works(device: str = "null") -> bool:
    """True when ffmpeg can open ALSA ``device`` (used by the tests to skip)."""
    if shutil.which("ffmpeg") is None:
        return False
    try:
        done = subprocess.run(["ffmpeg", "-hide_banner", "-v", "error", "-f", "lavfi", "-i", "anullsrc=d=0.1",
                               "-f", "alsa", device], capture_output=True, timeout=10)
    except (OSError, subprocess.TimeoutExpired):
        return False
    return done.returncode == 0
