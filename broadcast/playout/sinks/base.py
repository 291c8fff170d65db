"""The sink interface: where the PCM audio of an airing goes.

Every sink takes raw PCM (signed 16-bit little-endian, mono, ``SAMPLE_RATE``)
in chunks.  The player paces the chunks (speed 1 = real time); a sink only
delivers them.  A sink that loses its output raises ``SinkError`` from
``write``; sinks that can reconnect (Icecast) do so themselves with backoff and
report the outage through ``status``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

# The house format is declared once, in the ffmpeg module; re-exported here for the sinks.
from ...audio.ffmpeg import BYTES_PER_SECOND, CHANNELS, SAMPLE_RATE, SAMPLE_WIDTH

__all__ = [
    "BYTES_PER_SECOND",
    "CHANNELS",
    "SAMPLE_RATE",
    "SAMPLE_WIDTH",
    "Sink",
    "SinkError",
    "SinkStatus",
    "bytes_to_ms",
    "ms_to_bytes",
]


def ms_to_bytes(ms: float) -> int:
    frames = int(SAMPLE_RATE * ms / 1000)
    return frames * CHANNELS * SAMPLE_WIDTH


def bytes_to_ms(n: int) -> int:
    return int(n * 1000 / BYTES_PER_SECOND)


class SinkError(Exception):
    """The output failed; ``str()`` is a Vietnamese sentence for the operator."""


@dataclass
class SinkStatus:
    ok: bool = True
    # Milliseconds of audio that did not reach the output (outages).
    lost_ms: int = 0
    errors: list[str] = field(default_factory=list)


class Sink:
    """Base class: subclasses implement ``_open``, ``_write`` and ``_close``."""

    name = "sink"
    #: the output itself blocks at real-time rate (a sound card), so the player
    #: may run slightly ahead of the clock
    lead_s = 0.0

    def __init__(self, spec: str):
        self.spec = spec
        self.status = SinkStatus()
        self.written_bytes = 0
        self.is_open = False

    @property
    def label(self) -> str:
        """What goes into the as-run log's ``sink`` column (no passwords)."""
        return self.spec

    def open(self, *, title: str = "") -> None:
        self._open(title=title)
        self.is_open = True

    def write(self, pcm: bytes) -> bool:
        """Deliver one chunk; returns False when the chunk was lost (output down)."""
        ok = self._write(pcm)
        if ok:
            self.written_bytes += len(pcm)
        return ok

    def close(self) -> None:
        if self.is_open:
            self.is_open = False
            self._close()

    def take_errors(self) -> list[str]:
        errors, self.status.errors = self.status.errors, []
        return errors

    # -- subclasses
    def _open(self, *, title: str = "") -> None:
        pass

    def _write(self, pcm: bytes) -> bool:
        return True

    def _close(self) -> None:
        pass

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
