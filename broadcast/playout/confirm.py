"""Export-fed (USB) stations: the operator confirms what aired, and the as-run log records it by hand."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from ..dates import parse_day
from ..domain.models import AsRun, Programme, Station
from ..domain.types import utcnow
from ..errors import Conflict, NotFound, ValidationError
from ..security import audit
from ..stations import station_by_code
from .asrun import bulletin_aired
from .sinks import is_live

OUTCOMES = ("all", "partly", "none")


def unconfirmed(session, runtime, days: int = 7) -> list[Programme]:
    """Programmes of export-fed stations, already past, that nobody has confirmed yet."""
    now = utcnow()
    today = now.astimezone(runtime.settings.tz).date()
    stations = [s.id for s in session.scalars(select(Station)) if not is_live(s.sink)]
    if not stations:
        return []
    confirmed = select(AsRun.programme_id).where(AsRun.source == "manual", AsRun.programme_id.is_not(None))
    return list(
        session.scalars(
            select(Programme)
            .where(
                Programme.station_id.in_(stations),
                Programme.on_date >= today - timedelta(days=days),
                Programme.starts_at <= now,
                Programme.id.not_in(confirmed),
            )
            .options(selectinload(Programme.items))
            .order_by(Programme.starts_at)
        )
    )


def confirm_manual(
    session,
    user,
    station_code: str,
    on_date,
    session_code: str,
    outcome: str,
    item_ids: list[int] | None = None,
    note: str | None = None,
    ip: str | None = None,
) -> list[AsRun]:
    """An export-fed station's operator says the session aired all, partly or not at all."""
    if outcome not in OUTCOMES:
        raise ValidationError("Chọn: đã phát hết, phát một phần, hoặc không phát.", field="outcome")
    station = station_by_code(session, station_code)
    day = parse_day(on_date)
    if day is None:
        raise ValidationError("Thiếu ngày của buổi phát.", field="date")
    programme = session.scalar(
        select(Programme).where(
            Programme.station_id == station.id, Programme.on_date == day, Programme.session_code == session_code
        )
    )
    if programme is None:
        raise NotFound(f"Không có chương trình buổi {session_code} ngày {day:%d/%m/%Y} của đài {station.code}.")
    if session.scalar(select(AsRun.id).where(AsRun.programme_id == programme.id, AsRun.source == "manual")):
        raise Conflict("Buổi phát này đã được xác nhận; không xác nhận lại.")
    chosen = set(item_ids or [])
    if outcome == "partly" and not chosen:
        raise ValidationError("Phát một phần: đánh dấu những mục đã phát.", field="items")
    rows = []
    for item in sorted(programme.items, key=lambda i: i.position):
        aired = outcome == "all" or (outcome == "partly" and item.id in chosen)
        bulletin = item.bulletin
        row = AsRun(
            station_id=station.id,
            programme_id=programme.id,
            programme_item_id=item.id,
            session_code=session_code,
            air_date=day,
            position=item.position,
            kind=item.kind,
            bulletin_id=item.bulletin_id,
            title=(item.title or (bulletin.title if bulletin else ""))[:300],
            category_code=item.category_code or (bulletin.category.code if bulletin else None),
            department_code=bulletin.department.code if bulletin else None,
            clusters=item.clusters or None,
            scheduled_start=item.planned_start,
            actual_start=item.planned_start,
            actual_end=item.planned_start + timedelta(milliseconds=item.duration_ms if aired else 0),
            planned_ms=item.duration_ms,
            aired_ms=item.duration_ms if aired else 0,
            status="aired" if aired else "missed",
            source="manual",
            sink="export",
            note=((note or "").strip() or None)
            if aired
            else ("Cán bộ đài xác nhận không phát." + (f" {note.strip()}" if note and note.strip() else "")),
        )
        session.add(row)
        rows.append(row)
        if aired and item.bulletin_id:
            session.flush()
            bulletin_aired(session, item.bulletin_id)
    session.flush()
    audit(
        session,
        "playout.confirm",
        user=user,
        obj=programme,
        detail={
            "station": station.code,
            "date": day.isoformat(),
            "session": session_code,
            "outcome": outcome,
            "items": sorted(chosen),
        },
        ip=ip,
    )
    return rows
