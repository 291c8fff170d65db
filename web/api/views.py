"""Reference data endpoints."""

from __future__ import annotations

from flask import jsonify
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from broadcast.domain.models import Category, Department, Station

from .. import db_session
from ..auth import api_roles_required
from . import bp


@bp.get("/categories")
@api_roles_required()
def categories():
    rows = db_session().scalars(select(Category).order_by(Category.sort_order))
    return jsonify(items=[{"code": c.code, "name": c.name, "is_cchc": c.is_cchc, "colour": c.colour} for c in rows])


@bp.get("/departments")
@api_roles_required()
def departments():
    rows = db_session().scalars(select(Department).order_by(Department.name))
    return jsonify(items=[{"code": d.code, "name": d.name} for d in rows])


@bp.get("/stations")
@api_roles_required()
def stations():
    rows = db_session().scalars(select(Station).options(selectinload(Station.clusters)).order_by(Station.code))
    return jsonify(items=[{"code": s.code, "name": s.name, "enabled": s.enabled,
                           "clusters": len(s.clusters)} for s in rows])


def _list_of(item_schema: dict) -> dict:
    return {"type": "object", "required": ["items"], "properties": {"items": {"type": "array", "items": item_schema}}}


def _ok(schema: dict, summary: str) -> dict:
    return {"summary": summary, "responses": {
        "200": {"description": "OK", "content": {"application/json": {"schema": schema}}},
        "401": {"description": "Chưa xác thực", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}},
    }}


OPENAPI_PATHS = {
    "/categories": {"get": _ok(_list_of({"type": "object", "required": ["code", "name", "is_cchc"], "properties": {
        "code": {"type": "string"}, "name": {"type": "string"}, "is_cchc": {"type": "boolean"},
        "colour": {"type": "string"}}}), "Chuyên mục tin bài")},
    "/departments": {"get": _ok(_list_of({"type": "object", "required": ["code", "name"], "properties": {
        "code": {"type": "string"}, "name": {"type": "string"}}}), "Đơn vị gửi tin")},
    "/stations": {"get": _ok(_list_of({"type": "object", "required": ["code", "name"], "properties": {
        "code": {"type": "string"}, "name": {"type": "string"}, "enabled": {"type": "boolean"},
        "clusters": {"type": "integer"}}}), "Đài truyền thanh")},
}
