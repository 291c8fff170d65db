"""The ``device`` sink: the machine's sound card (an amplifier on the line out).

Audio goes through ffmpeg's ALSA output: ``device`` uses ALSA's ``default``,
``device:NAME`` a named ALSA device (``device:hw:1,0``, ``device:null``).
The sound card paces itself, so the player may run a little ahead.
"""

from __future__ import annotations

from ...audio import ffmpeg
from ...audio.errors import AudioError
from .base import Sink, SinkError

#: seconds ffmpeg gets to drain the card's buffer on close before it is killed
CLOSE_TIMEOUT_S = 10


class DeviceSink(Sink):
    name = "device"
    lead_s = 0.25

    def __init__(self, spec: str, device: str = "default"):
        super().__init__(spec)
        self.device = device or "default"
        self._pipe = ffmpeg.PcmPipe(["-f", "alsa", self.device], keep_stderr=True)

    def _open(self, *, title: str = "") -> None:
        if not ffmpeg.available():
            raise SinkError("Thiếu ffmpeg để phát ra loa (card âm thanh): cài bằng `sudo apt-get install ffmpeg`.")
        self._pipe.start()

    def _fail(self, what: str) -> str:
        err = self._pipe.stderr_tail()
        self.status.ok = False
        self.status.errors.append(f"Card âm thanh {self.device} {what}{': ' + err if err else ''}.")
        return self.status.errors[-1]

    def _write(self, pcm: bytes) -> bool:
        if not self._pipe.alive:
            raise SinkError(self._fail("không phát được"))
        try:
            self._pipe.write(pcm)
            return True
        except (BrokenPipeError, OSError):
            raise SinkError(self._fail("ngừng phát")) from None

    def _close(self) -> None:
        self._pipe.close(CLOSE_TIMEOUT_S)


def alsa_device_works(device: str = "null") -> bool:
    """True when ffmpeg can open ALSA ``device`` (used by the tests to skip)."""
    try:
        ffmpeg.run(
            ["-f", "lavfi", "-i", "anullsrc=d=0.1", "-f", "alsa", device],
            "thử card âm thanh",
            timeout=10,
            loglevel="error",
        )
    except AudioError:
        return False
    return True
