"""Devices for staff: the list with health, a device's history, and commands (docs/network.md)."""

from __future__ import annotations

from flask import current_app, jsonify, request

from broadcast.network import commands
from broadcast.network.devices import device_json, event_json, events, get_device, list_devices

from .. import db_session
from ..auth import api_roles_required, client_ip, current_db_user
from . import bp
from .body import json_body

READERS = ("operator", "approver", "viewer")
BRIDGE_KEY = "broadcast.network.bridge"  # a ServerBridge, when the app was started with MQTT


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
    cmd = commands.queue_command(session, code, str(body.get("action", "")), args, user=current_db_user(),
                                 ip=client_ip())
    session.commit()
    bridge = current_app.extensions.get(BRIDGE_KEY)
    if bridge is not None:
        bridge.send(cmd)  # QoS 1; the device can also poll GET /agent/commands until it acks
    return jsonify(id=cmd.id, action=cmd.action, status=cmd.status), 202


_ERR = {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}
_DEVICE = {"type": "object", "required": ["code", "station", "clusters", "online", "last_seen", "now_playing",
                                          "version"], "properties": {
    "code": {"type": "string"}, "station": {"type": "string"}, "clusters": {"type": "array", "items": {"type": "string"}},
    "online": {"type": "boolean"}, "last_seen": {"type": "string", "nullable": True},
    "now_playing": {"type": "string", "nullable": True}, "version": {"type": "string", "nullable": True},
    "last_sync": {"type": "string", "nullable": True}, "disk_free": {"type": "integer", "nullable": True},
    "temperature": {"type": "number", "nullable": True}, "volume": {"type": "integer", "nullable": True},
    "clock_offset_ms": {"type": "integer", "nullable": True}, "revoked": {"type": "boolean"}}}
_EVENT = {"type": "object", "required": ["kind", "at"], "properties": {
    "kind": {"type": "string", "enum": ["connect", "disconnect", "reboot", "command", "refused"]},
    "at": {"type": "string"}, "detail": {"type": "object", "nullable": True}}}
_CODE = [{"name": "code", "in": "path", "required": True, "schema": {"type": "string"}}]


def _items(schema: dict) -> dict:
    return {"application/json": {"schema": {"type": "object", "required": ["items"], "properties": {
        "items": {"type": "array", "items": schema}}}}}


OPENAPI_PATHS = {
    "/devices": {"get": {"summary": "Thiết bị phát tại đài và tình trạng", "parameters": [
        {"name": "station", "in": "query", "schema": {"type": "string"}}],
        "responses": {"200": {"description": "OK", "content": _items(_DEVICE)}}}},
    "/devices/{code}/events": {"get": {"summary": "Lịch sử kết nối, khởi động lại, lệnh của thiết bị",
                                       "parameters": _CODE, "responses": {
        "200": {"description": "OK", "content": _items(_EVENT)},
        "404": {"description": "Không có thiết bị", **_ERR}}}},
    "/devices/{code}/commands": {"post": {"summary": "Gửi lệnh cho thiết bị", "parameters": _CODE,
        "requestBody": {"required": True, "content": {"application/json": {"schema": {
            "type": "object", "required": ["action"], "properties": {
                "action": {"type": "string", "enum": list(commands.ACTIONS)}, "args": {"type": "object"}}}}}},
        "responses": {"202": {"description": "Đã xếp lệnh", "content": {"application/json": {"schema": {
            "type": "object", "required": ["id", "action", "status"], "properties": {
                "id": {"type": "integer"}, "action": {"type": "string"}, "status": {"type": "string"}}}}}},
            "400": {"description": "Dữ liệu không hợp lệ", **_ERR}, "404": {"description": "Không có thiết bị", **_ERR},
            "409": {"description": "Thiết bị đã bị thu hồi", **_ERR},
            "415": {"description": "Không phải JSON", **_ERR}}}},
}
