"""What airs now on each station, for the operator's page, the dashboard and the API (polled every few seconds)."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import bindparam, func, or_, select

from ..domain.models import AsRun, PlayoutRun, ProgrammeItem, SchedulerLease, Station, Ward
from ..domain.types import utcnow
from ..stations import public_sink
from .lease import LEASE_NAME, holder_alive
from .sinks import is_live

# Built once: the dashboard, the operator's page and their five-second polls ask for these all the time,
# and composing the statements again each time cost more than running them.
# Each station's ward comes along: a province user's board mixes wards and says whose each station is.
_STATIONS = (
    select(Station.id, Station.code, Station.name, Station.sink, Ward.code.label("ward"), Ward.name.label("ward_name"))
    .join(Ward, Ward.id == Station.ward_id)
    .order_by(Station.code)
)
# Each station's latest running run and its latest run of the last day that recorded an error, in one
# query (every station is wanted: no filter on station).
_RUNS = select(PlayoutRun).where(
    or_(
        PlayoutRun.id.in_(
            select(func.max(PlayoutRun.id)).where(PlayoutRun.status == "running").group_by(PlayoutRun.station_id)
        ),
        PlayoutRun.id.in_(
            select(func.max(PlayoutRun.id))
            .where(PlayoutRun.last_error.is_not(None), PlayoutRun.created_at >= bindparam("since"))
            .group_by(PlayoutRun.station_id)
        ),
    )
)
_AIRING = select(AsRun).where(
    AsRun.id.in_(
        select(func.max(AsRun.id))
        .where(AsRun.run_id.in_(bindparam("runs", expanding=True)), AsRun.status == "airing")
        .group_by(AsRun.run_id)
    )
)
_LEASE = select(SchedulerLease.holder, SchedulerLease.expires_at).where(SchedulerLease.name == LEASE_NAME)


def _runs(session, since) -> tuple[dict[int, PlayoutRun], dict[int, PlayoutRun]]:
    """By station id: the latest running run, and the latest run since ``since`` that recorded an error."""
    running: dict[int, PlayoutRun] = {}
    errors: dict[int, PlayoutRun] = {}
    # A row may answer both questions, or be another station's answer to the other one: the highest id
    # that meets each condition is that condition's answer.
    for run in session.scalars(_RUNS, {"since": since}):
        if run.status == "running" and run.id > getattr(running.get(run.station_id), "id", 0):
            running[run.station_id] = run
        recent_error = run.last_error is not None and run.created_at >= since
        if recent_error and run.id > getattr(errors.get(run.station_id), "id", 0):
            errors[run.station_id] = run
    return running, errors


def _airing_rows(session, runs: dict[int, PlayoutRun]) -> dict[int, AsRun]:
    """Each run's latest ``airing`` as-run row, by run id."""
    if not runs:
        return {}
    return {a.run_id: a for a in session.scalars(_AIRING, {"runs": [r.id for r in runs.values()]})}


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


def now_airing(session, runtime) -> list[dict]:
    """Per station: what airs now (item, elapsed, next), the last output error.

    A fixed number of queries whatever the number of stations (the dashboard and
    the operator's page poll this every few seconds)."""
    now = utcnow()
    stations = session.execute(_STATIONS).all()
    runs: dict[int, PlayoutRun] = {}
    airing: dict[int, AsRun] = {}
    following: dict[tuple[int, int], str] = {}
    errors: dict[int, PlayoutRun] = {}
    if stations:
        runs, errors = _runs(session, now - timedelta(days=1))
        airing = _airing_rows(session, runs)
        following = _next_titles(session, runs, airing)
    out = []
    for station in stations:
        info = {
            "code": station.code,
            "name": station.name,
            "ward": station.ward,
            "ward_name": station.ward_name,
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
    """Whether a scheduler holds the lease now, as ``lease.scheduler_running`` decides, read on one pooled
    connection: every dashboard visit and every poll asks, and a whole unit of work (a new ORM session,
    its transaction and commit) cost more than the question."""
    with runtime.engine.connect() as conn:
        row = conn.execute(_LEASE).first()
    return row is not None and row.expires_at > utcnow() and holder_alive(row.holder) is not False
