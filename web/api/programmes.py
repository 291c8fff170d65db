"""Daily programmes: build, read, export (ZIP)."""

from __future__ import annotations

from flask import jsonify, send_file

from broadcast.programme.build import build_day, day_dict
from broadcast.programme.calendar import get_station, parse_date
from broadcast.programme.export import export_day

from .. import db_session, runtime_of
from ..auth import api_roles_required, current_db_user
from . import bp

BUILD_ROLES = ("operator",)   # admin always passes


@bp.post("/stations/<code>/programmes/<date>/build")
@api_roles_required(*BUILD_ROLES)
def programme_build(code, date):
    session, settings = db_session(), runtime_of().settings
    on = parse_date(date)
    get_station(session, code)
    build_day(session, settings, code, on, actor=current_db_user())
    session.commit()
    return jsonify(day_dict(session, settings, code, on))


@bp.get("/stations/<code>/programmes/<date>")
@api_roles_required()
def programme_day(code, date):
    return jsonify(day_dict(db_session(), runtime_of().settings, code, parse_date(date)))


@bp.get("/stations/<code>/programmes/<date>/export")
@api_roles_required(*BUILD_ROLES)
def programme_export(code, date):
    session, settings = db_session(), runtime_of().settings
    result = export_day(session, settings, code, parse_date(date))
    return send_file(result.zip_path, mimetype="application/zip", as_attachment=True,
                     download_name=result.zip_path.name)


_ERR = {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}
_PARAMS = [
    {"name": "code", "in": "path", "required": True, "schema": {"type": "string"}, "description": "Mã đài"},
    {"name": "date", "in": "path", "required": True, "schema": {"type": "string", "format": "date"},
     "description": "Ngày YYYY-MM-DD"},
]
_DAY = {"$ref": "#/components/schemas/ProgrammeDay"}
_ERRORS = {"400": {"description": "Ngày sai dạng", **_ERR}, "401": {"description": "Chưa xác thực", **_ERR},
           "404": {"description": "Không có đài", **_ERR}}

OPENAPI_SCHEMAS = {
    "ProgrammeDay": {"type": "object", "required": ["station", "date", "sessions"], "properties": {
        "station": {"type": "string"}, "date": {"type": "string", "format": "date"},
        "sessions": {"type": "array", "items": {
            "type": "object", "required": ["code", "starts_at", "duration_ms", "items"], "properties": {
                "code": {"type": "string"}, "starts_at": {"type": "string", "format": "date-time"},
                "duration_ms": {"type": "integer"},
                "items": {"type": "array", "items": {
                    "type": "object",
                    "required": ["position", "kind", "bulletin_id", "title", "category", "planned_start",
                                 "duration_ms"],
                    "properties": {
                        "position": {"type": "integer"},
                        "kind": {"type": "string", "enum": ["asset", "announcement", "bulletin", "filler"]},
                        "bulletin_id": {"type": "integer", "nullable": True}, "title": {"type": "string"},
                        "category": {"type": "string", "nullable": True},
                        "planned_start": {"type": "string", "format": "date-time"},
                        "duration_ms": {"type": "integer"}}}}}}}}},
}

OPENAPI_PATHS = {
    "/stations/{code}/programmes/{date}": {"get": {
        "summary": "Chương trình phát thanh của đài trong ngày", "parameters": _PARAMS,
        "responses": {"200": {"description": "OK", "content": {"application/json": {"schema": _DAY}}}, **_ERRORS}}},
    "/stations/{code}/programmes/{date}/build": {"post": {
        "summary": "Dựng (lại) chương trình trong ngày; buổi đã khóa giữ nguyên (cán bộ đài)", "parameters": _PARAMS,
        "responses": {"200": {"description": "Chương trình sau khi dựng",
                              "content": {"application/json": {"schema": _DAY}}},
                      "403": {"description": "Không đủ quyền", **_ERR}, **_ERRORS}}},
    "/stations/{code}/programmes/{date}/export": {"get": {
        "summary": "Gói xuất USB (ZIP: MP3 từng buổi và từng mục, M3U8, bảng cue CSV/JSON)", "parameters": _PARAMS,
        "responses": {"200": {"description": "ZIP", "content": {"application/zip": {
            "schema": {"type": "string", "format": "binary"}}}},
            "403": {"description": "Không đủ quyền", **_ERR}, **_ERRORS}}},
}
