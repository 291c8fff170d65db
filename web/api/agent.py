"""The agent API (``/api/v1/agent/...``): what a station's device may do with its device token, and nothing
else (docs/network.md).

Device tokens (``lpd_...``) are checked here, in an app-wide before-request hook that runs ahead of the
API's user-token check (web/api/errors.py): a device token is accepted on the endpoints below and refused
with 403 everywhere else; a user's token is refused with 403 here. These endpoints are therefore listed
in the API's ``PUBLIC_ENDPOINTS`` (no *user* token check), and their views carry ``device_only`` for the
route-permission test.
"""

from __future__ import annotations

from functools import wraps
from pathlib import Path

from flask import Response, current_app, g, jsonify, request, send_file

from broadcast.domain.types import utcnow
from broadcast.errors import NotFound, PermissionDenied
from broadcast.live import sessions as live_sessions
from broadcast.network import asrun, commands, manifest, media
from broadcast.network.devices import (
    apply_status,
    authenticate_token,
    is_device_token,
    iso,
)
from broadcast.security import user_for_token

from .. import db_session, runtime_of
from . import bp
from .body import json_body
from .errors import PUBLIC_ENDPOINTS, error_response

TOUCH_SECONDS = 60
DEVICE_ONLY_MESSAGE = "Địa chỉ này chỉ dành cho thiết bị phát tại đài (mã thiết bị lpd_...)."


def device_only(view):
    """The view runs for an authenticated device (``g.api_device``); the hook below has checked it."""

    @wraps(view)
    def wrapper(*args, **kwargs):
        if getattr(g, "api_device", None) is None:  # pragma: no cover - the hook answers first
            raise PermissionDenied(DEVICE_ONLY_MESSAGE, code="device_only")
        return view(*args, **kwargs)

    wrapper.allowed_roles = ("device",)  # no user role: tests/web/test_route_permissions.py reads device_only
    wrapper.device_only = True
    return wrapper


def _bearer() -> str:
    header = request.headers.get("Authorization", "")
    return header[7:].strip() if header.lower().startswith("bearer ") else ""


def _device_endpoint() -> bool:
    view = current_app.view_functions.get(request.endpoint or "")
    return bool(getattr(view, "device_only", False))


@bp.before_app_request
def _device_gate():
    g.api_device = None
    if not request.path.startswith("/api/"):
        return None
    token, for_devices = _bearer(), _device_endpoint()
    if token and is_device_token(token):
        session = db_session()
        device = authenticate_token(session, token)
        if device is None:
            return error_response(401, "invalid_token", "Mã thiết bị không đúng hoặc đã bị thu hồi.")
        if not for_devices:
            return error_response(
                403, "device_token", "Mã thiết bị chỉ dùng được cho đồng bộ, nhật ký phát và trạng thái của đài mình."
            )
        named = request.args.get("station")
        if named and named.strip().upper() != device.station.code:
            return error_response(
                403, "other_station", f"Thiết bị {device.code} chỉ làm việc với đài {device.station.code}."
            )
        now = utcnow()
        if device.last_seen is None or (now - device.last_seen).total_seconds() > TOUCH_SECONDS:
            device.last_seen = now
            session.commit()
        g.api_device = device
        return None
    if for_devices:
        if not token:
            return error_response(401, "unauthorized", "Cần mã thiết bị (Authorization: Bearer lpd_...).")
        if user_for_token(db_session(), token) is None:
            return error_response(401, "invalid_token", "Mã truy cập không đúng hoặc đã bị thu hồi.")
        return error_response(403, "device_only", DEVICE_ONLY_MESSAGE)
    return None


def _check_station(body: dict) -> None:
    named = body.get("station")
    device = g.api_device
    if named is not None and str(named).strip().upper() != device.station.code:
        raise PermissionDenied(
            f"Thiết bị {device.code} chỉ làm việc với đài {device.station.code}.", code="other_station"
        )


@bp.get("/agent/manifest")
@device_only
def agent_manifest():
    days = manifest.parse_days(request.args.get("days"))
    return jsonify(manifest.build_manifest(db_session(), runtime_of().settings, g.api_device, days))


@bp.get("/agent/media/<sha256>")
@device_only
def agent_media(sha256: str):
    path = media.media_path(db_session(), runtime_of().settings, g.api_device, sha256)
    return send_file(path, mimetype="application/octet-stream", conditional=True, max_age=0)


@bp.post("/agent/asrun")
@device_only
def agent_asrun():
    body = json_body()
    _check_station(body)
    return jsonify(asrun.ingest(db_session(), g.api_device, body.get("rows")))


@bp.post("/agent/status")
@device_only
def agent_status():
    body = json_body()
    _check_station(body)
    session = db_session()
    apply_status(session, g.api_device, body | {"via": "http"})
    pending = len(commands.pending(session, g.api_device))
    session.commit()
    return jsonify(server_time=iso(utcnow()), commands=pending)


@bp.get("/agent/commands")
@device_only
def agent_commands():
    return jsonify(items=[commands.command_json(c) for c in commands.pending(db_session(), g.api_device)])


@bp.post("/agent/commands/<int:command_id>/ack")
@device_only
def agent_command_ack(command_id: int):
    body = json_body(optional=True)
    session = db_session()
    cmd = commands.acknowledge(session, g.api_device, command_id, body.get("ok", True) is True, body.get("result"))
    session.commit()
    return jsonify(id=cmd.id, status=cmd.status)


@bp.get("/agent/live/<int:live_id>")
@device_only
def agent_live_audio(live_id: int):
    """A live broadcast's audio as it arrives, streamed to the agent that airs it (a "live" command names it)."""
    found = live_sessions.for_device(db_session(), live_id, g.api_device.station_id)
    if not Path(found.media_path).exists():
        raise NotFound("Buổi phát trực tiếp này chưa có âm thanh.", code="unknown_live")
    return Response(live_sessions.follow(found.media_path), mimetype="application/octet-stream")


PUBLIC_ENDPOINTS.update(
    {
        f"api.{name}"
        for name in (
            "agent_manifest",
            "agent_media",
            "agent_asrun",
            "agent_status",
            "agent_commands",
            "agent_command_ack",
            "agent_live_audio",
        )
    }
)
