"""Crash recovery: close what a dead process left ``airing``, never delete.

A run whose process is gone (same host, pid dead) or whose heartbeat is older
than ``stale_s`` is closed ``interrupted``; its as-run rows still ``airing``
are closed ``interrupted`` with the best known end, the last heartbeat.
Runs interrupted less than the grace period ago, whose programme is not over
yet, can be resumed: they join where the programme would be now.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from sqlalchemy import select, update

from ..domain.models import AsRun, PlayoutRun, Programme
from ..domain.types import utcnow
from .items import programme_items, total_ms
from .lease import holder_alive

log = logging.getLogger("broadcast.playout")

CRASH_NOTE = "Phát bị gián đoạn (tiến trình dừng đột ngột hoặc mất điện); đóng khi khởi động lại."


def _dead(run: PlayoutRun, now: datetime, stale_s: float, me: str | None) -> bool:
    if me is not None and run.holder == me:
        return False
    alive = holder_alive(run.holder)
    if alive is False:
        return True
    if alive is True:
        return False
    beat = run.heartbeat_at or run.started_at or run.created_at
    return beat < now - timedelta(seconds=stale_s)


def close_airing_rows(session, rows, note: str = CRASH_NOTE) -> int:
    closed = 0
    for row in rows:
        end = max(row.heartbeat_at or row.actual_start, row.actual_start)
        aired = max(row.aired_ms or 0, int((end - row.actual_start).total_seconds() * 1000))
        closed += session.execute(
            update(AsRun)
            .where(AsRun.id == row.id, AsRun.status == "airing")
            .values(
                status="interrupted", actual_end=end, aired_ms=aired, note=((row.note + " ") if row.note else "") + note
            )
        ).rowcount
    return closed


def recover(runtime, *, stale_s: float = 15, me: str | None = None) -> list[int]:
    """Close dead runs and their rows; returns the ids of the runs closed."""
    now = utcnow()
    closed_runs: list[int] = []
    with runtime.unit() as session:
        for run in session.scalars(select(PlayoutRun).where(PlayoutRun.status == "running")).all():
            if not _dead(run, now, stale_s, me):
                continue
            rows = session.scalars(select(AsRun).where(AsRun.run_id == run.id, AsRun.status == "airing")).all()
            close_airing_rows(session, rows)
            last = max([r.heartbeat_at for r in rows if r.heartbeat_at] + [run.heartbeat_at or run.created_at])
            run.status = "interrupted"
            run.ended_at = last
            run.note = CRASH_NOTE
            closed_runs.append(run.id)
            log.warning(
                "recovered run %s (%s %s): %d row(s) closed as interrupted",
                run.id,
                run.air_date,
                run.session_code,
                len(rows),
            )
        # Rows airing without a live run (written by an older process or a run already closed).
        running = select(PlayoutRun.id).where(PlayoutRun.status == "running")
        orphans = session.scalars(
            select(AsRun).where(
                AsRun.status == "airing",
                (AsRun.run_id.is_(None)) | (AsRun.run_id.not_in(running)),
                AsRun.heartbeat_at < now - timedelta(seconds=stale_s),
            )
        ).all()
        close_airing_rows(session, orphans)
    return closed_runs


def resumable_runs(runtime, *, grace_s: float, now: datetime | None = None) -> list[tuple[int, int]]:
    """(run id, join_ms) for interrupted runs that can still join their programme."""
    now = now or utcnow()
    found = []
    with runtime.unit() as session:
        runs = session.scalars(
            select(PlayoutRun).where(
                PlayoutRun.status == "interrupted",
                PlayoutRun.kind.in_(("scheduled", "manual")),
                PlayoutRun.programme_id.is_not(None),
                PlayoutRun.note == CRASH_NOTE,
            )
        ).all()
        for run in runs:
            if run.ended_at is None or run.ended_at < now - timedelta(seconds=grace_s):
                continue
            programme = session.get(Programme, run.programme_id)
            start = run.scheduled_start or run.started_at
            if programme is None or start is None:
                continue
            join_ms = int((now - start).total_seconds() * 1000)
            if 0 <= join_ms < total_ms(programme_items(session, programme)):
                found.append((run.id, join_ms))
    return found
