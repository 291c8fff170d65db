"""The ``icecast://source:PASSWORD@HOST:PORT/MOUNT`` sink: an MP3 stream for IP loudspeakers.

ffmpeg encodes the PCM and pushes it to the Icecast2 mount.  When the server
goes away ffmpeg exits; the sink records the outage (the chunks meanwhile are
lost: it is live radio), retries with exponential backoff (0.5 s doubling up
to ``max_backoff_s``) and resumes the stream when the server is back.
"""

from __future__ import annotations

import time
from urllib.parse import urlsplit

from ...audio import ffmpeg
from .base import Sink, SinkError, bytes_to_ms

#: seconds ffmpeg gets to send the stream's tail on close before it is killed
CLOSE_TIMEOUT_S = 15
#: a dead connection is dropped quickly: the next attempt is what matters
KILL_TIMEOUT_S = 2


class IcecastSink(Sink):
    name = "icecast"

    def __init__(self, spec: str, *, bitrate: str = "64k", max_backoff_s: float = 30.0, first_backoff_s: float = 0.5):
        super().__init__(spec)
        parts = urlsplit(spec)
        if not parts.hostname or not parts.port or not parts.path.strip("/"):
            raise SinkError(
                f"Địa chỉ Icecast {parts.hostname or spec.split('@')[-1]!r} không hợp lệ: dùng icecast://source:MẬT_KHẨU@MÁY:CỔNG/ĐIỂM_PHÁT."
            )
        self.host, self.port, self.mount = parts.hostname, parts.port, parts.path
        self.bitrate = bitrate
        self.first_backoff_s = first_backoff_s
        self.max_backoff_s = max_backoff_s
        self._backoff = first_backoff_s
        self._next_try = 0.0
        self._up_since = 0.0
        self._proc: ffmpeg.PcmPipe | None = None
        self.title = ""
        self.reconnects = 0
        self.failures = 0

    @property
    def label(self) -> str:
        return f"icecast://{self.host}:{self.port}{self.mount}"

    def _spawn(self) -> None:
        self._proc = ffmpeg.PcmPipe(
            [
                "-c:a",
                "libmp3lame",
                "-b:a",
                self.bitrate,
                "-content_type",
                "audio/mpeg",
                "-ice_name",
                self.title or "Loa Phường",
                "-f",
                "mp3",
                self.spec,
            ]
        )
        self._proc.start()
        self._up_since = time.monotonic()

    def _open(self, *, title: str = "") -> None:
        if not ffmpeg.available():
            raise SinkError("Thiếu ffmpeg để phát lên Icecast: cài bằng `sudo apt-get install ffmpeg`.")
        self.title = title
        self._spawn()

    def _down(self, pcm_len: int) -> None:
        now = time.monotonic()
        if self._proc is not None:
            self._kill()
            self.failures += 1
            self.status.ok = False
            self.status.errors.append(
                f"Mất kết nối tới máy chủ Icecast {self.host}:{self.port}{self.mount}; "
                f"thử lại sau {self._backoff:.1f} giây."
            )
            self._next_try = now + self._backoff
            self._backoff = min(self._backoff * 2, self.max_backoff_s)
        self.status.lost_ms += bytes_to_ms(pcm_len)

    def _write(self, pcm: bytes) -> bool:
        now = time.monotonic()
        if self._proc is None:
            if now < self._next_try:
                self._down(len(pcm))
                return False
            self.reconnects += 1
            self._spawn()
        if not self._proc.alive:
            self._down(len(pcm))
            return False
        try:
            self._proc.write(pcm)
        except (BrokenPipeError, OSError):
            self._down(len(pcm))
            return False
        if not self.status.ok and now - self._up_since > 2.0:
            self.status.ok = True
            self.status.errors.append(f"Đã kết nối lại máy chủ Icecast {self.host}:{self.port}{self.mount}.")
        if now - self._up_since > 10.0:
            self._backoff = self.first_backoff_s
        return True

    def _kill(self) -> None:
        proc, self._proc = self._proc, None
        if proc is not None:
            proc.close(KILL_TIMEOUT_S)

    def _close(self) -> None:
        proc, self._proc = self._proc, None
        if proc is not None:
            proc.close(CLOSE_TIMEOUT_S)
