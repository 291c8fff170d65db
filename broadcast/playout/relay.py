"""Relaying an upstream programme (VOV, the provincial station) inside a session, with a fallback.

``RelayReader`` runs one ffmpeg that pulls the stream, brings it to the house loudness on the fly and
writes house PCM into a small buffer (the newest few seconds: a relay stays live rather than drifting
behind its source).  ``RelayFeed`` decides, chunk by chunk, what goes on air: the upstream while it
sends sound, the fallback (a stock asset or an announcement, looped) once it has been unreachable, stalled
or silent for ``relay_silence_s``, and the upstream again once it has been audible for
``relay_resume_ms`` (a lost one is reconnected every ``relay_retry_s``).  With the fallback ``skip`` the
slot ends instead and the session goes on.  The feed counts the milliseconds relayed and the fallback's,
and writes down why, for the as-run row.

Nothing here touches the database or a sink: the player paces the chunks and logs them.
"""

from __future__ import annotations

import subprocess
import threading
import time
from collections.abc import Callable
from pathlib import Path

from ..audio.ffmpeg import BYTES_PER_SECOND, PcmPipe, last_error_line, relay_argv
from ..relay.probe import relay_refusal
from ..relay.urls import FFMPEG_PROTOCOLS
from .config import PlayoutConfig
from .levels import SILENCE_RMS, rms

#: the reader keeps at most this much unplayed audio; older audio is dropped to stay live
MAX_BUFFER_MS = 4000
#: gap between two loops of an announcement used as a fallback
ANNOUNCEMENT_GAP_MS = 2000
READ_BYTES = BYTES_PER_SECOND // 20  # 50 ms


def ms_of(n_bytes: int) -> int:
    return n_bytes * 1000 // BYTES_PER_SECOND


class RelayReader:
    """One ffmpeg pulling ``url`` into a bounded buffer of house PCM, read by ``take``."""

    def __init__(self, url: str, *, timeout_s: float = 5.0, loudness: bool = True, check: bool = True):
        self.url = url
        self.timeout_s = timeout_s
        self.loudness = loudness
        self.check = check
        self._stopped = False
        self.proc: subprocess.Popen | None = None
        self._buf = bytearray()
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._max = BYTES_PER_SECOND * MAX_BUFFER_MS // 1000
        #: milliseconds of audible sound at the end of what arrived (0 after any silent block)
        self.audible_ms = 0
        self.received_ms = 0
        self.error: str | None = None

    def start(self) -> RelayReader:
        self._thread = threading.Thread(target=self._pump, name="relay-reader", daemon=True)
        self._thread.start()
        return self

    def _connect(self) -> subprocess.Popen | None:
        """The stream's facts first (what is not audio, or a layout a station cannot air, never goes on air),
        then the ffmpeg that pulls it; None with ``error`` set when it may not or cannot be relayed."""
        refusal = relay_refusal(self.url, timeout_s=self.timeout_s) if self.check else None
        if refusal:
            self.error = refusal
            return None
        argv = relay_argv(self.url, protocols=FFMPEG_PROTOCOLS, timeout_s=self.timeout_s, loudness=self.loudness)
        try:
            return subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL)
        except OSError as exc:
            self.error = f"không chạy được ffmpeg ({exc.strerror or exc})"
            return None

    def _pump(self) -> None:
        proc = self.proc = self._connect()
        if proc is None or self._stopped:
            if proc is not None:
                proc.kill()
            return
        while True:
            block = proc.stdout.read1(READ_BYTES) if hasattr(proc.stdout, "read1") else proc.stdout.read(READ_BYTES)
            if not block:
                break
            audible = rms(block) >= SILENCE_RMS
            with self._lock:
                self._buf += block
                if len(self._buf) > self._max:
                    del self._buf[: len(self._buf) - self._max]
                self.audible_ms = self.audible_ms + ms_of(len(block)) if audible else 0
                self.received_ms += ms_of(len(block))
        proc.wait()
        tail = last_error_line(proc.stderr.read() or b"")
        self.error = tail or ("nguồn ngừng gửi âm thanh" if self.received_ms else "không kết nối được nguồn")

    @property
    def alive(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def take(self, n: int) -> bytes:
        """``n`` bytes of the oldest buffered audio, or ``b""`` when fewer have arrived."""
        with self._lock:
            if len(self._buf) < n:
                return b""
            out = bytes(self._buf[:n])
            del self._buf[:n]
            return out

    def keep_latest(self, n: int) -> None:
        """Drop all but the newest ``n`` bytes (while the fallback airs, the upstream keeps arriving)."""
        with self._lock:
            if len(self._buf) > n:
                del self._buf[: len(self._buf) - n]

    def stop(self) -> None:
        self._stopped = True
        if self._thread is not None and self.proc is None:
            self._thread.join(self.timeout_s + 1)  # still checking the stream: let it finish
        proc = self.proc
        if proc is not None and proc.poll() is None:
            proc.kill()
        if self._thread is not None:
            self._thread.join(5)
        if proc is not None:
            for pipe in (proc.stdout, proc.stderr):
                try:
                    pipe.close()
                except OSError:
                    pass


class RelayFeed:
    """The chunks of one relay item: upstream while it sounds, fallback while it does not."""

    def __init__(
        self,
        url: str,
        *,
        name: str,
        fallback_pcm: bytes,
        fallback: str,
        config: PlayoutConfig,
        clock: Callable[[], str],
        reader: RelayReader | None = None,
        reader_factory: Callable[[str], RelayReader] | None = None,
        record_to: Path | None = None,
    ):
        self.url, self.name, self.config, self.clock = url, name, config, clock
        self.fallback = fallback  # asset | announcement | skip
        if fallback == "announcement" and fallback_pcm:
            fallback_pcm += bytes(BYTES_PER_SECOND * ANNOUNCEMENT_GAP_MS // 1000)
        self.fallback_pcm = fallback_pcm if fallback != "skip" else b""
        self._factory = reader_factory or (lambda u: RelayReader(u, timeout_s=config.relay_silence_s).start())
        self.reader = reader or self._factory(url)
        self.state = "relay"
        self.relayed_ms = 0
        self.fallback_ms = 0
        self.notes: list[str] = []
        self.reason: str | None = None  # why the fallback airs now (None while relaying)
        self._quiet_ms = 0
        self._fb_pos = 0
        self._retry_at = 0.0
        # ``record = true``: what is relayed (not the fallback) is encoded to MP3 as it airs
        self.recording: Path | None = None
        self._recorder: PcmPipe | None = None
        if record_to is not None:
            self._recorder = PcmPipe(["-c:a", "libmp3lame", "-b:a", "64k", str(record_to)], overwrite=True)
            try:
                self._recorder.start()
                self.recording = record_to
            except OSError:
                self._recorder = None

    def next_chunk(self, n: int) -> bytes | None:
        """The next ``n`` bytes to air, or ``None`` when the slot ends early (fallback ``skip``)."""
        if self.state == "relay":
            return self._relay_chunk(n)
        return self._fallback_chunk(n)

    def _relay_chunk(self, n: int) -> bytes | None:
        chunk_ms = ms_of(n)
        data = self.reader.take(n)
        if not data and not self.reader.alive:
            return self._to_fallback(n, f"mất nguồn ({self.reader.error})")
        if data and rms(data) >= SILENCE_RMS:
            self._quiet_ms = 0
        elif self._quiet_ms >= self.config.relay_silence_s * 1000:
            # the threshold's worth of silence has aired: the fallback takes this chunk
            why = "nguồn im lặng" if self.reader.received_ms else "nguồn không gửi âm thanh"
            return self._to_fallback(n, f"{why} quá {self.config.relay_silence_s:g} giây")
        else:
            self._quiet_ms += chunk_ms
        if data:
            self.relayed_ms += chunk_ms
            self._record(data)
        return data or bytes(n)  # a short stall airs as silence until the threshold

    def _record(self, pcm: bytes) -> None:
        if self._recorder is not None:
            try:
                self._recorder.write(pcm, flush=False)
            except OSError:  # the encoder died: the relay goes on, unrecorded from here
                self._recorder = None

    def _to_fallback(self, n: int, reason: str) -> bytes | None:
        self.state, self.reason, self._quiet_ms = "fallback", reason, 0
        self._retry_at = time.monotonic() + self.config.relay_retry_s
        if not self.fallback_pcm:
            self.notes.append(f"{self.clock()}: {reason}; bỏ phần còn lại của mục tiếp sóng.")
            return None
        self.notes.append(f"{self.clock()}: {reason}; phát dự phòng.")
        return self._fallback_chunk(n)

    def _fallback_chunk(self, n: int) -> bytes:
        self._watch_upstream(n)
        if self.state == "relay":
            return self._relay_chunk(n) or bytes(n)
        pcm = self.fallback_pcm
        out = bytearray()
        while len(out) < n:
            piece = pcm[self._fb_pos : self._fb_pos + n - len(out)]
            out += piece
            self._fb_pos = (self._fb_pos + len(piece)) % len(pcm)
        self.fallback_ms += ms_of(n)
        return bytes(out)

    def _watch_upstream(self, n: int) -> None:
        """While the fallback airs: reconnect a lost upstream, and go back to it once it sounds again."""
        reader = self.reader
        if not reader.alive:
            if time.monotonic() >= self._retry_at:
                reader.stop()
                self.reader = self._factory(self.url)
                self._retry_at = time.monotonic() + self.config.relay_retry_s
            return
        reader.keep_latest(n * 3)
        if reader.audible_ms >= self.config.relay_resume_ms:
            self.state, self.reason, self._quiet_ms = "relay", None, 0
            self.notes.append(f"{self.clock()}: nguồn có tiếng trở lại, tiếp sóng tiếp.")

    def close(self) -> None:
        self.reader.stop()
        if self._recorder is not None:
            self._recorder.close(timeout=15)
            self._recorder = None
        if self.recording is not None and not self.relayed_ms:
            self.recording.unlink(missing_ok=True)  # nothing was relayed: nothing to air again
            self.recording = None

    def summary(self) -> str | None:
        """The as-run note: what happened, and how long the fallback aired."""
        if not self.notes:
            return None
        text = " ".join(self.notes)
        if self.fallback_ms:
            text += f" Dự phòng đã phát {self.fallback_ms / 1000:.1f} giây."
        return text
