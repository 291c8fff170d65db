"""Thiết bị: the health of the station agents (online or offline since when, last heartbeat, what airs, sync,
disk, temperature, clock, outbox) with the alerts on top; a device's history and the operator's commands.
The rules are in broadcast.network (devices, health, commands)."""

from __future__ import annotations

from flask import abort, redirect, render_template, request, url_for
from flask_babel import gettext as _

from broadcast import roles
from broadcast.dates import parse_day
from broadcast.domain.models import Device
from broadcast.errors import NotFound, ValidationError
from broadcast.network import commands, health
from broadcast.network.devices import (
    check_session_code,
    event_statements,
    get_device,
    recent_commands,
    session_choices,
)

from .. import db_session, runtime_of
from ..auth import client_ip, current_db_user, roles_required
from ..forms import commit_or_flash
from ..nav import DASHBOARD_WIDGETS, N_, NAV_ITEMS, Widget
from . import bp
from .paging import paginate

READERS = (roles.OPERATOR, roles.APPROVER, roles.VIEWER)  # admin always passes; leaders see the network too
OPERATORS = (roles.OPERATOR,)
# The commands an operator sends from the page (an emergency goes out when its bulletin is approved).
PAGE_ACTIONS = ("play", "stop", "skip", "volume", "resync")
WIDGET_ALERTS = 8  # the dashboard shows the first few; the page lists them all
ALERT_LABELS = {
    "offline": N_("Mất kết nối"),
    "session_not_aired": N_("Không phát buổi"),
    "outbox_old": N_("Nhật ký chưa gửi về"),
}
EVENT_LABELS = {
    "connect": N_("Kết nối"),
    "disconnect": N_("Mất kết nối"),
    "reboot": N_("Khởi động lại"),
    "command": N_("Lệnh"),
    "refused": N_("Từ chối dữ liệu"),
}
COMMAND_LABELS = {
    "play": N_("Phát ngay một buổi"),
    "stop": N_("Dừng phát"),
    "skip": N_("Bỏ qua mục đang phát"),
    "volume": N_("Đặt âm lượng"),
    "resync": N_("Đồng bộ lại"),
    "emergency": N_("Phát khẩn cấp"),
}


def _device_or_404(code: str) -> Device:
    try:
        return get_device(db_session(), code)
    except NotFound:
        abort(404)


@bp.get("/devices")
@roles_required(*READERS)
def devices():
    rows = health.device_health(db_session(), tz=runtime_of().settings.tz)
    found = health.alerts_of(rows)
    many_wards = len({h.device.station.ward_id for h in rows}) > 1  # a province user's list: name each ward
    return render_template("admin/devices/index.html", rows=rows, alerts=found, many_wards=many_wards, **_labels())


@bp.get("/devices/<code>")
@roles_required(*READERS)
def device_detail(code: str):
    session, device = db_session(), _device_or_404(code)
    rows = health.device_health(session, station_code=device.station.code, tz=runtime_of().settings.tz)
    state = next(h for h in rows if h.device is device)
    page = paginate(*event_statements(device))
    return render_template(
        "admin/devices/detail.html",
        h=state,
        page=page,
        commands=recent_commands(session, device),
        sessions=session_choices(session, device),
        **_labels(),
    )


@bp.post("/devices/<code>/command")
@roles_required(*OPERATORS)
def device_command(code: str):
    session, device = db_session(), _device_or_404(code)
    with commit_or_flash() as outcome:
        action, args = _command_args(session, device, request.form)
        cmd = commands.queue_command(session, device.code, action, args, user=current_db_user(), ip=client_ip())
        outcome.message = _("Đã gửi lệnh #%(id)d tới thiết bị %(code)s.", id=cmd.id, code=device.code)
    return redirect(url_for("admin.device_detail", code=device.code))


def _command_args(session, device: Device, form) -> tuple[str, dict]:
    """The form's action and its arguments as queue_command takes them; it (and the checks here) refuse
    anything else with a Vietnamese sentence, before anything is queued."""
    action = form.get("action", "")
    if action not in PAGE_ACTIONS:
        raise ValidationError(_("Chọn một lệnh: phát ngay, dừng, bỏ qua, âm lượng hoặc đồng bộ lại."), field="action")
    if action == "volume":
        level = (form.get("level") or "").strip()
        return action, {"level": int(level) if level.isdigit() else level}
    if action == "play":
        day = parse_day(form.get("date"), "date")
        session_code = check_session_code(session, device, form.get("session"))
        return action, {"session": session_code, "date": day.isoformat() if day else None}
    return action, {}


def _labels() -> dict:
    return {
        "tz": runtime_of().settings.tz,
        "alert_labels": ALERT_LABELS,
        "event_labels": EVENT_LABELS,
        "command_labels": COMMAND_LABELS,
    }


def _health_widget(user):
    """Counts and alerts for the dashboard; hidden where the installation has no devices."""
    rows = [h for h in health.device_health(db_session(), tz=runtime_of().settings.tz) if h.device.revoked_at is None]
    if not rows:
        return None
    found = health.alerts_of(rows)
    online = sum(1 for h in rows if h.online)
    return {
        "online": online,
        "offline": len(rows) - online,
        "alerts": found[:WIDGET_ALERTS],
        "more": max(0, len(found) - WIDGET_ALERTS),
        "alert_labels": ALERT_LABELS,
    }


if not any(item[0] == "admin.devices" for item in NAV_ITEMS):
    NAV_ITEMS.append(("admin.devices", N_("Thiết bị"), ("admin",) + READERS))
if not any(w.template == "admin/devices/_widget.html" for w in DASHBOARD_WIDGETS):
    DASHBOARD_WIDGETS.append(Widget("admin/devices/_widget.html", _health_widget, ("admin",) + READERS, order=15))
