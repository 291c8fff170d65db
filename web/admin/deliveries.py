"""Province bulletins sent down: the ward's queue (accept, decline with a reason, order a priority item) and
the province's delivery board of one bulletin (per target station, grouped by ward, refreshed live by
web/static/deliveries.js).  The rules are in broadcast.province."""

from __future__ import annotations

from flask import abort, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _

from broadcast import roles
from broadcast.bulletins import service
from broadcast.errors import BroadcastError
from broadcast.province import board, decisions
from broadcast.province.deliveries import station_states

from .. import db_session
from ..auth import current_db_user, roles_required
from ..forms import commit_or_flash
from ..nav import ALL_ROLES, N_, NAV_ITEMS
from . import bp

READERS = (roles.OPERATOR, roles.APPROVER, roles.VIEWER)  # admin always passes
DECIDERS = (roles.OPERATOR,)

NAV_ITEMS.append(("admin.delivery_queue", N_("Tin của tỉnh"), READERS))


def _delivery_or_404(delivery_id: int):
    try:
        return decisions.get_delivery(db_session(), delivery_id)
    except BroadcastError:
        abort(404)


def _bulletin_or_404(bulletin_id: int):
    try:
        return service.get_visible(db_session(), current_db_user(), bulletin_id)
    except BroadcastError:
        abort(404)


@bp.get("/deliveries")
@roles_required(*READERS)
def delivery_queue():
    session = db_session()
    rows = decisions.queue(session)
    states = station_states(session, bulletin_ids={r["bulletin"].id for r in rows}) if rows else []
    shown = {s["delivery_id"]: s for s in states}
    return render_template(
        "deliveries/queue.html", rows=rows, shown=shown, labels=decisions.STATE_LABELS, can_decide=_can_decide()
    )


def _can_decide() -> bool:
    return current_db_user().role in DECIDERS + (roles.ADMIN,)


@bp.post("/deliveries/<int:delivery_id>/accept")
@roles_required(*DECIDERS)
def delivery_accept(delivery_id: int):
    delivery = _delivery_or_404(delivery_id)
    with commit_or_flash(_("Đã nhận phát tin của tỉnh tại đài %(code)s.", code=delivery.station.code)):
        decisions.accept(db_session(), delivery, current_db_user())
    return redirect(url_for("admin.delivery_queue"))


@bp.post("/deliveries/<int:delivery_id>/decline")
@roles_required(*DECIDERS)
def delivery_decline(delivery_id: int):
    delivery = _delivery_or_404(delivery_id)
    with commit_or_flash(_("Đã từ chối phát tin của tỉnh tại đài %(code)s.", code=delivery.station.code)):
        decisions.decline(db_session(), delivery, current_db_user(), request.form.get("reason"))
    return redirect(url_for("admin.delivery_queue"))


@bp.post("/deliveries/<int:delivery_id>/position")
@roles_required(*DECIDERS)
def delivery_position(delivery_id: int):
    delivery = _delivery_or_404(delivery_id)
    raw = (request.form.get("position") or "").strip()
    with commit_or_flash(_("Đã lưu thứ tự của tin ưu tiên."), also=(ValueError,)):
        decisions.set_position(db_session(), delivery, current_db_user(), int(raw) if raw else None)
    return redirect(url_for("admin.delivery_queue"))


@bp.get("/bulletins/<int:bulletin_id>/deliveries")
@roles_required(*ALL_ROLES)
def delivery_board(bulletin_id: int):
    bulletin = _bulletin_or_404(bulletin_id)
    data = board.board(db_session(), bulletin)
    return render_template("deliveries/board.html", b=bulletin, data=data, labels=decisions.STATE_LABELS)


@bp.get("/bulletins/<int:bulletin_id>/deliveries.json")
@roles_required(*ALL_ROLES)
def delivery_board_json(bulletin_id: int):
    """What deliveries.js polls: the same dict as GET /api/v1/bulletins/{id}/deliveries."""
    return jsonify(board.board(db_session(), _bulletin_or_404(bulletin_id)))
