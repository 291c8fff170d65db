"""Jobs derived from the stations' sessions, and what each job does.

For each live station and each session in the next ``derive_days`` days
(templates by weekday, minus holidays, plus extra sessions, and any built
programme), two APScheduler date jobs in the persistent job store:

* ``prerender:STATION:DATE:SESSION`` ``prerender_min`` before, which builds
  the programme if it is not built yet (the programme engine's ``build_day``);
* ``session:STATION:DATE:SESSION`` ``preroll_s`` before the start, which
  decodes the first item, opens the sink and starts at the second.

Misfires are handled here, not by APScheduler (its grace is unlimited):
late by less than ``grace_s`` the session starts and joins where it would be
now; later it is logged ``missed``.  The unique claim of the run in the
database means nothing airs twice, whatever the clock does.
"""

from __future__ import annotations

import hashlib
import logging
from datetime import date, datetime, timedelta

from sqlalchemy import func, select

from ..bulletins.workflow import expire_overdue
from ..domain.models import DateOverride, PlayoutRun, Programme, SessionTemplate, Station
from ..domain.types import utcnow
from ..programme.build import build_day
from ..stations import station_by_code
from .claims import claim_key
from .sinks import is_live

log = logging.getLogger("broadcast.playout")

#: the service running in this process (APScheduler stores jobs as text references to the functions below)
_SERVICE = None


def set_service(service) -> None:
    global _SERVICE
    _SERVICE = service


def session_job(station_code: str, date_iso: str, session_code: str, start_iso: str) -> None:
    if _SERVICE is None:
        log.error("session job %s %s %s fired without a playout service", station_code, date_iso, session_code)
        return
    _SERVICE.fire_session(station_code, date.fromisoformat(date_iso), session_code, datetime.fromisoformat(start_iso))


def prerender_job(station_code: str, date_iso: str, session_code: str) -> None:
    if _SERVICE is None:
        return
    _SERVICE.prerender(station_code, date.fromisoformat(date_iso), session_code)


def fingerprint(session, today: date) -> str:
    """Changes whenever what the jobs derive from changes."""
    parts = [today.isoformat()]
    parts += [
        str(v)
        for v in session.execute(select(func.count(SessionTemplate.id), func.max(SessionTemplate.updated_at))).one()
    ]
    parts += [
        str(v)
        for v in session.execute(
            select(func.count(Programme.id), func.max(Programme.built_at), func.max(Programme.starts_at))
        ).one()
    ]
    parts += [str(v) for v in session.execute(select(func.count(DateOverride.id), func.max(DateOverride.id))).one()]
    parts += [f"{s.id}:{s.sink}:{s.enabled}" for s in session.scalars(select(Station).order_by(Station.id))]
    return hashlib.sha256("|".join(parts).encode()).hexdigest()


def planned_sessions(session, tz, days: list[date]) -> list[dict]:
    """Every session of every live station on ``days``: dicts with station, date, code, start, programme id."""
    out: dict[tuple, dict] = {}
    stations = session.scalars(select(Station).where(Station.enabled.is_(True))).all()
    for station in stations:
        if not is_live(station.sink):
            continue
        templates = session.scalars(
            select(SessionTemplate).where(SessionTemplate.station_id == station.id, SessionTemplate.enabled.is_(True))
        ).all()
        overrides = session.scalars(
            select(DateOverride).where(DateOverride.station_id == station.id, DateOverride.on_date.in_(days))
        ).all()
        programmes = session.scalars(
            select(Programme).where(Programme.station_id == station.id, Programme.on_date.in_(days))
        ).all()
        for day in days:
            holidays = [o for o in overrides if o.on_date == day and o.kind == "holiday"]
            whole_day_off = any(o.session_code is None for o in holidays)
            off_codes = {o.session_code for o in holidays}
            for t in templates:
                if str(day.isoweekday()) in (t.days or "") and not whole_day_off and t.code not in off_codes:
                    start = datetime.combine(day, t.start_time, tz)
                    out[(station.code, day, t.code)] = {
                        "station": station.code,
                        "station_id": station.id,
                        "date": day,
                        "code": t.code,
                        "start": start,
                    }
            for o in overrides:
                if o.on_date == day and o.kind == "extra" and o.session_code and o.start_time:
                    out[(station.code, day, o.session_code)] = {
                        "station": station.code,
                        "station_id": station.id,
                        "date": day,
                        "code": o.session_code,
                        "start": datetime.combine(day, o.start_time, tz),
                    }
        for p in programmes:
            # A built programme is the truth for its time (it may have been moved by hand).
            out[(station.code, p.on_date, p.session_code)] = {
                "station": station.code,
                "station_id": station.id,
                "date": p.on_date,
                "code": p.session_code,
                "start": p.starts_at,
                "programme_id": p.id,
            }
    return sorted(out.values(), key=lambda s: s["start"])


def derive_jobs(scheduler, runtime, config, *, now: datetime | None = None, jobstore: str = "default") -> dict:
    """Add, move or remove the session and pre-render jobs; returns counts."""
    now = now or utcnow()
    tz = runtime.settings.tz
    today = now.astimezone(tz).date()
    days = [today - timedelta(days=1)] + [today + timedelta(days=i) for i in range(config.derive_days)]
    with runtime.unit() as session:
        plans = planned_sessions(session, tz, days)
        claimed = set(session.scalars(select(PlayoutRun.claim_key).where(PlayoutRun.air_date.in_(days))))
        built = {
            (p.station_id, p.on_date, p.session_code)
            for p in session.scalars(select(Programme).where(Programme.on_date.in_(days)))
        }
    existing = {job.id: job for job in scheduler.get_jobs(jobstore=jobstore)}
    wanted: set[str] = set()
    added = moved = removed = 0
    for plan in plans:
        start = plan["start"]
        tag = f"{plan['station']}:{plan['date'].isoformat()}:{plan['code']}"
        session_id, prerender_id = f"session:{tag}", f"prerender:{tag}"
        wanted.update((session_id, prerender_id))
        key = claim_key("scheduled", plan["station_id"], plan["date"], plan["code"])
        args = [plan["station"], plan["date"].isoformat(), plan["code"], start.isoformat()]
        if key not in claimed and start > now - timedelta(seconds=config.grace_s):
            run_at = start - timedelta(seconds=config.preroll_s)
            job = existing.get(session_id)
            if job is None or list(job.args) != args:
                scheduler.add_job(
                    session_job,
                    "date",
                    run_date=run_at,
                    args=args,
                    id=session_id,
                    name=f"Phát {tag}",
                    replace_existing=True,
                    jobstore=jobstore,
                )
                added += job is None
                moved += job is not None
        if start > now and (plan["station_id"], plan["date"], plan["code"]) not in built:
            run_at = max(start - timedelta(minutes=config.prerender_min), now)
            if prerender_id not in existing:
                scheduler.add_job(
                    prerender_job,
                    "date",
                    run_date=run_at,
                    args=args[:3],
                    id=prerender_id,
                    name=f"Dựng {tag}",
                    replace_existing=True,
                    jobstore=jobstore,
                )
                added += 1
    for job_id in existing:
        if job_id.startswith(("session:", "prerender:")) and job_id not in wanted:
            try:
                scheduler.remove_job(job_id, jobstore=jobstore)
                removed += 1
            except Exception:  # already gone
                pass
    return {"sessions": len(plans), "added": added, "moved": moved, "removed": removed}


def build_programme(runtime, station_code: str, on_date: date, session_code: str) -> bool:
    """Build the day's programmes with the programme engine; True when something was built."""
    # build_day rebuilds every unlocked session of the day: never while one of them is airing or about to.
    with runtime.unit() as session:
        station = station_by_code(session, station_code, required=False)
        soon = utcnow() + timedelta(minutes=5)
        if station is not None and session.scalar(
            select(func.count(Programme.id)).where(
                Programme.station_id == station.id, Programme.on_date == on_date, Programme.starts_at <= soon
            )
        ):
            log.warning("not rebuilding %s %s: a session of that day has started or is about to", station_code, on_date)
            return False
    try:
        with runtime.unit() as session:
            expire_overdue(session, utcnow().astimezone(runtime.settings.tz).date())
            build_day(session, runtime.settings, station_code, on_date)
        return True
    except Exception as exc:  # the session job still runs with what exists
        log.warning("could not build the programme of %s %s %s: %s", station_code, on_date, session_code, exc)
        return False
