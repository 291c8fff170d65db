"""Phát trực tiếp: speak from a phone or a computer on chosen stations, with break-in priority.

The page's script (static/live_broadcast.js) asks for the microphone, records with MediaRecorder and sends a
chunk every 250 ms over plain HTTPS POSTs: they pass every proxy and the server the ward already runs
(waitress speaks no WebSocket), a lost chunk is retried by the script, and a phone that loses its signal
simply stops posting, which the playout notices within seconds.  The JSON views answer the script; errors
come back as ``{"error": {"code", "message"}}`` with the Vietnamese message it shows.
"""

from __future__ import annotations

from flask import abort, jsonify, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from sqlalchemy import select

from broadcast.domain.models import Category, Department
from broadcast.errors import BroadcastError, ValidationError
from broadcast.live import recordings
from broadcast.live import sessions as live

from .. import db_session, runtime_of
from ..auth import client_ip, current_db_user, roles_required
from ..forms import commit_or_flash
from ..nav import NAV_ITEMS
from . import bp

LIVE_ROLES = tuple(r for r in live.LIVE_ROLES if r != "admin")  # admin passes every check by itself
NAV_ITEMS.append(("admin.live_page", "Phát trực tiếp", live.LIVE_ROLES))


def _error(exc: BroadcastError):
    return jsonify(error={"code": exc.code, "message": exc.message}), exc.http_status


def _json_unit(work):
    """Run ``work()`` in the request's transaction: its JSON on success, the Vietnamese error otherwise."""
    try:
        result = work()
        db_session().commit()
    except BroadcastError as exc:
        db_session().rollback()
        return _error(exc)
    return result


@bp.get("/live")
@roles_required(*LIVE_ROLES)
def live_page():
    session = db_session()
    return render_template(
        "admin/live.html",
        stations=live.live_stations(session),
        sessions=live.recent(session, current_db_user()),
        relays=recordings.relay_recordings(session),
        categories=session.scalars(select(Category).order_by(Category.name)).all(),
        departments=session.scalars(select(Department).order_by(Department.name)).all(),
        tz=runtime_of().settings.tz,
    )


@bp.post("/live/start")
@roles_required(*LIVE_ROLES)
def live_start():
    stations = request.form.getlist("stations") or (request.get_json(silent=True) or {}).get("stations")
    clusters = request.form.getlist("clusters")

    def work():
        started = live.start_live(
            db_session(), runtime_of().settings, current_db_user(), stations, clusters=clusters, ip=client_ip()
        )
        return jsonify(id=started.id, status=started.status), 201

    return _json_unit(work)


@bp.post("/live/<int:live_id>/chunk")
@roles_required(*LIVE_ROLES)
def live_chunk(live_id: int):
    try:
        live.add_chunk(db_session(), current_db_user(), live_id, request.get_data(cache=False))
        db_session().commit()
    except ValidationError as exc:
        db_session().rollback()
        if exc.code == "not_audio":  # nothing airs and the stations are free again
            live.refuse(db_session(), current_db_user(), live_id, exc.message)
            db_session().commit()
        return _error(exc)
    except BroadcastError as exc:
        db_session().rollback()
        return _error(exc)
    return "", 204


@bp.post("/live/<int:live_id>/stop")
@roles_required(*LIVE_ROLES)
def live_stop(live_id: int):
    def work():
        ended = live.stop_live(db_session(), runtime_of().settings, current_db_user(), live_id, ip=client_ip())
        return jsonify(live.status_of(db_session(), ended))

    return _json_unit(work)


@bp.get("/live/<int:live_id>/status")
@roles_required(*LIVE_ROLES)
def live_status(live_id: int):
    def work():
        return jsonify(live.status_of(db_session(), live.get_own(db_session(), current_db_user(), live_id)))

    return _json_unit(work)


@bp.get("/live/<int:live_id>/recording")
@roles_required(*LIVE_ROLES)
def live_recording(live_id: int):
    try:
        found = live.get_own(db_session(), current_db_user(), live_id)
    except BroadcastError:
        abort(404)
    if not found.recording_path:
        abort(404)
    return send_file(found.recording_path, mimetype="audio/mpeg", conditional=True, max_age=0)


def _rebroadcast(find):
    """``find(session)`` -> (recording path, file name, the object to mark or None): a draft bulletin with that
    recording, opened for the speaker to check and submit; back to /live with the reason when it cannot."""
    session = db_session()
    with commit_or_flash(_("Đã tạo tin từ bản ghi: kiểm tra rồi gửi duyệt.")) as outcome:
        path, name, source = find(session)
        bulletin = recordings.to_bulletin(session, runtime_of().settings, current_db_user(), path, request.form, name)
        if source is not None:
            source.bulletin_id = bulletin.id
    if outcome.error:
        return redirect(url_for("admin.live_page"))
    return redirect(url_for("admin.bulletin_detail", bulletin_id=bulletin.id))


@bp.post("/live/<int:live_id>/rebroadcast")
@roles_required(*LIVE_ROLES)
def live_rebroadcast(live_id: int):
    """The recording as a draft bulletin, to be scheduled again like any other (a meeting aired tonight)."""

    def find(session):
        found = live.get_own(session, current_db_user(), live_id)
        return found.recording_path, f"phat-truc-tiep-{found.id}", found

    return _rebroadcast(find)


@bp.get("/live/relay/<int:row_id>/recording")
@roles_required(*LIVE_ROLES)
def relay_recording_audio(row_id: int):
    try:
        row = recordings.relay_recording(db_session(), row_id)
    except BroadcastError:
        abort(404)
    return send_file(row.recording_path, mimetype="audio/mpeg", conditional=True, max_age=0)


@bp.post("/live/relay/<int:row_id>/rebroadcast")
@roles_required(*LIVE_ROLES)
def relay_rebroadcast(row_id: int):
    """A recorded relay (the provincial programme at noon) as a draft bulletin to air again."""

    def find(session):
        row = recordings.relay_recording(session, row_id)
        return row.recording_path, f"tiep-song-{row.id}", None

    return _rebroadcast(find)
