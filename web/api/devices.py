"""Devices for staff: the list with health, a device's history, and commands (docs/network.md)."""

from __future__ import annotations

from flask import jsonify, request

from broadcast import roles
from broadcast.network import commands
from broadcast.network.devices import (
    device_json,
    event_json,
    events,
    get_device,
    list_devices,
)

from .. import db_session
from ..auth import api_roles_required, client_ip, current_db_user
from . import bp
from .body import json_body

READERS = (roles.OPERATOR, roles.APPROVER, roles.VIEWER)


@bp.get("/devices")
@api_roles_required(*READERS)
def devices():
    rows = list_devices(db_session(), request.args.get("station") or None)
    return jsonify(items=[device_json(d) for d in rows])


@bp.get("/devices/<code>/events")
@api_roles_required(*READERS)
def device_events(code: str):
    session = db_session()
    return jsonify(items=[event_json(e) for e in events(session, get_device(session, code))])


@bp.post("/devices/<code>/commands")
@api_roles_required("operator")
def device_command(code: str):
    body = json_body()
    args = body.get("args") if isinstance(body.get("args"), dict) else {}
    session = db_session()
    cmd = commands.queue_command(
        session, code, str(body.get("action", "")), args, user=current_db_user(), ip=client_ip()
    )
    session.commit()
    # The MQTT bridge process (broadcast device bridge) publishes it within a fraction of a second;
    # a device without MQTT picks it up from GET /agent/commands.
    return jsonify(id=cmd.id, action=cmd.action, status=cmd.status), 202
