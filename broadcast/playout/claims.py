"""Run claims: the database row that makes sure nothing airs twice.

Every airing (a scheduled session, an operator's "play now", an emergency on
one station) first inserts a ``playout_runs`` row under a unique claim key;
the insert that loses the race gets nothing and does not air.  The key
formats are stored in existing rows, so they never change:
``sched:STATION_ID:DATE:SESSION``, ``emergency:BULLETIN_ID:STATION_ID``,
``manual:STATION_ID:WHAT``.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import update
from sqlalchemy.exc import IntegrityError

from ..domain.models import PlayoutRun
from ..domain.types import utcnow

#: claim kind -> the key's prefix (``scheduled`` keys were always ``sched:``)
PREFIXES = {"scheduled": "sched", "emergency": "emergency", "manual": "manual", "live": "live"}


def claim_key(kind: str, *parts) -> str:
    """``claim_key("scheduled", station_id, day, "sang")`` -> ``sched:1:2025-10-01:sang``;
    ``claim_key("emergency", bulletin_id, station_id)``; ``claim_key("manual", station_id, command_id)``."""
    return ":".join([PREFIXES[kind], *(p.isoformat() if isinstance(p, date) else str(p) for p in parts)])


def claim_run(
    runtime,
    *,
    station_id: int,
    claim_key: str,
    kind: str,
    air_date: date,
    session_code: str | None,
    programme_id: int | None,
    scheduled_start: datetime | None,
    holder: str,
    sink: str | None,
    bulletin_id: int | None = None,
    status: str = "running",
    note: str | None = None,
) -> int | None:
    """Insert the run row under its unique claim key; None when it is already claimed (no double airing)."""
    with runtime.unit() as session:
        run = PlayoutRun(
            claim_key=claim_key,
            station_id=station_id,
            kind=kind,
            air_date=air_date,
            session_code=session_code,
            programme_id=programme_id,
            scheduled_start=scheduled_start,
            holder=holder,
            sink=sink,
            status=status,
            bulletin_id=bulletin_id,
            note=note,
            started_at=utcnow() if status == "running" else None,
            heartbeat_at=utcnow(),
        )
        session.add(run)
        try:
            session.flush()
        except IntegrityError:
            session.rollback()
            return None
        return run.id


def reclaim_run(runtime, run_id: int, holder: str) -> bool:
    """Take over an ``interrupted`` run to resume it; only one process can win."""
    with runtime.unit() as session:
        return (
            session.execute(
                update(PlayoutRun)
                .where(PlayoutRun.id == run_id, PlayoutRun.status == "interrupted")
                .values(status="running", holder=holder, heartbeat_at=utcnow(), attempts=PlayoutRun.attempts + 1)
            ).rowcount
            == 1
        )
