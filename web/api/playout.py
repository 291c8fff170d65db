"""Airtime (the as-run log) and playout controls."""

from __future__ import annotations

from flask import jsonify, request

from broadcast import roles
from broadcast.errors import ValidationError
from broadcast.playout import asrun_list, commands, confirm, status

from .. import db_session, runtime_of
from ..auth import api_roles_required, client_ip, current_db_user
from . import bp
from .body import json_body

OPERATORS = (roles.OPERATOR,)  # admin always passes


@bp.get("/airtime")
@api_roles_required()
def airtime():
    args = request.args
    items = asrun_list.airtime(
        db_session(), station=args.get("station") or None, date_from=args.get("from"), date_to=args.get("to")
    )
    return jsonify(items=items)


@bp.get("/playout/status")
@api_roles_required(*OPERATORS, "approver")
def playout_status():
    return jsonify(status.now_airing_json(db_session(), runtime_of()))


@bp.post("/playout/commands")
@api_roles_required(*OPERATORS)
def playout_command():
    body = json_body()
    session = db_session()
    cmd = commands.queue_command(
        session,
        current_db_user(),
        str(body.get("station", "")),
        str(body.get("action", "")),
        session_code=body.get("session"),
        air_date=body.get("date"),
        ip=client_ip(),
    )
    session.commit()
    return jsonify(id=cmd.id, status=cmd.status, action=cmd.action), 202


@bp.get("/playout/commands/<int:command_id>")
@api_roles_required(*OPERATORS)
def playout_command_status(command_id: int):
    from broadcast.domain.models import PlayoutCommand
    from broadcast.errors import NotFound

    cmd = db_session().get(PlayoutCommand, command_id)
    if cmd is None:
        raise NotFound("Không có lệnh này.")
    return jsonify(id=cmd.id, action=cmd.action, status=cmd.status, result=cmd.result)


@bp.post("/playout/confirm")
@api_roles_required(*OPERATORS)
def playout_confirm():
    body = json_body()
    session = db_session()
    items = body.get("items") or []
    if not isinstance(items, list) or not all(isinstance(i, int) for i in items):
        raise ValidationError("items phải là danh sách mã mục (số nguyên).", field="items")
    rows = confirm.confirm_manual(
        session,
        current_db_user(),
        str(body.get("station", "")),
        body.get("date"),
        str(body.get("session", "")),
        str(body.get("outcome", "")),
        items,
        note=body.get("note"),
        ip=client_ip(),
    )
    session.commit()
    return jsonify(items=[asrun_list.as_run_dict(r, str(body.get("station", "")).upper()) for r in rows]), 201
