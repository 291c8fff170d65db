"""Phát sóng: what airs now on each station, operator controls, manual confirmation, today's as-run log."""

from __future__ import annotations

from datetime import timedelta

from flask import jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy import select

from broadcast import roles
from broadcast.domain.models import AsRun, Programme, SessionTemplate, Station
from broadcast.domain.types import utcnow
from broadcast.errors import BroadcastError
from broadcast.playout import commands, confirm, status

from .. import db_session, runtime_of
from ..auth import client_ip, current_db_user, roles_required
from ..forms import commit_or_flash
from ..nav import DASHBOARD_WIDGETS, NAV_ITEMS, Widget
from . import bp

OPERATORS = (roles.OPERATOR,)  # admin always passes
# asrun_status_text (the as-run log's states) is in web/labels.py with the other label tables.


def _today():
    return utcnow().astimezone(runtime_of().settings.tz).date()


@bp.get("/playout")
@roles_required(*OPERATORS)
def playout():
    session = db_session()
    runtime = runtime_of()
    tz = runtime.settings.tz
    today = _today()
    stations = status.now_airing(session, runtime)
    sessions = session.execute(
        select(Station.code, SessionTemplate.code, SessionTemplate.name)
        .join(SessionTemplate, SessionTemplate.station_id == Station.id)
        .order_by(Station.code, SessionTemplate.start_time)
    ).all()
    rows = session.execute(
        select(AsRun, Station.code)
        .join(Station, Station.id == AsRun.station_id)
        .where(AsRun.air_date >= today - timedelta(days=1))
        .order_by(AsRun.id.desc())
        .limit(100)
    ).all()
    pending = confirm.unconfirmed(session, runtime)
    return render_template(
        "playout/index.html",
        stations=stations,
        many_wards=len({s["ward"] for s in stations}) > 1,  # a province user's board: whose each station is
        sessions=sessions,
        rows=rows,
        tz=tz,
        today=today,
        commands=commands.recent_commands(session),
        scheduler_running=status.scheduler_state(runtime),
        unconfirmed=pending,
        station_codes={s.id: s.code for s in session.scalars(select(Station))},
    )


@bp.post("/playout/command")
@roles_required(*OPERATORS)
def playout_command():
    session = db_session()
    form = request.form
    station, session_code = form.get("station", ""), form.get("session") or None
    if form.get("station_session"):
        station, _sep, session_code = form["station_session"].partition("|")
    with commit_or_flash() as outcome:
        cmd = commands.queue_command(
            session,
            current_db_user(),
            station,
            form.get("action", ""),
            session_code=session_code,
            air_date=form.get("date") or _today(),
            ip=client_ip(),
        )
        outcome.message = _("Đã gửi lệnh #%(id)d tới bộ lập lịch phát sóng.", id=cmd.id)
    return redirect(url_for("admin.playout"))


@bp.post("/playout/confirm")
@roles_required(*OPERATORS)
def playout_confirm():
    session = db_session()
    form = request.form
    with commit_or_flash() as outcome:
        programme = session.get(Programme, int(form.get("programme", "0") or 0))
        if programme is None:
            raise BroadcastError(_("Không có chương trình này."))
        item_ids = [int(v) for v in form.getlist("items") if v.isdigit()]
        rows = confirm.confirm_manual(
            session,
            current_db_user(),
            programme.station.code,
            programme.on_date,
            programme.session_code,
            form.get("outcome", ""),
            item_ids,
            note=form.get("note"),
            ip=client_ip(),
        )
        outcome.message = _("Đã ghi %(n)d dòng vào nhật ký phát sóng.", n=len(rows))
    return redirect(url_for("admin.playout"))


@bp.get("/playout/status.json")
@roles_required(*OPERATORS, "approver")
def playout_status_json():
    """What the operator's page and the dashboard panel poll (static/live.js) every few seconds."""
    response = jsonify(status.now_airing_json(db_session(), runtime_of()))
    response.headers["Cache-Control"] = "no-store"
    return response


def _airing_widget(user):
    session = db_session()
    stations = status.now_airing(session, runtime_of())
    return {"stations": stations, "scheduler_running": status.scheduler_state(runtime_of())}


if not any(item[0] == "admin.playout" for item in NAV_ITEMS):
    NAV_ITEMS.append(("admin.playout", "Phát sóng", ("admin",) + OPERATORS))
if not any(w.template == "playout/_widget.html" for w in DASHBOARD_WIDGETS):
    DASHBOARD_WIDGETS.append(
        Widget("playout/_widget.html", _airing_widget, ("admin", "operator", "approver"), order=10, live=True)
    )
