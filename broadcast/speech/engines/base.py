"""The engine interface: text in, an audio file out.

An engine is deliberately small so that a new one (a Piper voice file the
ward provides, a commercial API) is one module.  Engines do not normalise
text, resample or set loudness: the audio pipeline does that for all of
them alike, so every engine's output airs at the same level.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Protocol, runtime_checkable

from ...errors import BroadcastError


class EngineError(BroadcastError):
    """An engine could not produce audio; the chain tries the next one."""

    code = "tts_failed"
    http_status = 502


class EngineUnavailable(EngineError):
    """The engine is not installed or configured on this machine."""

    code = "tts_unavailable"


@runtime_checkable
class Engine(Protocol):
    #: Short identifier recorded on renditions ("gtts", "espeak").
    name: str
    #: Voices this engine accepts; the first is its default.
    voices: tuple[str, ...]

    def available(self) -> bool:
        """Cheap check that the engine can run here (no network calls)."""

    def synthesize(self, text: str, voice: str | None, out_path: Path, settings: Mapping[str, object]) -> Path:
        """Write audio for ``text`` and return its path (any format ffmpeg reads).

        Raises :class:`EngineError` with a Vietnamese message on failure.
        """


def pick_voice(engine: Engine, voice: str | None) -> str:
    """The requested voice if the engine has it, else the engine's default."""
    return voice if voice in engine.voices else engine.voices[0]
