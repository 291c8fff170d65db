"""Province bulletins sent down (deliveries): the ward's queue and decisions, the province's board.

A ward user sees and decides only deliveries to their ward's stations (another ward's is a 404, as for
one that does not exist); a province user sees every ward's.  Shapes: web/api/contract/deliveries.py.
"""

from __future__ import annotations

from flask import jsonify

from broadcast import roles
from broadcast.bulletins import service
from broadcast.domain.models import Delivery
from broadcast.errors import ValidationError
from broadcast.province import board, decisions

from .. import db_session
from ..auth import api_roles_required, current_db_user
from . import bp
from .body import json_body

ALL = roles.ALL_ROLES
DECIDERS = (roles.OPERATOR,)  # the ward's station operator decides; admin always passes


def serialize(d: Delivery) -> dict:
    return {
        "id": d.id,
        "bulletin_id": d.bulletin_id,
        "bulletin_title": d.bulletin.title,
        "station": d.station.code,
        "level": d.level,
        "state": d.state,
        "reason": d.reason,
        "position": d.position,
        "decided_by": d.decided_by.username if d.decided_by else None,
        "decided_at": d.decided_at.isoformat() if d.decided_at else None,
        "created_at": d.created_at.isoformat() if d.created_at else None,
    }


def _only(data: dict, *allowed: str) -> dict:
    unknown = [k for k in data if k not in allowed]
    if unknown:
        name = str(unknown[0])[:40]
        raise ValidationError(f"Trường «{name}» không được hỗ trợ.", code="unknown_field", field=name)
    return data


@bp.get("/deliveries")
@api_roles_required(*ALL)
def delivery_list():
    rows = decisions.queue(db_session())
    return jsonify(items=[serialize(r["delivery"]) for r in rows])


@bp.post("/deliveries/<int:delivery_id>/accept")
@api_roles_required(*DECIDERS)
def delivery_accept(delivery_id: int):
    _only(json_body(optional=True))  # the body is checked before any lookup, as on every endpoint
    session = db_session()
    delivery = decisions.get_delivery(session, delivery_id)
    decisions.accept(session, delivery, current_db_user())
    session.commit()
    return jsonify(serialize(delivery))


@bp.post("/deliveries/<int:delivery_id>/decline")
@api_roles_required(*DECIDERS)
def delivery_decline(delivery_id: int):
    data = _only(json_body(optional=True), "reason")
    session = db_session()
    delivery = decisions.get_delivery(session, delivery_id)
    decisions.decline(session, delivery, current_db_user(), data.get("reason"))
    session.commit()
    return jsonify(serialize(delivery))


@bp.post("/deliveries/<int:delivery_id>/position")
@api_roles_required(*DECIDERS)
def delivery_position(delivery_id: int):
    data = _only(json_body(), "position")
    session = db_session()
    delivery = decisions.get_delivery(session, delivery_id)
    decisions.set_position(session, delivery, current_db_user(), data.get("position"))
    session.commit()
    return jsonify(serialize(delivery))


@bp.get("/bulletins/<int:bulletin_id>/deliveries")
@api_roles_required(*ALL)
def bulletin_deliveries(bulletin_id: int):
    session = db_session()
    bulletin = service.get_visible(session, current_db_user(), bulletin_id)
    return jsonify(board.board(session, bulletin))
