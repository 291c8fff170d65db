"""TTS engines behind one small interface, chosen by an ordered list."""

from .base import Engine, EngineError, EngineUnavailable
from .chain import DEFAULT_ENGINES, REGISTRY, Synthesis, engine_names_from_env, get_engine, synthesize_with_fallback

__all__ = [
    "DEFAULT_ENGINES",
    "REGISTRY",
    "Engine",
    "EngineError",
    "EngineUnavailable",
    "Synthesis",
    "engine_names_from_env",
    "get_engine",
    "synthesize_with_fallback",
]
