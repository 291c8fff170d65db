"""Each delivery's full state: the ward's decision (stored) and what the programme and as-run log say.

A ``Delivery`` stores only the ward's side (waiting, accepted, declined).  Scheduled, aired and failed
are read here from ``programme_items`` and ``as_run`` in grouped statements — one per table whatever the
number of stations — so the province's delivery board for 300 stations stays a handful of queries.

Order of the states read: declined (the ward said no) > aired (at least one complete or interrupted
airing) > failed (attempts that did not air and nothing planned after the last one) > scheduled (in a
programme) > the stored state (waiting or accepted).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, time

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from ..domain.models import AsRun, Delivery, Programme, ProgrammeItem, Station, Ward
from ..domain.types import UTC

STATES = ("waiting", "accepted", "declined", "scheduled", "aired", "failed")
AIRED = ("aired", "interrupted")
NOT_AIRED = ("failed", "skipped", "missed")


def _instant(value: date | datetime | None, *, end: bool = False) -> datetime | None:
    """A date bound becomes the start (or the end) of that day in UTC; a datetime stays as it is."""
    if value is None or isinstance(value, datetime):
        return value
    return datetime.combine(value, time.max if end else time.min, tzinfo=UTC)


def _deliveries(session: Session, bulletin_ids, station_ids, start, end):
    stmt = (
        select(
            Delivery.id,
            Delivery.bulletin_id,
            Delivery.station_id,
            Delivery.level,
            Delivery.state,
            Delivery.reason,
            Delivery.decided_at,
            Delivery.position,
            Delivery.created_at,
            Station.code,
            Station.name,
            Station.ward_id,
            Ward.code,
            Ward.name,
        )
        .join(Station, Station.id == Delivery.station_id)
        .join(Ward, Ward.id == Station.ward_id)
        .order_by(Ward.code, Station.code, Delivery.bulletin_id)
    )
    if bulletin_ids is not None:
        stmt = stmt.where(Delivery.bulletin_id.in_(bulletin_ids))
    if station_ids is not None:
        stmt = stmt.where(Delivery.station_id.in_(station_ids))
    if end is not None:
        stmt = stmt.where(Delivery.created_at <= end)
    return session.execute(stmt).all()


def _airings(session: Session, bulletin_ids, station_ids, start, end) -> dict:
    """(bulletin, station) → (aired count, first aired, last aired, last attempt that did not air)."""
    aired = AsRun.status.in_(AIRED)
    stmt = (
        select(
            AsRun.bulletin_id,
            AsRun.station_id,
            func.count(case((aired, 1))),
            func.min(case((aired, AsRun.actual_start))),
            func.max(case((aired, AsRun.actual_start))),
            func.max(case((AsRun.status.in_(NOT_AIRED), AsRun.actual_start))),
        )
        .where(AsRun.bulletin_id.in_(bulletin_ids) if bulletin_ids is not None else AsRun.bulletin_id.is_not(None))
        .group_by(AsRun.bulletin_id, AsRun.station_id)
    )
    if bulletin_ids is None:
        stmt = stmt.where(AsRun.bulletin_id.in_(select(Delivery.bulletin_id)))
    if station_ids is not None:
        stmt = stmt.where(AsRun.station_id.in_(station_ids))
    if start is not None:
        stmt = stmt.where(AsRun.actual_start >= start)
    if end is not None:
        stmt = stmt.where(AsRun.actual_start <= end)
    return {(r[0], r[1]): r[2:] for r in session.execute(stmt)}


def _planned(session: Session, bulletin_ids, station_ids, start, end) -> dict:
    """(bulletin, station) → (items in programmes, first planned start, last planned start)."""
    stmt = (
        select(
            ProgrammeItem.bulletin_id,
            Programme.station_id,
            func.count(),
            func.min(ProgrammeItem.planned_start),
            func.max(ProgrammeItem.planned_start),
        )
        .join(Programme, Programme.id == ProgrammeItem.programme_id)
        .where(ProgrammeItem.kind == "bulletin")
        .group_by(ProgrammeItem.bulletin_id, Programme.station_id)
    )
    if bulletin_ids is not None:
        stmt = stmt.where(ProgrammeItem.bulletin_id.in_(bulletin_ids))
    else:
        stmt = stmt.where(ProgrammeItem.bulletin_id.in_(select(Delivery.bulletin_id)))
    if station_ids is not None:
        stmt = stmt.where(Programme.station_id.in_(station_ids))
    if start is not None:
        stmt = stmt.where(ProgrammeItem.planned_start >= start)
    if end is not None:
        stmt = stmt.where(ProgrammeItem.planned_start <= end)
    return {(r[0], r[1]): r[2:] for r in session.execute(stmt)}


def derive_state(stored: str, airings, planned) -> str:
    """The state shown for one delivery from its stored decision and its grouped as-run/programme rows."""
    if stored == "declined":
        return "declined"
    aired_count, _first, _last, last_failure = airings or (0, None, None, None)
    planned_count, _first_planned, last_planned = planned or (0, None, None)
    if aired_count:
        return "aired"
    if last_failure is not None and (last_planned is None or _aware(last_planned) <= _aware(last_failure)):
        return "failed"
    if planned_count:
        return "scheduled"
    return stored


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def station_states(
    session: Session,
    *,
    bulletin_ids: Iterable[int] | None = None,
    station_ids: Iterable[int] | None = None,
    start: date | datetime | None = None,
    end: date | datetime | None = None,
) -> list[dict]:
    """Every delivery of ``bulletin_ids`` (and/or to ``station_ids``) with its full state.

    ``start``/``end`` (dates or datetimes, inclusive) bound the airings and programme items counted and
    leave out deliveries made after ``end``.  On a ward user's session the deliveries are the ward's own
    (the tenancy criteria apply to every statement here).  Three statements whatever the number of rows.
    Each dict: delivery_id, bulletin_id, station_id, station_code, station_name, ward_id, ward_code,
    ward_name, level, state, stored_state, reason, decided_at, position, created_at, airings,
    first_aired_at, last_aired_at, first_scheduled_at, last_scheduled_at.
    """
    bulletin_ids = None if bulletin_ids is None else list(bulletin_ids)
    station_ids = None if station_ids is None else list(station_ids)
    start, end = _instant(start), _instant(end, end=True)
    rows = _deliveries(session, bulletin_ids, station_ids, start, end)
    if not rows:
        return []
    airings = _airings(session, bulletin_ids, station_ids, start, end)
    planned = _planned(session, bulletin_ids, station_ids, start, end)
    out = []
    for r in rows:
        key = (r.bulletin_id, r.station_id)
        aired = airings.get(key) or (0, None, None, None)
        plan = planned.get(key) or (0, None, None)
        out.append(
            {
                "delivery_id": r.id,
                "bulletin_id": r.bulletin_id,
                "station_id": r.station_id,
                "station_code": r[9],
                "station_name": r[10],
                "ward_id": r.ward_id,
                "ward_code": r[12],
                "ward_name": r[13],
                "level": r.level,
                "state": derive_state(r.state, aired, plan),
                "stored_state": r.state,
                "reason": r.reason,
                "decided_at": r.decided_at,
                "position": r.position,
                "created_at": r.created_at,
                "airings": aired[0],
                "first_aired_at": aired[1],
                "last_aired_at": aired[2],
                "first_scheduled_at": plan[1],
                "last_scheduled_at": plan[2],
            }
        )
    return out


def totals(states: list[dict]) -> dict:
    """How many target stations are in each state, and the headline "aired on N of M"."""
    counts = dict.fromkeys(STATES, 0)
    for s in states:
        counts[s["state"]] += 1
    return {"stations": len(states), "aired": counts["aired"], "by_state": counts}


__all__ = ["STATES", "derive_state", "station_states", "totals"]
