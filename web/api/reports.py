"""Airtime reports and plans over the API."""

from __future__ import annotations

from flask import Response, jsonify, request

from broadcast.reports.airtime import airtime_report
from broadcast.reports.formats import FORMATS, check_format, render
from broadcast.reports.periods import parse_period
from broadcast.reports.plans import list_plans, next_report_deadline

from .. import db_session, runtime_of
from ..auth import api_roles_required
from . import bp

REPORT_ROLES = ("operator", "approver", "viewer")  # admin always passes


def report_from_args(args) -> dict:
    """Shared by the API and the pages: period/from/to/station from query arguments -> the report dict."""
    period = parse_period(args.get("period"), date_from=args.get("from"), date_to=args.get("to"))
    runtime = runtime_of()
    return airtime_report(db_session(), period, station=args.get("station") or None, tz=runtime.settings.tz)


def file_response(data: dict, fmt: str, *, attachment: bool = True) -> Response:
    from broadcast.reports.formats.html import HTML_CSP

    rendered = render(data, fmt)
    response = Response(rendered.content, mimetype=rendered.media_type.split(";")[0])
    if rendered.media_type.startswith("text/"):
        response.charset = "utf-8"
    disposition = "attachment" if attachment else "inline"
    response.headers["Content-Disposition"] = f'{disposition}; filename="{rendered.filename}"'
    if fmt == "html":
        response.headers["Content-Security-Policy"] = HTML_CSP
    return response


@bp.get("/reports/airtime")
@api_roles_required(*REPORT_ROLES)
def report_airtime():
    fmt = check_format(request.args.get("format"))
    data = report_from_args(request.args)
    if fmt == "json":
        return jsonify(data)
    return file_response(data, fmt)


def _plan_dict(plan) -> dict:
    return {"id": plan.id, "title": plan.title, "number": plan.number,
            "issued_on": plan.issued_on.isoformat() if plan.issued_on else None,
            "period_start": plan.period_start.isoformat(), "period_end": plan.period_end.isoformat(),
            "report_due_day": plan.report_due_day, "active": plan.active,
            "targets": [{"id": t.id, "metric": t.metric, "category_code": t.category_code, "per": t.per,
                         "value": t.value, "label": t.label} for t in plan.targets]}


@bp.get("/plans")
@api_roles_required(*REPORT_ROLES)
def plans_list():
    from broadcast.domain.types import utcnow

    session = db_session()
    today = utcnow().astimezone(runtime_of().settings.tz).date()
    deadline = next_report_deadline(session, today)
    if deadline:
        deadline = {k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in deadline.items()}
    return jsonify(items=[_plan_dict(p) for p in list_plans(session)], next_deadline=deadline)


_ERR = {"description": "Tham số không hợp lệ (kỳ báo cáo, đài, định dạng)",
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}
_UNAUTH = {"description": "Chưa xác thực", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}
_FORBIDDEN = {"description": "Vai trò không được phép",
              "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}
_FIGURES = {"type": "object", "required": ["airings", "duration_s"], "properties": {
    "airings": {"type": "integer"}, "duration_s": {"type": "integer"}}}

OPENAPI_SCHEMAS = {
    "AirtimeReport": {
        "type": "object",
        "required": ["period", "totals", "by_category", "by_department", "by_station", "by_bulletin", "by_day",
                     "targets"],
        "properties": {
            "period": {"type": "object", "required": ["label", "start", "end"], "properties": {
                "code": {"type": "string"}, "label": {"type": "string"},
                "start": {"type": "string", "format": "date"}, "end": {"type": "string", "format": "date"}}},
            "totals": {"type": "object", "required": ["airings", "duration_s", "cchc_duration_s", "bulletins"],
                       "properties": {k: {"type": "integer"} for k in (
                           "airings", "duration_s", "cchc_duration_s", "bulletins", "sessions_aired",
                           "sessions_missed", "manual_airings")}},
            "by_category": {"type": "array", "items": {"type": "object",
                                                       "required": ["code", "name", "airings", "duration_s"],
                                                       "properties": {"code": {"type": "string"},
                                                                      "name": {"type": "string"},
                                                                      "airings": {"type": "integer"},
                                                                      "duration_s": {"type": "integer"},
                                                                      "is_cchc": {"type": "boolean"}}}},
            "by_department": {"type": "array", "items": _FIGURES},
            "by_station": {"type": "array", "items": _FIGURES},
            "by_bulletin": {"type": "array", "items": {"type": "object", "required": ["title", "airings"],
                                                       "properties": {"title": {"type": "string"},
                                                                      "airings": {"type": "integer"}}}},
            "by_day": {"type": "array", "items": {"type": "object", "required": ["date", "duration_s"],
                                                  "properties": {"date": {"type": "string", "format": "date"},
                                                                 "duration_s": {"type": "integer"}}}},
            "targets": {"type": "array", "items": {"type": "object", "required": ["target", "achieved", "percent"],
                                                   "properties": {"target": {"type": "number"},
                                                                  "achieved": {"type": "number"},
                                                                  "percent": {"type": "number", "nullable": True}}}},
            "narrative": {"type": "string"},
        },
    },
}

OPENAPI_PATHS = {
    "/reports/airtime": {"get": {
        "summary": "Báo cáo thời lượng phát thanh theo kỳ (tháng, quý, 6 tháng, 9 tháng, năm hoặc khoảng ngày)",
        "parameters": [
            {"name": "period", "in": "query", "schema": {"type": "string", "example": "2025-10"},
             "description": "2025-10, 2025-Q3, 2025-H1, 2025-9M hoặc 2025; hoặc dùng from/to"},
            {"name": "from", "in": "query", "schema": {"type": "string", "format": "date"}},
            {"name": "to", "in": "query", "schema": {"type": "string", "format": "date"}},
            {"name": "station", "in": "query", "schema": {"type": "string"}, "description": "Mã đài; mặc định tất cả"},
            {"name": "format", "in": "query", "schema": {"type": "string", "enum": list(FORMATS), "default": "json"}},
        ],
        "responses": {
            "200": {"description": "Báo cáo (JSON) hoặc tệp CSV/XLSX/HTML/PDF", "content": {
                "application/json": {"schema": {"$ref": "#/components/schemas/AirtimeReport"}},
                "text/csv": {"schema": {"type": "string"}},
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": {
                    "schema": {"type": "string", "format": "binary"}},
                "text/html": {"schema": {"type": "string"}},
                "application/pdf": {"schema": {"type": "string", "format": "binary"}}}},
            "400": _ERR, "401": _UNAUTH, "403": _FORBIDDEN,
        },
    }},
    "/plans": {"get": {
        "summary": "Kế hoạch tuyên truyền, chỉ tiêu và hạn báo cáo kế tiếp",
        "responses": {
            "200": {"description": "OK", "content": {"application/json": {"schema": {
                "type": "object", "required": ["items"], "properties": {
                    "items": {"type": "array", "items": {"type": "object", "required": ["id", "title", "targets"],
                                                         "properties": {"id": {"type": "integer"},
                                                                        "title": {"type": "string"},
                                                                        "targets": {"type": "array",
                                                                                    "items": {"type": "object"}}}}},
                    "next_deadline": {"type": "object", "nullable": True}}}}}},
            "401": _UNAUTH, "403": _FORBIDDEN,
        },
    }},
}
