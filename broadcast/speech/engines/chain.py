"""Choosing engines: an ordered list with fallback.

``BROADCAST_TTS_ENGINES=gtts,espeak`` (``Settings.tts_engines``) means: try
Google first, and if it fails (no Internet, 429 after retries) read with
espeak-ng.  The result says which engine actually produced the audio, and
why the others failed, so the rendition records it and the operator sees it.

Engines that need configuration (Piper's voice file) take it from the
``Settings`` passed as ``config``: a factory with a ``from_settings(config)``
class method gets them; without ``config`` an engine uses the values
``broadcast.config`` reads from the environment.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from ...config import DEFAULT_TTS_ENGINES, Settings, read_tts_engines
from .base import Engine, EngineError, pick_voice
from .espeak import EspeakEngine
from .fpt import FptEngine
from .gtts import GTTSEngine
from .piper import PiperEngine
from .recording import RecordingEngine, RecordingError
from .viettel import ViettelEngine
from .zalo import ZaloEngine

log = logging.getLogger(__name__)

DEFAULT_ENGINES = DEFAULT_TTS_ENGINES

#: name -> factory; add a module and a line here for a new engine.
REGISTRY: dict[str, Callable[[], Engine]] = {
    "gtts": GTTSEngine,
    "espeak": EspeakEngine,
    "piper": PiperEngine,
    "recording": RecordingEngine,
    # Cloud voices: configured by BROADCAST_<NAME>_API_KEY / _URL (Settings.tts_providers).
    "fpt": FptEngine,
    "viettel": ViettelEngine,
    "zalo": ZaloEngine,
}


def engine_names_from_env(env: Mapping[str, str] | None = None) -> tuple[str, ...]:
    """The configured engine order (``BROADCAST_TTS_ENGINES``, read by ``broadcast.config``)."""
    return read_tts_engines(env)


def get_engine(name: str, config: Settings | None = None) -> Engine:
    try:
        factory = REGISTRY[name]
    except KeyError:
        known = ", ".join(sorted(REGISTRY))
        raise EngineError(f"Không có bộ đọc tên “{name}” (có: {known}).") from None
    from_settings = getattr(factory, "from_settings", None)
    return from_settings(config) if config is not None and from_settings is not None else factory()


def voice_catalogue(config: Settings | None = None) -> list[dict]:
    """Every voice of every engine that reads text, each with ``available`` (can run on this machine
    now; cloud voices count as available when their key is set, as reachability is only known by trying)."""
    out = []
    for name in REGISTRY:
        if name == "recording":
            continue
        engine = get_engine(name, config)
        listed = getattr(engine, "voice_list", None)
        rows = (
            listed()
            if listed is not None
            else [
                {"engine": name, "voice": v, "accent": None, "gender": None, "label": f"{name} {v}"}
                for v in engine.voices
            ]
        )
        usable = engine.available() and bool(getattr(engine, "api_key", True))
        out.extend({**row, "available": usable} for row in rows)
    return out


@dataclass
class Synthesis:
    path: Path
    engine: str
    voice: str
    failures: list[tuple[str, str]] = field(default_factory=list)


def synthesize_with_fallback(
    text: str,
    engine_names: Sequence[str],
    voice: str | None,
    out_stem: Path,
    settings: Mapping[str, object],
    *,
    config: Settings | None = None,
) -> Synthesis:
    """Try each engine in order; raise the last error if all fail.

    ``settings`` are the audio settings of this reading (rate, pitch...); ``config`` the
    installation's ``Settings`` for engines that need them (see the module docstring)."""
    failures: list[tuple[str, str]] = []
    for name in engine_names:
        engine = get_engine(name, config)
        if not engine.available():
            failures.append((name, "không có trên máy này"))
            continue
        used_voice = pick_voice(engine, voice)
        try:
            path = engine.synthesize(text, used_voice, Path(f"{out_stem}.{name}"), settings)
        except RecordingError:
            raise  # a bad upload is the user's to fix, not a reason to fall back
        except EngineError as exc:
            log.warning("TTS engine %s failed: %s", name, exc.message)
            failures.append((name, exc.message))
            continue
        return Synthesis(Path(path), name, used_voice, failures)
    detail = "; ".join(f"{n}: {why}" for n, why in failures) or "chưa chọn bộ đọc nào"
    raise EngineError(f"Không bộ đọc nào tạo được âm thanh ({detail}).")
