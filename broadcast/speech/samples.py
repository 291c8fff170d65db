"""One sample sentence in any voice, for the operator's voice page (voices side by side).

Samples are cached like any rendition (same text, engine, voice: same file), so comparing voices
costs a paid provider one request per voice, counted in its usage like a bulletin.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from sqlalchemy.orm import Session

from ..config import Settings
from ..errors import ValidationError
from . import usage
from .engines.chain import voice_catalogue
from .render import render_text

SAMPLE_TEXT = (
    "Ủy ban nhân dân phường Mộ Lao thông báo: từ ngày 1/12/2025, bà con có thể nộp hồ sơ "
    "trực tuyến tại Cổng dịch vụ công quốc gia, theo Quyết định số 576/QĐ-UBND của UBND phường."
)


def render_sample(session: Session, config: Settings, engine: str, voice: str) -> Path:
    """The sample sentence read by ``engine``'s ``voice`` (an MP3 path); a clear error otherwise."""
    known = {(v["engine"], v["voice"]): v for v in voice_catalogue(config)}
    entry = known.get((engine, voice))
    if entry is None:
        raise ValidationError(f"Không có giọng “{voice}” của bộ đọc “{engine}”.", field="voice")
    if not entry["available"]:
        raise ValidationError(f"Giọng “{voice}” ({engine}) chưa dùng được trên máy này.", field="voice")
    result = render_text(
        SAMPLE_TEXT,
        engine_names=(engine,),
        voice=voice,
        settings={"pause_ms": 150},
        cache_dir=config.subdir("voice-samples"),
        tags={"title": f"Giọng mẫu {engine} {voice}", "station": "Loa Phường"},
        config=config,
    )
    if not result.cached:
        usage.record(session, engine, len(result.spoken_text), datetime.now(config.tz).date())
    return result.path
