"""What the web admin and the API use: airing now, operator commands, manual confirmation, the as-run rows.

Commands are rows (``playout_commands``) that the scheduler process polls, so
a web process elsewhere reaches it through the database.  Every action is
audited.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from ..domain.models import AsRun, PlayoutCommand, PlayoutRun, Programme, ProgrammeItem, Station
from ..domain.types import utcnow
from ..errors import Conflict, NotFound, ValidationError
from ..security import audit
from .lease import scheduler_running
from .player import _bulletin_aired
from .sinks import is_live

ACTIONS = ("play", "stop", "skip")
OUTCOMES = ("all", "partly", "none")


def _station(session, code: str) -> Station:
    station = session.scalar(select(Station).where(Station.code == (code or "").strip().upper()))
    if station is None:
        raise NotFound(f"Không có đài {code!r}.", field="station")
    return station


def parse_day(value, field: str = "date") -> date | None:
    if value in (None, ""):
        return None
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        raise ValidationError(f"Ngày {value!r} không hợp lệ: dùng dạng YYYY-MM-DD.", field=field) from None


def _public_sink(sink: str) -> str:
    # never show the Icecast source password
    return "icecast://" + sink.split("@")[-1] if sink.startswith("icecast://") else sink


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
        latest_run = (select(func.max(PlayoutRun.id)).where(PlayoutRun.station_id.in_(ids),
                                                            PlayoutRun.status == "running")
                      .group_by(PlayoutRun.station_id))
        runs = {r.station_id: r for r in session.scalars(select(PlayoutRun).where(PlayoutRun.id.in_(latest_run)))}
        if runs:
            latest_row = (select(func.max(AsRun.id)).where(AsRun.run_id.in_([r.id for r in runs.values()]),
                                                           AsRun.status == "airing").group_by(AsRun.run_id))
            airing = {a.run_id: a for a in session.scalars(select(AsRun).where(AsRun.id.in_(latest_row)))}
            wanted = {(r.programme_id, airing[r.id].position) for r in runs.values()
                      if r.id in airing and r.programme_id is not None and airing[r.id].position is not None}
            if wanted:
                items = session.execute(select(ProgrammeItem.programme_id, ProgrammeItem.position,
                                               ProgrammeItem.title)
                                        .where(ProgrammeItem.programme_id.in_({p for p, _ in wanted}))
                                        .order_by(ProgrammeItem.programme_id, ProgrammeItem.position)).all()
                for programme_id, position in wanted:
                    nxt = next((t for p, pos, t in items if p == programme_id and pos > position), None)
                    following[(programme_id, position)] = nxt
        latest_error = (select(func.max(PlayoutRun.id)).where(PlayoutRun.station_id.in_(ids),
                                                              PlayoutRun.last_error.is_not(None),
                                                              PlayoutRun.created_at >= now - timedelta(days=1))
                        .group_by(PlayoutRun.station_id))
        errors = {r.station_id: r for r in session.scalars(select(PlayoutRun).where(PlayoutRun.id.in_(latest_error)))}
    out = []
    for station in stations:
        info = {"code": station.code, "name": station.name, "sink": _public_sink(station.sink),
                "live": is_live(station.sink), "run": None, "item": None, "next": None, "last_error": None}
        run = runs.get(station.id)
        if run is not None:
            info["run"] = {"id": run.id, "kind": run.kind, "session_code": run.session_code,
                           "started_at": run.started_at, "scheduled_start": run.scheduled_start}
            row = airing.get(run.id)
            if row is not None:
                info["item"] = {"title": row.title, "position": row.position,
                                "elapsed_s": max(0, int((now - row.actual_start).total_seconds())),
                                "planned_s": (row.planned_ms or 0) // 1000, "kind": row.kind}
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


def queue_command(session, user, station_code: str, action: str, *, session_code: str | None = None,
                  air_date=None, ip: str | None = None) -> PlayoutCommand:
    if action not in ACTIONS:
        raise ValidationError(f"Lệnh {action!r} không hợp lệ: chọn play, stop hoặc skip.", field="action")
    station = _station(session, station_code)
    if not is_live(station.sink):
        raise Conflict(f"Đài {station.code} nhận chương trình bằng tệp xuất, không điều khiển phát trực tiếp được; "
                       "hãy xác nhận đã phát.")
    day = parse_day(air_date)
    if action == "play":
        if not session_code:
            raise ValidationError("Chọn buổi phát cần phát ngay.", field="session")
        day = day or utcnow().date()
        exists = session.scalar(select(Programme.id).where(Programme.station_id == station.id,
                                                           Programme.on_date == day,
                                                           Programme.session_code == session_code))
        if exists is None:
            raise NotFound(f"Chưa có chương trình buổi {session_code} ngày {day:%d/%m/%Y} của đài {station.code}.",
                           field="session")
    cmd = PlayoutCommand(station_id=station.id, action=action, session_code=session_code, air_date=day,
                         created_by_id=user.id if user is not None else None)
    session.add(cmd)
    session.flush()
    audit(session, f"playout.{action}", user=user, obj=cmd,
          detail={"station": station.code, "session": session_code, "date": day.isoformat() if day else None},
          ip=ip)
    return cmd


def recent_commands(session, limit: int = 10) -> list[PlayoutCommand]:
    return list(session.scalars(select(PlayoutCommand).order_by(PlayoutCommand.id.desc()).limit(limit)))


def unconfirmed(session, runtime, days: int = 7) -> list[Programme]:
    """Programmes of export-fed stations, already past, that nobody has confirmed yet."""
    now = utcnow()
    today = now.astimezone(runtime.settings.tz).date()
    stations = [s.id for s in session.scalars(select(Station)) if not is_live(s.sink)]
    if not stations:
        return []
    confirmed = select(AsRun.programme_id).where(AsRun.source == "manual", AsRun.programme_id.is_not(None))
    return list(session.scalars(select(Programme).where(
        Programme.station_id.in_(stations), Programme.on_date >= today - timedelta(days=days),
        Programme.starts_at <= now, Programme.id.not_in(confirmed))
        .options(selectinload(Programme.items)).order_by(Programme.starts_at)))


def confirm_manual(session, user, station_code: str, on_date, session_code: str, outcome: str,
                   item_ids: list[int] | None = None, note: str | None = None, ip: str | None = None) -> list[AsRun]:
    """An export-fed station's operator says the session aired all, partly or not at all."""
    if outcome not in OUTCOMES:
        raise ValidationError("Chọn: đã phát hết, phát một phần, hoặc không phát.", field="outcome")
    station = _station(session, station_code)
    day = parse_day(on_date)
    if day is None:
        raise ValidationError("Thiếu ngày của buổi phát.", field="date")
    programme = session.scalar(select(Programme).where(Programme.station_id == station.id, Programme.on_date == day,
                                                       Programme.session_code == session_code))
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
        row = AsRun(station_id=station.id, programme_id=programme.id, programme_item_id=item.id,
                    session_code=session_code, air_date=day, position=item.position, kind=item.kind,
                    bulletin_id=item.bulletin_id, title=(item.title or (bulletin.title if bulletin else ""))[:300],
                    category_code=item.category_code or (bulletin.category.code if bulletin else None),
                    department_code=bulletin.department.code if bulletin else None,
                    scheduled_start=item.planned_start, actual_start=item.planned_start,
                    actual_end=item.planned_start + timedelta(milliseconds=item.duration_ms if aired else 0),
                    planned_ms=item.duration_ms, aired_ms=item.duration_ms if aired else 0,
                    status="aired" if aired else "missed", source="manual", sink="export",
                    note=((note or "").strip() or None) if aired else
                    ("Cán bộ đài xác nhận không phát." + (f" {note.strip()}" if note and note.strip() else "")))
        session.add(row)
        rows.append(row)
        if aired and item.bulletin_id:
            session.flush()
            _bulletin_aired(session, item.bulletin_id)
    session.flush()
    audit(session, "playout.confirm", user=user, obj=programme,
          detail={"station": station.code, "date": day.isoformat(), "session": session_code, "outcome": outcome,
                  "items": sorted(chosen)}, ip=ip)
    return rows


def as_run_dict(row: AsRun, station_code: str | None = None) -> dict:
    return {
        "id": row.id, "station": station_code, "run_id": row.run_id, "air_date": row.air_date.isoformat(),
        "session": row.session_code, "position": row.position, "kind": row.kind, "title": row.title,
        "bulletin_id": row.bulletin_id, "category": row.category_code, "department": row.department_code,
        "scheduled_start": row.scheduled_start.isoformat() if row.scheduled_start else None,
        "actual_start": row.actual_start.isoformat(),
        "actual_end": row.actual_end.isoformat() if row.actual_end else None,
        "planned_ms": row.planned_ms, "aired_ms": row.aired_ms, "lateness_ms": row.lateness_ms,
        "status": row.status, "source": row.source, "sink": row.sink, "note": row.note,
    }


def airtime(session, *, station: str | None = None, date_from=None, date_to=None, limit: int = 5000) -> list[dict]:
    query = select(AsRun, Station.code).join(Station, Station.id == AsRun.station_id)
    if station:
        query = query.where(AsRun.station_id == _station(session, station).id)
    start, end = parse_day(date_from, "from"), parse_day(date_to, "to")
    if start and end and start > end:
        raise ValidationError("Ngày bắt đầu sau ngày kết thúc.", field="from")
    if start:
        query = query.where(AsRun.air_date >= start)
    if end:
        query = query.where(AsRun.air_date <= end)
    rows = session.execute(query.order_by(AsRun.actual_start, AsRun.id).limit(limit)).all()
    return [as_run_dict(row, code) for row, code in rows]
