"""Rendering text to a broadcast-ready MP3, with a content-hash cache.

This module knows nothing about the database: it takes text, settings and
lexicon entries, and returns a :class:`Rendition`.  ``store.py`` is the thin
layer that reads those from the database and records the result.

Cache: a rendition is stored as ``<cache_dir>/<h[:2]>/<h>.mp3`` with a JSON
sidecar, where ``h`` is the sha256 of everything that changes the sound:
the spoken text, engine, voice, audio settings, lexicon version and the
pipeline version.  A re-render of an unchanged bulletin is a JSON read.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

from ..audio.pipeline import run_pipeline
from ..config import Settings
from ..errors import ValidationError
from .engines import engine_names_from_env, get_engine, synthesize_with_fallback
from .engines.base import pick_voice
from .normalize import has_speech, normalize, with_pauses

#: Bump when the pipeline's output changes, so old cache entries are not reused.
PIPELINE_VERSION = "5"
MAX_TEXT_CHARS = 100_000

# Settings that change how we talk to an engine but not the sound produced.
_NOT_AUDIO = {"gtts_timeout", "gtts_retries", "gtts_backoff", "recording_path", "chime_path"}


@dataclass(frozen=True)
class Rendition:
    path: Path
    duration_ms: int
    loudness_lufs: float | None
    true_peak_db: float | None
    engine: str
    voice: str
    content_hash: str
    cached: bool
    spoken_text: str
    lexicon_version: int | None = None
    failures: tuple[tuple[str, str], ...] = field(default=())


def _file_digest(path: str | Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def content_hash(
    spoken_text: str, engine: str, voice: str, settings: Mapping[str, object], lexicon_version: int | None
) -> str:
    """sha256 over everything that changes the rendered sound."""
    audio_settings = {k: v for k, v in settings.items() if k not in _NOT_AUDIO}
    if settings.get("recording_path"):
        audio_settings["recording_sha256"] = _file_digest(str(settings["recording_path"]))
    if settings.get("chime_path") and settings.get("chime", "none") != "none":
        audio_settings["chime_sha256"] = _file_digest(str(settings["chime_path"]))
    payload = json.dumps(
        {
            "text": spoken_text,
            "engine": engine,
            "voice": voice,
            "settings": audio_settings,
            "lexicon_version": lexicon_version,
            "pipeline": PIPELINE_VERSION,
        },
        sort_keys=True,
        ensure_ascii=False,
        default=str,
    )
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def _paths(cache_dir: Path, digest: str) -> tuple[Path, Path]:
    folder = cache_dir / digest[:2]
    return folder / f"{digest}.mp3", folder / f"{digest}.json"


def cached_rendition(cache_dir: str | Path, digest: str) -> Rendition | None:
    """The cached rendition for ``digest``, or None."""
    mp3, meta = _paths(Path(cache_dir), digest)
    try:
        data = json.loads(meta.read_text("utf-8"))
    except (OSError, ValueError):
        return None
    if not mp3.is_file():
        return None
    data.update(path=mp3, cached=True, failures=())
    return Rendition(**data)


def _write_sidecar(meta: Path, rendition: Rendition) -> None:
    data = asdict(rendition)
    for key in ("path", "cached", "failures"):
        data.pop(key)
    tmp = meta.with_name(f".{meta.name}.{os.getpid()}.tmp")
    tmp.write_text(json.dumps(data, ensure_ascii=False), "utf-8")
    os.replace(tmp, meta)


def render_text(
    text: str,
    *,
    engine_names: Sequence[str] | None = None,
    voice: str | None = None,
    settings: Mapping[str, object] | None = None,
    lexicon: Mapping[str, str] | None = None,
    lexicon_version: int | None = None,
    cache_dir: str | Path,
    tags: Mapping[str, str] | None = None,
    config: Settings | None = None,
) -> Rendition:
    """Normalise, synthesise (with engine fallback), post-process and cache.

    ``settings`` holds audio settings: ``rate``, ``pitch`` (espeak), ``chime``
    ("none"/"before"/"after"/"both") with ``chime_path``, ``pause_ms``,
    ``target_lufs``, ``recording_path`` for the recording engine, and ``full_symbols`` (read document
    symbols in full; part of the cache key since it changes the words).
    ``tags`` (title, station, category) go into the MP3's ID3 tags and do
    not affect the cache key. ``config`` (the installation's ``Settings``) gives the default
    engine order and what engines need, such as Piper's voice file; without it, the environment.
    """
    settings = dict(settings or {})
    engine_names = tuple(engine_names or (config.tts_engines if config is not None else engine_names_from_env()))
    cache_dir = Path(cache_dir)
    if len(text) > MAX_TEXT_CHARS:
        raise ValidationError(
            f"Văn bản quá dài (hơn {MAX_TEXT_CHARS:,} ký tự); hãy chia thành nhiều bản tin.".replace(",", ".")
        )
    spoken = normalize(text, lexicon, full_symbols=bool(settings.get("full_symbols")))
    is_recording = engine_names == ("recording",)
    if not is_recording and not has_speech(spoken):
        raise ValidationError("Văn bản không có chữ nào để đọc.")

    # Cache lookup: any engine of the chain that already rendered this text.
    for name in engine_names:
        engine = get_engine(name, config)
        digest = content_hash(spoken, name, pick_voice(engine, voice), settings, lexicon_version)
        hit = cached_rendition(cache_dir, digest)
        if hit is not None:
            return hit

    work_root = cache_dir / ".work"
    work_root.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=work_root) as workdir:
        synth = synthesize_with_fallback(
            with_pauses(spoken), engine_names, voice, Path(workdir) / "speech", settings, config=config
        )
        digest = content_hash(spoken, synth.engine, synth.voice, settings, lexicon_version)
        mp3, meta = _paths(cache_dir, digest)
        mp3.parent.mkdir(parents=True, exist_ok=True)
        result = run_pipeline(
            synth.path,
            {
                "out_path": mp3,
                "tags": dict(tags or {}),
                "chime": settings.get("chime", "none"),
                "chime_path": settings.get("chime_path"),
                "pause_ms": settings.get("pause_ms", 250),
                "target_lufs": settings.get("target_lufs", -16.0),
            },
        )
    rendition = Rendition(
        path=mp3,
        duration_ms=result["duration_ms"],
        loudness_lufs=result["loudness_lufs"],
        true_peak_db=result["true_peak_db"],
        engine=synth.engine,
        voice=synth.voice,
        content_hash=digest,
        cached=False,
        spoken_text=spoken,
        lexicon_version=lexicon_version,
        failures=tuple(synth.failures),
    )
    _write_sidecar(meta, rendition)
    return rendition


def default_workers() -> int:
    """Parallel renders: one per CPU (each render is mostly ffmpeg/espeak processes)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


def render_many(
    jobs: Sequence[Mapping[str, object]], *, workers: int | None = None, return_errors: bool = False
) -> list:
    """Render a batch in parallel: ``jobs`` are ``render_text`` keyword arguments.

    Results come back in the order of ``jobs``.  The work happens in
    subprocesses (espeak-ng, ffmpeg), so threads keep every core busy.
    With ``return_errors`` a failed job's slot holds its exception instead
    of the first failure being raised after the batch finishes.
    """
    from concurrent.futures import ThreadPoolExecutor

    jobs = [dict(job) for job in jobs]
    if not jobs:
        return []
    workers = max(1, min(workers or default_workers(), len(jobs)))

    def one(job: dict):
        job = dict(job)
        text = job.pop("text")
        try:
            return render_text(str(text), **job)
        except Exception as exc:
            if return_errors:
                return exc
            raise

    if workers == 1:
        return [one(job) for job in jobs]
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="render") as pool:
        return list(pool.map(one, jobs))
