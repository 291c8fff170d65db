"""What a programme airs: its items with their offsets, read once before the first sound."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from ..audio.ffmpeg import probe_duration_ms
from ..domain.models import Bulletin, Programme, ProgrammeItem
from ..stations import station_by_code


@dataclass
class Item:
    position: int
    title: str
    audio_path: str | None
    duration_ms: int
    offset_ms: int = 0
    item_id: int | None = None
    kind: str = "bulletin"
    bulletin_id: int | None = None
    category_code: str | None = None
    department_code: str | None = None
    # The cluster codes the item is meant for (None or [] = the whole station), copied into its as-run row.
    clusters: list[str] | None = None
    # A relay item's {"url", "upstream", "source", "category", "fallback"}; its audio_path is the fallback.
    relay: dict | None = None
    # A live item's {"id", "path", "container", "speaker"}: the browser's audio as it arrives.
    live: dict | None = None


def probe_ms(path: str | None) -> int:
    """The file's duration in ms; 0 for no file or one ffprobe cannot read (the player then skips it)."""
    return probe_duration_ms(path)


def programme_items(session, programme: Programme) -> list[Item]:
    """The programme's items with their offsets from the programme's start."""
    rows = session.scalars(
        select(ProgrammeItem)
        .where(ProgrammeItem.programme_id == programme.id)
        .options(
            selectinload(ProgrammeItem.bulletin).selectinload(Bulletin.department),
            selectinload(ProgrammeItem.bulletin).selectinload(Bulletin.category),
        )
        .order_by(ProgrammeItem.position)
    ).all()
    items, offset = [], 0
    for row in rows:
        duration = row.duration_ms or probe_ms(row.audio_path)
        bulletin = row.bulletin
        items.append(
            Item(
                position=row.position,
                title=row.title or (bulletin.title if bulletin else ""),
                audio_path=row.audio_path,
                duration_ms=duration,
                offset_ms=offset,
                item_id=row.id,
                kind=row.kind,
                bulletin_id=row.bulletin_id,
                category_code=row.category_code or (bulletin.category.code if bulletin else None),
                department_code=bulletin.department.code if bulletin else None,
                clusters=list(row.clusters) if row.clusters else None,
                relay=dict(row.relay) if row.relay else None,
            )
        )
        offset += duration
    return items


def total_ms(items: list[Item]) -> int:
    return (items[-1].offset_ms + items[-1].duration_ms) if items else 0


def load_programme(session, station_code: str, on_date: date, session_code: str) -> Programme | None:
    station = station_by_code(session, station_code, required=False)
    if station is None:
        return None
    return session.scalar(
        select(Programme).where(
            Programme.station_id == station.id, Programme.on_date == on_date, Programme.session_code == session_code
        )
    )
