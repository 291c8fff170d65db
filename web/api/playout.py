"""Airtime (the as-run log) and playout controls."""

from __future__ import annotations

from flask import jsonify, request

from broadcast.errors import ValidationError
from broadcast.playout import asrun_list, commands, confirm, status

from .. import db_session, runtime_of
from ..auth import api_roles_required, client_ip, current_db_user
from . import bp
from .body import json_body

OPERATORS = ("operator",)


@bp.get("/airtime")
@api_roles_required()
def airtime():
    args = request.args
    items = asrun_list.airtime(db_session(), station=args.get("station") or None, date_from=args.get("from"),
                               date_to=args.get("to"))
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
    cmd = commands.queue_command(session, current_db_user(), str(body.get("station", "")), str(body.get("action", "")),
                                 session_code=body.get("session"), air_date=body.get("date"), ip=client_ip())
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
    rows = confirm.confirm_manual(session, current_db_user(), str(body.get("station", "")), body.get("date"),
                                  str(body.get("session", "")), str(body.get("outcome", "")), items,
                                  note=body.get("note"), ip=client_ip())
    session.commit()
    return jsonify(items=[asrun_list.as_run_dict(r, str(body.get("station", "")).upper()) for r in rows]), 201


_ERR = {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}
_AS_RUN = {"type": "object", "required": ["id", "station", "air_date", "status", "source", "actual_start", "aired_ms"],
           "properties": {
               "id": {"type": "integer"}, "station": {"type": "string"}, "run_id": {"type": "integer", "nullable": True},
               "air_date": {"type": "string", "format": "date"}, "session": {"type": "string", "nullable": True},
               "position": {"type": "integer", "nullable": True}, "kind": {"type": "string"},
               "title": {"type": "string"}, "bulletin_id": {"type": "integer", "nullable": True},
               "category": {"type": "string", "nullable": True}, "department": {"type": "string", "nullable": True},
               "scheduled_start": {"type": "string", "format": "date-time", "nullable": True},
               "actual_start": {"type": "string", "format": "date-time"},
               "actual_end": {"type": "string", "format": "date-time", "nullable": True},
               "planned_ms": {"type": "integer", "nullable": True}, "aired_ms": {"type": "integer"},
               "lateness_ms": {"type": "integer", "nullable": True},
               "status": {"type": "string", "enum": ["airing", "aired", "interrupted", "failed", "skipped", "missed"]},
               "source": {"type": "string", "enum": ["playout", "manual"]},
               "sink": {"type": "string", "nullable": True}, "note": {"type": "string", "nullable": True}}}


def _json(schema):
    return {"content": {"application/json": {"schema": schema}}}


OPENAPI_SCHEMAS = {"AsRun": _AS_RUN}
OPENAPI_PATHS = {
    "/airtime": {"get": {
        "summary": "Nhật ký phát sóng (as-run)",
        "parameters": [{"name": "station", "in": "query", "schema": {"type": "string"}},
                       {"name": "from", "in": "query", "schema": {"type": "string", "format": "date"}},
                       {"name": "to", "in": "query", "schema": {"type": "string", "format": "date"}}],
        "responses": {"200": {"description": "OK", **_json({"type": "object", "required": ["items"], "properties": {
            "items": {"type": "array", "items": {"$ref": "#/components/schemas/AsRun"}}}})},
            "400": {"description": "Tham số sai", **_ERR}, "401": {"description": "Chưa xác thực", **_ERR},
            "404": {"description": "Không có đài", **_ERR}}}},
    "/playout/status": {"get": {
        "summary": "Đang phát trên từng đài",
        "responses": {"200": {"description": "OK", **_json({"type": "object", "required": ["scheduler_running",
                                                                                           "stations"]})},
                      "401": {"description": "Chưa xác thực", **_ERR}, "403": {"description": "Không có quyền", **_ERR}}}},
    "/playout/commands": {"post": {
        "summary": "Gửi lệnh điều khiển (play, stop, skip) tới bộ lập lịch",
        "requestBody": {"required": True, **_json({"type": "object", "required": ["station", "action"], "properties": {
            "station": {"type": "string"}, "action": {"type": "string", "enum": ["play", "stop", "skip"]},
            "session": {"type": "string"}, "date": {"type": "string", "format": "date"}}})},
        "responses": {"202": {"description": "Đã nhận lệnh", **_json({"type": "object", "required": ["id", "status"]})},
                      "400": {"description": "Lệnh sai", **_ERR}, "401": {"description": "Chưa xác thực", **_ERR},
                      "403": {"description": "Không có quyền", **_ERR}, "404": {"description": "Không có", **_ERR},
                      "409": {"description": "Đài phát bằng tệp xuất", **_ERR},
                      "415": {"description": "Sai kiểu nội dung", **_ERR}}}},
    "/playout/commands/{command_id}": {"get": {
        "summary": "Kết quả một lệnh",
        "parameters": [{"name": "command_id", "in": "path", "required": True, "schema": {"type": "integer"}}],
        "responses": {"200": {"description": "OK", **_json({"type": "object", "required": ["id", "status"]})},
                      "401": {"description": "Chưa xác thực", **_ERR}, "404": {"description": "Không có", **_ERR}}}},
    "/playout/confirm": {"post": {
        "summary": "Xác nhận buổi phát của đài nhận tệp xuất (all, partly, none)",
        "requestBody": {"required": True, **_json({"type": "object",
                                                   "required": ["station", "date", "session", "outcome"],
                                                   "properties": {
            "station": {"type": "string"}, "date": {"type": "string", "format": "date"}, "session": {"type": "string"},
            "outcome": {"type": "string", "enum": ["all", "partly", "none"]},
            "items": {"type": "array", "items": {"type": "integer"}}, "note": {"type": "string"}}})},
        "responses": {"201": {"description": "Đã ghi", **_json({"type": "object", "required": ["items"], "properties": {
            "items": {"type": "array", "items": {"$ref": "#/components/schemas/AsRun"}}}})},
                      "400": {"description": "Sai", **_ERR}, "401": {"description": "Chưa xác thực", **_ERR},
                      "403": {"description": "Không có quyền", **_ERR}, "404": {"description": "Không có", **_ERR},
                      "409": {"description": "Đã xác nhận", **_ERR},
                      "415": {"description": "Sai kiểu nội dung", **_ERR}}}},
}
