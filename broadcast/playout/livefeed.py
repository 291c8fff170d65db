"""The audio of a live broadcast as it arrives: a growing file fed to ffmpeg, read back as house PCM.

The web process appends the browser's chunks to one file; ``LiveFeed`` follows that file (as ``tail -f``
would) into an ffmpeg decoding and levelling it, and hands the player what has been decoded.  The live item
ends when the speaker stops (the ``.end`` marker, once everything before it has aired), when ffmpeg cannot
decode any more, or when nothing new has arrived for ``drop_s`` (the phone lost its signal): short gaps air
as silence, a dropped connection never leaves the station on dead air.
"""

from __future__ import annotations

import subprocess
import threading
from pathlib import Path

from ..audio.ffmpeg import BYTES_PER_SECOND, live_decode_argv
from ..live.sessions import end_marker, follow

FOLLOW_POLL_S = 0.02
READ_BYTES = BYTES_PER_SECOND // 20  # 50 ms
#: the browser sends a chunk every ~250 ms: airing starts (and restarts after a gap) with this much in hand,
#: so the voice does not stutter between chunks
PRIME_MS = 400
#: decoded audio waiting longer than this is dropped down to ``CATCH_UP_MS``: the speaker stays live. Not
#: below ``PRIME_MS``: a catch-up must leave the feed primed, or words in hand would wait for more that may
#: never come (a phone that sent all it had, then lost its signal) and be dropped with the connection.
MAX_LAG_MS = 1000
CATCH_UP_MS = PRIME_MS


class LiveFeed:
    """What a live item airs, chunk by chunk."""

    def __init__(self, path: str | Path, *, container: str, drop_s: float):
        self.path, self.drop_s = Path(path), drop_s
        self._buf = bytearray()
        self._lock = threading.Lock()
        self._stall_ms = 0
        self._priming = True
        self.decoded_ms = 0
        self.ended_by: str | None = None  # why the item ended: "stop", "drop", "decode"
        self.proc = subprocess.Popen(
            live_decode_argv(container), stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL
        )
        self._follower = threading.Thread(target=self._follow, name="live-follow", daemon=True)
        self._reader = threading.Thread(target=self._read, name="live-decode", daemon=True)
        self._follower.start()
        self._reader.start()

    def _follow(self) -> None:
        """Copy the file into ffmpeg as it grows (``live.sessions.follow``, as the agent endpoint streams it);
        close ffmpeg's input at the speaker's end or a drop."""
        try:
            for data in follow(self.path, drop_s=self.drop_s, poll_s=FOLLOW_POLL_S, block=65536):
                self.proc.stdin.write(data)
                self.proc.stdin.flush()
            self.ended_by = self.ended_by or ("stop" if end_marker(self.path).exists() else "drop")
        except (OSError, ValueError):
            self.ended_by = self.ended_by or "decode"
        finally:
            try:
                self.proc.stdin.close()
            except OSError:
                pass

    def _read(self) -> None:
        out = self.proc.stdout
        while True:
            block = out.read1(READ_BYTES)
            if not block:
                break
            with self._lock:
                self._buf += block
                self.decoded_ms += len(block) * 1000 // BYTES_PER_SECOND
        self.proc.wait()

    @property
    def finished(self) -> bool:
        """Everything decodable has been decoded and handed out."""
        return not self._reader.is_alive() and not self._buf

    def keep_latest(self, n: int) -> None:
        """Join the speaker live: drop all but the newest ``n`` bytes decoded so far."""
        with self._lock:
            if len(self._buf) > n:
                del self._buf[: len(self._buf) - n]

    def next_chunk(self, n: int) -> bytes | None:
        """The next ``n`` bytes (silence while the speaker's audio is late), or ``None``: the item is over."""
        with self._lock:
            # Catch up while the speaker is talking; once they stopped, their last words all air.
            if self.ended_by is None and len(self._buf) > BYTES_PER_SECOND * MAX_LAG_MS // 1000:
                del self._buf[: len(self._buf) - BYTES_PER_SECOND * CATCH_UP_MS // 1000]
            done = not self._reader.is_alive() or self.ended_by is not None
            if self._priming and (len(self._buf) >= BYTES_PER_SECOND * PRIME_MS // 1000 or done):
                self._priming = False
            if not self._priming and (len(self._buf) >= n or (self._buf and done)):
                self._stall_ms = 0
                return self._take(n)
        if not self._reader.is_alive():
            if self.ended_by is None:
                self.ended_by = "decode"
            return None
        self._priming = True  # ran dry: gather a little again before going on
        self._stall_ms += n * 1000 // BYTES_PER_SECOND
        if self._stall_ms >= self.drop_s * 1000:
            self.ended_by = self.ended_by or "drop"
            # what is in hand (less than the priming amount) still airs: the speaker's last words
            with self._lock:
                return self._take(n) if self._buf else None
        return bytes(n)

    def _take(self, n: int) -> bytes:
        """The next ``n`` bytes of the buffer, padded with silence (the caller holds the lock)."""
        out = bytes(self._buf[:n])
        del self._buf[:n]
        return out + bytes(n - len(out))

    def close(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
        self._follower.join(2)
        self._reader.join(2)
        for pipe in (self.proc.stdout,):
            try:
                pipe.close()
            except OSError:
                pass
