"""Đài: stations for the operator (output, clusters, holidays and extra sessions, quiet hours) and the
admin (name, description, on/off). Users and departments: web/admin/users.py, departments.py."""

from __future__ import annotations

from datetime import timedelta

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from broadcast import station_calendar as calendar_service
from broadcast import stations as service
from broadcast import tenancy
from broadcast.domain.models import DateOverride, Station, Ward
from broadcast.domain.types import utcnow
from broadcast.errors import ValidationError
from broadcast.security import audit

from .. import db_session, runtime_of
from ..auth import client_ip, current_db_user, roles_required
from ..forms import commit_or_flash
from ..nav import N_, NAV_ITEMS
from . import bp

OPERATORS = ("operator",)  # admin always passes
NAV_ITEMS.append(("admin.stations", N_("Đài"), ("admin",) + OPERATORS))
PER_PAGE = 10


def _today():
    return utcnow().astimezone(runtime_of().settings.tz).date()


def _station_or_404(station_id: int) -> Station:
    station = db_session().get(Station, station_id)
    if station is None:
        abort(404)
    return station


def _back(station: Station | None = None):
    return redirect(url_for("admin.stations") + (f"#st-{station.code}" if station is not None else ""))


def _kept_message(kept) -> None:
    for p in kept:
        flash(
            _(
                "Buổi %(code)s ngày %(date)s đã khóa hoặc đã bắt đầu nên vẫn giữ: mở khóa rồi dựng lại ngày đó "
                "nếu không muốn phát.",
                code=p.session_code,
                date=p.on_date.strftime("%d/%m/%Y"),
            ),
            "error",
        )


@bp.get("/admin/stations")
@roles_required(*OPERATORS)
def stations():
    session = db_session()
    try:
        page_no = max(1, int(request.args.get("page") or 1))
    except ValueError:
        abort(400)
    total = session.scalar(select(func.count(Station.id))) or 0
    items = session.scalars(
        select(Station)
        .options(selectinload(Station.clusters), selectinload(Station.sessions), selectinload(Station.ward))
        .order_by(Station.code)
        .limit(PER_PAGE)
        .offset((page_no - 1) * PER_PAGE)
    ).all()
    today = _today()
    ids = [s.id for s in items]
    overrides: dict[int, list[DateOverride]] = {i: [] for i in ids}
    if ids:
        for o in session.scalars(
            select(DateOverride)
            .where(DateOverride.station_id.in_(ids), DateOverride.on_date >= today)
            .order_by(DateOverride.on_date, DateOverride.id)
        ):
            overrides[o.station_id].append(o)
    from broadcast.bulletins.queries import Page

    qs, qe = calendar_service.get_quiet_hours(session, runtime_of().settings)
    return render_template(
        "admin/stations.html",
        page=Page(list(items), total, page_no, PER_PAGE),
        overrides=overrides,
        today=today,
        public_sink=service.public_sink,
        quiet_start=qs.strftime("%H:%M"),
        quiet_end=qe.strftime("%H:%M"),
        data_dir=runtime_of().settings.data_dir,
        max_date=today + timedelta(days=400),
        # a province user sees every ward's stations, each labelled with its ward, and picks the new one's
        wards=session.scalars(select(Ward).order_by(Ward.name)).all() if tenancy.ward_id(session) is None else None,
    )


@bp.post("/admin/stations/new")
@roles_required("admin")
def station_add():
    form, station = request.form, None
    with commit_or_flash() as outcome:
        station = service.add_station(
            db_session(), current_db_user(), form.get("code"), form.get("name"), form.get("ward"), ip=client_ip()
        )
        outcome.message = _(
            "Đã thêm đài %(code)s: đặt đầu ra và khai báo các buổi phát trong tệp lịch đài.", code=station.code
        )
    return _back(station if outcome.ok else None)


@bp.post("/admin/stations")
@roles_required("admin")
def station_update():
    session = db_session()
    form = request.form
    station = None
    with commit_or_flash(also=(ValueError,)) as outcome:  # ValueError: a station_id that is not a number
        station = _station_or_404(int(form.get("station_id") or 0))
        name = (form.get("name") or "").strip()
        if not name or len(name) > 200:
            raise ValidationError(_("Tên đài không được để trống (tối đa 200 ký tự)."), field="name")
        station.name = name
        station.enabled = form.get("enabled") == "1"
        station.description = (form.get("description") or "").strip()[:2000] or None
        audit(
            session,
            "station.update",
            user=current_db_user(),
            obj=station,
            ip=client_ip(),
            detail={"name": name, "enabled": station.enabled},
        )
        outcome.message = _("Đã lưu đài %(code)s.", code=station.code)
    return _back(station)


@bp.post("/admin/stations/<int:station_id>/sink")
@roles_required(*OPERATORS)
def station_sink(station_id: int):
    session = db_session()
    station = _station_or_404(station_id)
    with commit_or_flash() as outcome:
        changed = service.set_sink(
            session, runtime_of().settings, current_db_user(), station, request.form.get("sink", ""), ip=client_ip()
        )
        outcome.message = _("Đã đổi đầu ra của đài %(code)s.", code=station.code) if changed else _("Đầu ra không đổi.")
    return _back(station)


@bp.post("/admin/stations/<int:station_id>/overrides")
@roles_required(*OPERATORS)
def station_override_add(station_id: int):
    session = db_session()
    station = _station_or_404(station_id)
    form = request.form
    with commit_or_flash() as outcome:
        row, kept = calendar_service.add_override(
            session,
            current_db_user(),
            station,
            on_date=form.get("date"),
            kind=form.get("kind", ""),
            session_code=form.get("session"),
            start=form.get("start"),
            max_minutes=form.get("max_minutes"),
            note=form.get("note"),
            today=_today(),
            ip=client_ip(),
        )
        day = row.on_date.strftime("%d/%m/%Y")
        outcome.message = (
            _("Đã đánh dấu nghỉ ngày %(date)s.", date=day)
            if row.kind == "holiday"
            else _("Đã thêm buổi phát ngày %(date)s: vào trang Chương trình để dựng buổi này.", date=day)
        )
    if outcome.ok:
        _kept_message(kept)
    return _back(station)


@bp.post("/admin/stations/<int:station_id>/overrides/<int:override_id>/delete")
@roles_required(*OPERATORS)
def station_override_delete(station_id: int, override_id: int):
    session = db_session()
    station = _station_or_404(station_id)
    with commit_or_flash(_("Đã xóa.")) as outcome:
        _row, kept = calendar_service.delete_override(session, current_db_user(), station, override_id, ip=client_ip())
    if outcome.ok:
        _kept_message(kept)
    return _back(station)


@bp.post("/admin/quiet-hours")
@roles_required(*OPERATORS)
def quiet_hours_save():
    session = db_session()
    with commit_or_flash() as outcome:
        value = calendar_service.set_quiet_hours(
            session, current_db_user(), request.form.get("start", ""), request.form.get("end", ""), ip=client_ip()
        )
        outcome.message = _("Đã lưu giờ yên tĩnh %(value)s (áp dụng khi dựng chương trình).", value=value)
    return _back()
