"""Pages: a station's daily programme (timeline, edits, preview, export) and its week."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

from flask import abort, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from sqlalchemy import bindparam, func, select
from sqlalchemy.orm import selectinload

from broadcast import roles
from broadcast.bulletins.workflow import expire_overdue
from broadcast.domain.models import Bulletin, Category, Programme, ProgrammeItem, Station
from broadcast.domain.types import utcnow
from broadcast.errors import BroadcastError
from broadcast.programme import edit
from broadcast.programme.build import build_day, day_programmes
from broadcast.programme.calendar import WEEKDAYS_VI, parse_date, sessions_on, sessions_on_enabled
from broadcast.programme.export import export_day, session_preview
from broadcast.programme.fill import AIRABLE_STATUSES, fmt_ms
from broadcast.province.targets import airs_at_clause
from broadcast.relay.sources import list_sources
from broadcast.stations import station_by_code

from .. import db_session, runtime_of
from ..auth import current_db_user, roles_required
from ..forms import commit_or_flash, error_text
from ..nav import ALL_ROLES, DASHBOARD_WIDGETS, NAV_ITEMS, Widget
from . import bp

EDIT_ROLES = roles.EDIT_ROLES  # admin always passes


def _settings():
    return runtime_of().settings


def _today() -> date:
    return utcnow().astimezone(_settings().tz).date()


def _stations():
    return list(db_session().scalars(select(Station).where(Station.enabled.is_(True)).order_by(Station.code)))


def _station_and_date(*, strict: bool = False):
    """The stations, the station asked for and the date. A page that only shows falls back to the first station
    on a bad code; a change or a download (``strict``) raises instead, so it never acts on another station."""
    stations = _stations()
    code = request.values.get("station") or (stations[0].code if stations else None)
    if code is None:
        abort(404)
    try:
        # the list already holds the enabled stations: look one up again only for another spelling or a
        # disabled station (station_by_code forgives case and spaces, and finds those too)
        station = next((s for s in stations if s.code == code), None) or station_by_code(db_session(), code)
        on = parse_date(request.values.get("date")) if request.values.get("date") else _today()
    except BroadcastError as exc:
        if strict:
            raise
        flash(error_text(exc), "error")
        station, on = stations[0] if stations else None, _today()
        if station is None:
            abort(404)
    return stations, station, on


def _can_edit() -> bool:
    user = current_db_user()
    return user is not None and (user.role in EDIT_ROLES or user.role == "admin")


def _back(station: str, on: date, view: str = "admin.programmes"):
    return redirect(url_for(view, station=station, date=on.isoformat()))


def _airable(session, station: Station, on: date) -> list:
    """Id and title of the bulletins that may air at ``station`` on ``on``, by title: what an editor may
    insert (the form needs nothing else, and whole bulletins for hundreds of options cost milliseconds)."""
    return list(
        session.execute(
            select(Bulletin.id, Bulletin.title)
            .where(Bulletin.status.in_(AIRABLE_STATUSES), Bulletin.valid_from <= on, Bulletin.valid_until >= on)
            .where(airs_at_clause(station))  # the ward's own for this station, or the province's it accepted
            .order_by(Bulletin.title, Bulletin.id)
        )
    )


def _insertable(airable: list, p: Programme) -> list:
    have = {i.bulletin_id for i in p.items}
    return [b for b in airable if b.id not in have]


def _day_programmes(session, station: Station, on: date) -> list[Programme]:
    """The day's programmes with their items and the items' bulletins (a row shows its priority): three
    queries however many items."""
    return list(
        session.scalars(
            select(Programme)
            .where(Programme.station_id == station.id, Programme.on_date == on)
            .options(selectinload(Programme.items).selectinload(ProgrammeItem.bulletin))
            .order_by(Programme.starts_at)
        )
    )


def _fallback_assets(settings) -> list[str]:
    return sorted(p.name for p in Path(settings.assets_dir).glob("*.mp3"))


@bp.get("/programmes")
@roles_required()
def programmes():
    session, settings = db_session(), _settings()
    stations, station, on = _station_and_date()
    built = {p.session_code: p for p in _day_programmes(session, station, on)}
    specs = sessions_on(session, station, on)
    cat_names = dict(session.execute(select(Category.code, Category.name)).all())
    can_edit = _can_edit()
    # the insert forms live inside built sessions: nothing built, nothing to offer (and nothing to load);
    # every session of the page has the same station and date, so one query finds what may be inserted
    editing = can_edit and bool(built)
    airable = _airable(session, station, on) if editing else []
    sessions = []
    for spec in specs:
        p = built.pop(spec.code, None)
        sessions.append({"spec": spec, "p": p, "insertable": _insertable(airable, p) if p and can_edit else []})
    for p in built.values():  # built earlier, no longer in the calendar (e.g. locked before a holiday)
        sessions.append({"spec": None, "p": p, "insertable": []})
    relay_sources = list_sources(session, enabled_only=True) if editing else []
    return render_template(
        "admin/programmes/day.html",
        stations=stations,
        station=station,
        on=on,
        sessions=sessions,
        tz=settings.tz,
        fmt_ms=fmt_ms,
        cat_names=cat_names,
        weekday=WEEKDAYS_VI[on.isoweekday() - 1],
        can_edit=can_edit,
        relay_sources=relay_sources,
        fallback_assets=_fallback_assets(settings) if relay_sources else [],
        prev_day=on - timedelta(days=1),
        next_day=on + timedelta(days=1),
    )


@bp.get("/programmes/week")
@roles_required()
def programmes_week():
    session = db_session()
    stations, station, on = _station_and_date()
    monday = on - timedelta(days=on.isoweekday() - 1)
    days = []
    for n in range(7):
        d = monday + timedelta(days=n)
        built = {p.session_code: p for p in day_programmes(session, station, d)}
        rows = []
        for spec in sessions_on(session, station, d):
            p = built.get(spec.code)
            rows.append(
                {
                    "code": spec.code,
                    "name": spec.name,
                    "start": spec.start,
                    "p": p,
                    "total": sum(i.duration_ms for i in p.items) if p else 0,
                    "max": spec.max_duration_s * 1000,
                    "bulletins": sum(1 for i in p.items if i.kind == "bulletin") if p else 0,
                }
            )
        days.append({"date": d, "weekday": WEEKDAYS_VI[d.isoweekday() - 1], "rows": rows})
    return render_template(
        "admin/programmes/week.html",
        stations=stations,
        station=station,
        on=on,
        days=days,
        fmt_ms=fmt_ms,
        prev_week=monday - timedelta(days=7),
        next_week=monday + timedelta(days=7),
        today=_today(),
    )


@bp.post("/programmes/build")
@roles_required(*EDIT_ROLES)
def programmes_build():
    session, settings = db_session(), _settings()
    try:
        _stations_list, station, on = _station_and_date(strict=True)
    except BroadcastError as exc:  # another ward's station is as unknown as a missing one: nothing is built
        flash(error_text(exc), "error")
        return redirect(url_for("admin.programmes"))
    with commit_or_flash() as outcome:
        expire_overdue(session, _today())  # bulletins whose window has ended leave the approved pool first
        result = build_day(session, settings, station.code, on, actor=current_db_user())
        outcome.message = (
            _("Đã dựng chương trình: %(n)s buổi.", n=len(result)) if result else _("Ngày này không có buổi phát nào.")
        )
    return _back(station.code, on)


def _programme_or_404(programme_id: int) -> Programme:
    p = db_session().scalar(
        select(Programme)
        .where(Programme.id == programme_id)
        .options(selectinload(Programme.items), selectinload(Programme.station))
    )
    if p is None:
        abort(404)
    return p


def _edit(programme_id: int, fn, ok: str):
    session, settings = db_session(), _settings()
    p = _programme_or_404(programme_id)
    code, on = p.station.code, p.on_date
    with commit_or_flash(ok):
        fn(session, settings, p)
    return redirect(url_for("admin.programmes", station=code, date=on.isoformat()) + f"#s-{programme_id}")


@bp.post("/programmes/<int:programme_id>/lock")
@roles_required(*EDIT_ROLES)
def programme_lock(programme_id):
    locked = request.form.get("locked", "1") == "1"
    return _edit(
        programme_id,
        lambda s, st, p: edit.set_locked(s, st, p.id, locked, actor=current_db_user()),
        _("Đã khóa buổi phát.") if locked else _("Đã mở khóa buổi phát."),
    )


@bp.post("/programmes/<int:programme_id>/items/<int:item_id>/move")
@roles_required(*EDIT_ROLES)
def programme_item_move(programme_id, item_id):
    step = -1 if request.form.get("direction") == "up" else 1
    if request.form.get("position"):
        try:
            to = int(request.form["position"])
        except ValueError:
            abort(400)
        return _edit(
            programme_id,
            lambda s, st, p: edit.move_item(s, st, p.id, item_id, to, actor=current_db_user()),
            _("Đã chuyển mục."),
        )
    return _edit(
        programme_id,
        lambda s, st, p: edit.move_step(s, st, p.id, item_id, step, actor=current_db_user()),
        _("Đã chuyển mục."),
    )


@bp.post("/programmes/<int:programme_id>/items/<int:item_id>/remove")
@roles_required(*EDIT_ROLES)
def programme_item_remove(programme_id, item_id):
    return _edit(
        programme_id,
        lambda s, st, p: edit.remove_item(s, st, p.id, item_id, actor=current_db_user()),
        _("Đã bỏ mục khỏi buổi."),
    )


@bp.post("/programmes/<int:programme_id>/insert")
@roles_required(*EDIT_ROLES)
def programme_insert(programme_id):
    try:
        bulletin_id = int(request.form.get("bulletin_id", ""))
        position = int(request.form["position"]) if request.form.get("position") else None
    except ValueError:
        flash(_("Chọn một tin bài để chèn."), "error")
        p = _programme_or_404(programme_id)
        return _back(p.station.code, p.on_date)
    return _edit(
        programme_id,
        lambda s, st, p: edit.insert_bulletin(s, st, p.id, bulletin_id, position=position, actor=current_db_user()),
        _("Đã chèn tin vào buổi."),
    )


@bp.post("/programmes/<int:programme_id>/insert-relay")
@roles_required(*EDIT_ROLES)
def programme_insert_relay(programme_id):
    form = request.form
    raw = {"source": form.get("source"), "minutes": form.get("minutes"), "fallback": form.get("fallback") or "skip"}
    position = int(form["position"]) if form.get("position", "").isdigit() else None
    return _edit(
        programme_id,
        lambda s, st, p: edit.insert_relay(s, st, p.id, raw, position=position, actor=current_db_user()),
        _("Đã chèn tiếp sóng vào buổi."),
    )


def _safe_audio(path: str | None) -> Path:
    settings = _settings()
    if not path:
        abort(404)
    real = Path(path).resolve()
    roots = [Path(settings.data_dir).resolve(), Path(settings.assets_dir).resolve()]
    if not real.is_file() or not any(real.is_relative_to(r) for r in roots):
        abort(404)
    return real


@bp.get("/programmes/items/<int:item_id>/audio")
@roles_required()
def programme_item_audio(item_id):
    item = db_session().get(ProgrammeItem, item_id)
    if item is None:
        abort(404)
    return send_file(_safe_audio(item.audio_path), mimetype="audio/mpeg", conditional=True)


@bp.get("/programmes/<int:programme_id>/preview")
@roles_required()
def programme_preview(programme_id):
    p = _programme_or_404(programme_id)
    try:
        path = session_preview(_settings(), p)
    except BroadcastError as exc:
        return exc.message, 409
    return send_file(path, mimetype="audio/mpeg", conditional=True)


@bp.get("/programmes/export")
@roles_required(*EDIT_ROLES)
def programmes_export():
    session, settings = db_session(), _settings()
    try:
        _stations_list, station, on = _station_and_date(strict=True)
    except BroadcastError as exc:
        flash(error_text(exc), "error")
        return redirect(url_for("admin.programmes"))
    try:
        result = export_day(session, settings, station.code, on)
    except BroadcastError as exc:
        flash(error_text(exc), "error")
        return _back(station.code, on)
    return send_file(
        result.zip_path, mimetype="application/zip", as_attachment=True, download_name=result.zip_path.name
    )


# --- dashboard widget: today's sessions per station ------------------------------


# Built once: the dashboard shows this panel on every visit. Each programme of a day with its items' total
# length: the panel needs no item itself.
_DAY_TOTALS = (
    select(
        Programme.station_id,
        Programme.session_code,
        Programme.locked,
        Programme.warnings,
        func.coalesce(func.sum(ProgrammeItem.duration_ms), 0).label("total"),
    )
    .outerjoin(ProgrammeItem, ProgrammeItem.programme_id == Programme.id)
    .where(Programme.on_date == bindparam("on"))
    .group_by(Programme.id)
)


def _today_widget(user):
    session = db_session()
    on = _today()
    rows = []
    # three queries whatever the number of stations and items: sessions, overrides, programmes' totals
    stations = sessions_on_enabled(session, on)
    built = {(p.station_id, p.session_code): p for p in session.execute(_DAY_TOTALS, {"on": on})} if stations else {}
    for station_id, code, specs in stations:
        for spec in specs:
            p = built.get((station_id, spec.code))
            rows.append(
                {
                    "station": {"code": code},
                    "code": spec.code,
                    "name": spec.name,
                    "start": spec.start,
                    "p": {"locked": p.locked} if p else None,
                    "total": p.total if p else 0,
                    "max": spec.max_duration_s * 1000,
                    "warnings": len(p.warnings or []) if p else 0,
                }
            )
    return {"rows": rows, "on": on, "fmt_ms": fmt_ms}


if not any(item[0] == "admin.programmes" for item in NAV_ITEMS):
    NAV_ITEMS.append(("admin.programmes", "Chương trình", ALL_ROLES))
if not any(w.template == "admin/programmes/_today_widget.html" for w in DASHBOARD_WIDGETS):
    DASHBOARD_WIDGETS.append(Widget("admin/programmes/_today_widget.html", _today_widget, ALL_ROLES, order=20))
