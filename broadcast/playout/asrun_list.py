"""The as-run log as a list: rows for the API and exports, filtered by station and dates."""

from __future__ import annotations

from sqlalchemy import select

from ..dates import parse_day
from ..domain.models import AsRun, Station
from ..errors import ValidationError
from ..stations import station_by_code


def as_run_dict(row: AsRun, station_code: str | None = None) -> dict:
    return {
        "id": row.id,
        "station": station_code,
        "run_id": row.run_id,
        "air_date": row.air_date.isoformat(),
        "session": row.session_code,
        "position": row.position,
        "kind": row.kind,
        "title": row.title,
        "bulletin_id": row.bulletin_id,
        "category": row.category_code,
        "department": row.department_code,
        "scheduled_start": row.scheduled_start.isoformat() if row.scheduled_start else None,
        "actual_start": row.actual_start.isoformat(),
        "actual_end": row.actual_end.isoformat() if row.actual_end else None,
        "planned_ms": row.planned_ms,
        "aired_ms": row.aired_ms,
        "lateness_ms": row.lateness_ms,
        "status": row.status,
        "source": row.source,
        "sink": row.sink,
        "note": row.note,
    }


def airtime(session, *, station: str | None = None, date_from=None, date_to=None, limit: int = 5000) -> list[dict]:
    query = select(AsRun, Station.code).join(Station, Station.id == AsRun.station_id)
    if station:
        query = query.where(AsRun.station_id == station_by_code(session, station).id)
    start, end = parse_day(date_from, "from"), parse_day(date_to, "to")
    if start and end and start > end:
        raise ValidationError("Ngày bắt đầu sau ngày kết thúc.", field="from")
    if start:
        query = query.where(AsRun.air_date >= start)
    if end:
        query = query.where(AsRun.air_date <= end)
    rows = session.execute(query.order_by(AsRun.actual_start, AsRun.id).limit(limit)).all()
    return [as_run_dict(row, code) for row, code in rows]
