"""Choosing engines: an ordered list with fallback.

``BROADCAST_TTS_ENGINES=gtts,espeak`` means: try Google first, and if it
fails (no Internet, 429 after retries) read with espeak-ng.  The result
says which engine actually produced the audio, and why the others failed,
so the rendition records it and the operator sees it.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Mapping, Sequence

from .base import Engine, EngineError, pick_voice
from .espeak import EspeakEngine
from .gtts import GTTSEngine
from .piper import PiperEngine
from .recording import RecordingEngine, RecordingError

log = logging.getLogger(__name__)

DEFAULT_ENGINES = ("gtts", "espeak")

#: name -> factory; add a module and a line here for a new engine.
REGISTRY: dict[str, Callable[[], Engine]] = {
    "gtts": GTTSEngine,
    "espeak": EspeakEngine,
    "piper": PiperEngine,
    "recording": RecordingEngine,
}


def engine_names_from_env(env: Mapping[str, str] | None = None) -> tuple[str, ...]:
    env = os.environ if env is None else env
    raw = env.get("BROADCAST_TTS_ENGINES") or ",".join(DEFAULT_ENGINES)
    names = tuple(n.strip().lower() for n in raw.split(",") if n.strip())
    return names or DEFAULT_ENGINES


def get_engine(name: str) -> Engine:
    try:
        return REGISTRY[name]()
    except KeyError:
        known = ", ".join(sorted(REGISTRY))
        raise EngineError(f"Không có bộ đọc tên “{name}” (có: {known}).") from None


@dataclass
class Synthesis:
    path: Path
    engine: str
    voice: str
    failures: list[tuple[str, str]] = field(default_factory=list)


def synthesize_with_fallback(text: str, engine_names: Sequence[str], voice: str | None,
                             out_stem: Path, settings: Mapping[str, object]) -> Synthesis:
    """Try each engine in order; raise the last error if all fail."""
    failures: list[tuple[str, str]] = []
    for name in engine_names:
        engine = get_engine(name)
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
