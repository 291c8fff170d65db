"""What airs now on each station, for the operator's page, the dashboard and the API (polled every few seconds)."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from ..domain.models import AsRun, PlayoutRun, ProgrammeItem, Station
from ..domain.types import utcnow
from ..stations import public_sink
from .lease import scheduler_running
from .sinks import is_live


def _running_runs(session, ids: list[int]) -> dict[int, PlayoutRun]:
    """Each station's latest running run, by station id."""
    latest_run = (
        select(func.max(PlayoutRun.id))
        .where(PlayoutRun.station_id.in_(ids), PlayoutRun.status == "running")
        .group_by(PlayoutRun.station_id)
    )
    return {r.station_id: r for r in session.scalars(select(PlayoutRun).where(PlayoutRun.id.in_(latest_run)))}


def _airing_rows(session, runs: dict[int, PlayoutRun]) -> dict[int, AsRun]:
    """Each run's latest ``airing`` as-run row, by run id."""
    if not runs:
        return {}
    latest_row = (
        select(func.max(AsRun.id))
        .where(AsRun.run_id.in_([r.id for r in runs.values()]), AsRun.status == "airing")
        .group_by(AsRun.run_id)
    )
    return {a.run_id: a for a in session.scalars(select(AsRun).where(AsRun.id.in_(latest_row)))}


def _next_titles(session, runs: dict[int, PlayoutRun], airing: dict[int, AsRun]) -> dict[tuple[int, int], str]:
    """The title of the item after the one airing, by (programme id, position airing); one query."""
    wanted = {
        (r.programme_id, airing[r.id].position)
        for r in runs.values()
        if r.id in airing and r.programme_id is not None and airing[r.id].position is not None
    }
    if not wanted:
        return {}
    items = session.execute(
        select(ProgrammeItem.programme_id, ProgrammeItem.position, ProgrammeItem.title)
        .where(ProgrammeItem.programme_id.in_({p for p, _ in wanted}))
        .order_by(ProgrammeItem.programme_id, ProgrammeItem.position)
    ).all()
    following = {}
    for programme_id, position in wanted:
        following[(programme_id, position)] = next(
            (t for p, pos, t in items if p == programme_id and pos > position), None
        )
    return following


def _recent_errors(session, ids: list[int], now) -> dict[int, PlayoutRun]:
    """Each station's latest run of the last day that recorded an error, by station id."""
    latest_error = (
        select(func.max(PlayoutRun.id))
        .where(
            PlayoutRun.station_id.in_(ids),
            PlayoutRun.last_error.is_not(None),
            PlayoutRun.created_at >= now - timedelta(days=1),
        )
        .group_by(PlayoutRun.station_id)
    )
    return {r.station_id: r for r in session.scalars(select(PlayoutRun).where(PlayoutRun.id.in_(latest_error)))}


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
        runs = _running_runs(session, ids)
        airing = _airing_rows(session, runs)
        following = _next_titles(session, runs, airing)
        errors = _recent_errors(session, ids, now)
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
            _describe_run(info, run, airing.get(run.id), following, now)
        last = errors.get(station.id)
        if last is not None:
            info["last_error"] = {"run_id": last.id, "message": last.last_error, "at": last.heartbeat_at}
        out.append(info)
    return out


def _describe_run(info: dict, run: PlayoutRun, row: AsRun | None, following: dict, now) -> None:
    """Fill a station's ``run``, ``item`` and ``next`` from its running run and the row airing."""
    info["run"] = {
        "id": run.id,
        "kind": run.kind,
        "session_code": run.session_code,
        "started_at": run.started_at,
        "scheduled_start": run.scheduled_start,
    }
    if row is None:
        return
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
