"""What airs now on each station, for the operator's page, the dashboard and the API (polled every few seconds)."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from ..domain.models import AsRun, PlayoutRun, ProgrammeItem, Station
from ..domain.types import utcnow
from ..stations import public_sink
from .lease import scheduler_running
from .sinks import is_live


def now_airing(session, runtime) -> list[dict]:
    """Per station: what airs now (item, elapsed, next), the last output error.

    A fixed number of queries whatever the number of stations (the dashboard and
    the operator's page poll this every few seconds)."""
    now = utcnow()
    stations = list(session.scalars(select(Station).order_by(Station.code)))
    ids = [s.id for s in stations]
    runs: dict[int, PlayoutRun] = {}
    airing: dict[int, AsRun] = {}
    following: dict[tuple[int, int], str] = {}
    errors: dict[int, PlayoutRun] = {}
    if ids:
        latest_run = (
            select(func.max(PlayoutRun.id))
            .where(PlayoutRun.station_id.in_(ids), PlayoutRun.status == "running")
            .group_by(PlayoutRun.station_id)
        )
        runs = {r.station_id: r for r in session.scalars(select(PlayoutRun).where(PlayoutRun.id.in_(latest_run)))}
        if runs:
            latest_row = (
                select(func.max(AsRun.id))
                .where(AsRun.run_id.in_([r.id for r in runs.values()]), AsRun.status == "airing")
                .group_by(AsRun.run_id)
            )
            airing = {a.run_id: a for a in session.scalars(select(AsRun).where(AsRun.id.in_(latest_row)))}
            wanted = {
                (r.programme_id, airing[r.id].position)
                for r in runs.values()
                if r.id in airing and r.programme_id is not None and airing[r.id].position is not None
            }
            if wanted:
                items = session.execute(
                    select(ProgrammeItem.programme_id, ProgrammeItem.position, ProgrammeItem.title)
                    .where(ProgrammeItem.programme_id.in_({p for p, _ in wanted}))
                    .order_by(ProgrammeItem.programme_id, ProgrammeItem.position)
                ).all()
                for programme_id, position in wanted:
                    nxt = next((t for p, pos, t in items if p == programme_id and pos > position), None)
                    following[(programme_id, position)] = nxt
        latest_error = (
            select(func.max(PlayoutRun.id))
            .where(
                PlayoutRun.station_id.in_(ids),
                PlayoutRun.last_error.is_not(None),
                PlayoutRun.created_at >= now - timedelta(days=1),
            )
            .group_by(PlayoutRun.station_id)
        )
        errors = {r.station_id: r for r in session.scalars(select(PlayoutRun).where(PlayoutRun.id.in_(latest_error)))}
    out = []
    for station in stations:
        info = {
            "code": station.code,
            "name": station.name,
            "sink": public_sink(station.sink),
            "live": is_live(station.sink),
            "run": None,
            "item": None,
            "next": None,
            "last_error": None,
        }
        run = runs.get(station.id)
        if run is not None:
            info["run"] = {
                "id": run.id,
                "kind": run.kind,
                "session_code": run.session_code,
                "started_at": run.started_at,
                "scheduled_start": run.scheduled_start,
            }
            row = airing.get(run.id)
            if row is not None:
                info["item"] = {
                    "title": row.title,
                    "position": row.position,
                    "elapsed_s": max(0, int((now - row.actual_start).total_seconds())),
                    "planned_s": (row.planned_ms or 0) // 1000,
                    "kind": row.kind,
                    # a relay's upstream (its fallback's reason, if it airs, is the run's last error)
                    "upstream": row.upstream,
                }
                if run.programme_id is not None and row.position is not None:
                    info["next"] = following.get((run.programme_id, row.position))
        last = errors.get(station.id)
        if last is not None:
            info["last_error"] = {"run_id": last.id, "message": last.last_error, "at": last.heartbeat_at}
        out.append(info)
    return out


def _iso(value):
    return value.isoformat() if hasattr(value, "isoformat") else value


def now_airing_json(session, runtime) -> dict:
    """``now_airing`` as JSON-ready data (timestamps ISO 8601), with the scheduler's state and the time."""
    stations = now_airing(session, runtime)
    for s in stations:
        if s["run"]:
            s["run"] = {k: _iso(v) for k, v in s["run"].items()}
        if s["last_error"]:
            s["last_error"] = {k: _iso(v) for k, v in s["last_error"].items()}
    return {"scheduler_running": scheduler_state(runtime), "now": utcnow().isoformat(), "stations": stations}


def scheduler_state(runtime) -> bool:
    return scheduler_running(runtime)
