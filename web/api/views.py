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
    return jsonify(
        items=[{"code": s.code, "name": s.name, "enabled": s.enabled, "clusters": len(s.clusters)} for s in rows]
    )
