"""Live broadcasts over the API (a phone app, a PA console): start on stations, send the microphone's audio in
chunks, stop, read the state — the same rules and refusals as the /live page (broadcast.live.sessions)."""

from __future__ import annotations

from flask import jsonify, request

from broadcast.errors import ValidationError
from broadcast.live import sessions as live

from .. import db_session, runtime_of
from ..auth import api_roles_required, client_ip, current_db_user
from . import bp
from .body import json_body

SPEAKERS = tuple(r for r in live.LIVE_ROLES if r != "admin")  # admin always passes


@bp.post("/live")
@api_roles_required(*SPEAKERS)
def live_start():
    session, body = db_session(), json_body()
    started = live.start_live(
        session,
        runtime_of().settings,
        current_db_user(),
        body.get("stations"),
        clusters=body.get("clusters"),
        ip=client_ip(),
    )
    session.commit()
    return jsonify(live.status_of(session, started)), 201


@bp.post("/live/<int:live_id>/chunk")
@api_roles_required(*SPEAKERS)
def live_chunk(live_id: int):
    session = db_session()
    try:
        live.add_chunk(session, current_db_user(), live_id, request.get_data(cache=False))
    except ValidationError as exc:
        if exc.code == "not_audio":  # nothing airs and the stations are free again
            session.rollback()
            live.refuse(session, current_db_user(), live_id, exc.message)
            session.commit()
        raise
    session.commit()
    return "", 204


@bp.post("/live/<int:live_id>/stop")
@api_roles_required(*SPEAKERS)
def live_stop(live_id: int):
    session = db_session()
    ended = live.stop_live(session, runtime_of().settings, current_db_user(), live_id, ip=client_ip())
    session.commit()
    return jsonify(live.status_of(session, ended))


@bp.get("/live/<int:live_id>")
@api_roles_required(*SPEAKERS)
def live_state(live_id: int):
    session = db_session()
    return jsonify(live.status_of(session, live.get_own(session, current_db_user(), live_id)))
