"""Upstream sources a station relays, for staff: list, add, change, check now (broadcast.relay.sources)."""

from __future__ import annotations

from flask import jsonify, request

from broadcast import roles
from broadcast.errors import ValidationError
from broadcast.relay import sources as service

from .. import db_session
from ..auth import api_roles_required, client_ip, current_db_user
from . import bp
from .body import json_body

READERS = (roles.OPERATOR, roles.APPROVER, roles.VIEWER)
OPERATORS = (roles.OPERATOR,)  # admin always passes


def _own() -> tuple[str, ...]:
    return (request.host,)  # Loa Phường's own address is never an upstream


@bp.get("/sources")
@api_roles_required(*READERS)
def sources():
    return jsonify(items=[service.source_json(s) for s in service.list_sources(db_session())])


@bp.post("/sources")
@api_roles_required(*OPERATORS)
def source_add():
    body, session = json_body(), db_session()
    new = service.add_source(
        session,
        code=body.get("code"),
        name=body.get("name"),
        url=body.get("url"),
        category=body.get("category", "other"),
        own_addresses=_own(),
        user=current_db_user(),
        ip=client_ip(),
    )
    session.commit()
    return jsonify(service.source_json(new)), 201


@bp.patch("/sources/<code>")
@api_roles_required(*OPERATORS)
def source_update(code: str):
    body, session = json_body(), db_session()
    source = service.source_by_code(session, code)
    enabled = body.get("enabled")
    if enabled is not None and not isinstance(enabled, bool):
        raise ValidationError("Trường enabled phải là true hoặc false.", field="enabled")
    fields = {k: body[k] for k in ("name", "url", "category") if body.get(k) is not None}
    who = {"user": current_db_user(), "ip": client_ip()}
    service.update_source(session, source, **fields, own_addresses=_own(), **who)
    if enabled is not None:
        service.set_enabled(session, source, enabled, **who)
    session.commit()
    return jsonify(service.source_json(source))


@bp.post("/sources/<code>/check")
@api_roles_required(*OPERATORS)
def source_check(code: str):
    session = db_session()
    source = service.source_by_code(session, code)
    service.check_source(session, source)
    session.commit()
    # 200 whatever the stream answered: the check ran; its verdict is in state and last_check.
    return jsonify(service.source_json(source))
