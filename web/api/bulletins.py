"""Bulletins API: create, list, read, edit, the workflow actions and recording upload.

A stable contract (the province's systems call it): request and response
shapes are declared in web/api/contract/bulletins.py and checked by the tests.
"""

from __future__ import annotations

from flask import jsonify, request, send_file

from broadcast import roles
from broadcast.bulletins import queries, recording, service, targets, workflow
from broadcast.domain.models import Bulletin
from broadcast.errors import ValidationError
from broadcast.publishing.visibility import is_public

from .. import db_session, runtime_of
from ..auth import api_roles_required, current_db_user
from ..public import cache as public_cache
from . import bp
from .body import UnsupportedMediaType, json_body

ALL = roles.ALL_ROLES
WRITERS = (roles.OPERATOR, roles.APPROVER, roles.SUBMITTER)


def _iso(value):
    return value.isoformat() if value is not None else None


def serialize(b: Bulletin) -> dict:
    return {
        "id": b.id,
        "title": b.title,
        "body": b.body,
        "spoken_text": b.spoken_text,
        "category": b.category.code,
        "department": b.department.code,
        "priority": b.priority,
        "status": b.status,
        "status_label": workflow.status_label(b.status),
        "valid_from": _iso(b.valid_from),
        "valid_until": _iso(b.valid_until),
        "airings": b.airings_wanted,
        "airings_left": b.airings_left,
        "all_stations": bool(b.all_stations),
        "stations": [] if b.all_stations else sorted(s.code for s in b.stations),
        "clusters": targets.cluster_codes(b),
        "voice": b.voice,
        "author": b.author.username,
        "version": b.version,
        "has_recording": bool(b.recording_path),
        "review_comment": b.review_comment,
        "estimated_duration_s": service.estimate_seconds(b.text_to_speak),
        "created_at": _iso(b.created_at),
        "updated_at": _iso(b.updated_at),
        "submitted_at": _iso(b.submitted_at),
        "approved_at": _iso(b.approved_at),
        "approved_by": b.approved_by.username if b.approved_by is not None else None,
        "public": is_public(b),  # the effective value; public_choice is what the approver chose
        "public_choice": b.public,
    }


def _reason(data: dict) -> str | None:
    unknown = [k for k in data if k != "reason"]
    if unknown:
        raise ValidationError(
            f"Trường «{str(unknown[0])[:40]}» không được hỗ trợ.", code="unknown_field", field=str(unknown[0])[:40]
        )
    reason = data.get("reason")
    if reason is not None and not isinstance(reason, str):
        raise ValidationError("Lý do phải là một chuỗi ký tự.", field="reason")
    return reason


def _commit_and_return(bulletin: Bulletin, status: int = 200):
    session = db_session()
    session.commit()
    return jsonify(serialize(bulletin)), status


@bp.post("/bulletins")
@api_roles_required(*WRITERS)
def bulletin_create():
    data = json_body()
    bulletin = service.create_bulletin(db_session(), current_db_user(), data)
    response, status = _commit_and_return(bulletin, 201)
    response.headers["Location"] = f"/api/v1/bulletins/{bulletin.id}"
    return response, status


@bp.get("/bulletins")
@api_roles_required(*ALL)
def bulletin_list():
    args = request.args
    page = queries.list_bulletins(
        db_session(),
        current_db_user(),
        page=args.get("page"),
        per_page=args.get("per_page"),
        status=args.get("status"),
        category=args.get("category"),
        department=args.get("department"),
        q=args.get("q"),
        on_date=args.get("date"),
    )
    return jsonify(
        items=[serialize(b) for b in page.items],
        page=page.page,
        per_page=page.per_page,
        total=page.total,
        pages=page.pages,
    )


@bp.get("/bulletins/<int:bulletin_id>")
@api_roles_required(*ALL)
def bulletin_get(bulletin_id: int):
    return jsonify(serialize(service.get_visible(db_session(), current_db_user(), bulletin_id)))


@bp.patch("/bulletins/<int:bulletin_id>")
@api_roles_required(*WRITERS)
def bulletin_patch(bulletin_id: int):
    session = db_session()
    user = current_db_user()
    bulletin = service.get_visible(session, user, bulletin_id)
    data = json_body()
    before = bulletin.public
    service.update_bulletin(session, user, bulletin, data)
    response = _commit_and_return(bulletin)
    if bulletin.public is not before:  # the public page and feeds show it (or stop) at once
        public_cache.clear()
    return response


def _action(name: str, bulletin_id: int):
    session = db_session()
    user = current_db_user()
    bulletin = service.get_visible(session, user, bulletin_id)
    reason = _reason(json_body(optional=True))
    workflow.perform(session, name, bulletin, user, reason)
    return _commit_and_return(bulletin)


@bp.post("/bulletins/<int:bulletin_id>/submit")
@api_roles_required(*WRITERS)
def bulletin_submit(bulletin_id: int):
    return _action("submit", bulletin_id)


@bp.post("/bulletins/<int:bulletin_id>/approve")
@api_roles_required("approver", "operator")
def bulletin_approve(bulletin_id: int):
    return _action("approve", bulletin_id)


@bp.post("/bulletins/<int:bulletin_id>/reject")
@api_roles_required("approver", "operator")
def bulletin_reject(bulletin_id: int):
    return _action("reject", bulletin_id)


@bp.post("/bulletins/<int:bulletin_id>/withdraw")
@api_roles_required(*WRITERS)
def bulletin_withdraw(bulletin_id: int):
    return _action("withdraw", bulletin_id)


@bp.post("/bulletins/<int:bulletin_id>/comments")
@api_roles_required(*WRITERS)
def bulletin_comment(bulletin_id: int):
    session = db_session()
    user = current_db_user()
    bulletin = service.get_visible(session, user, bulletin_id)
    data = json_body()
    comment = service.add_comment(session, user, bulletin, data.get("body"))
    session.commit()
    return jsonify(id=comment.id, body=comment.body, author=user.username, created_at=_iso(comment.created_at)), 201


@bp.post("/bulletins/<int:bulletin_id>/recording")
@api_roles_required(*WRITERS)
def bulletin_recording(bulletin_id: int):
    session = db_session()
    user = current_db_user()
    bulletin = service.get_visible(session, user, bulletin_id)
    if request.mimetype != "multipart/form-data":
        raise UnsupportedMediaType("Bản ghi âm phải gửi dạng multipart/form-data, trường «file».")
    upload = request.files.get("file")
    if upload is None:
        raise ValidationError("Thiếu tệp ghi âm (trường «file»).", field="file")
    info = recording.attach_recording(session, runtime_of().settings, user, bulletin, upload.stream, upload.filename)
    session.commit()
    return jsonify(bulletin=serialize(bulletin), recording={k: info[k] for k in ("format", "duration", "size")}), 201


@bp.get("/bulletins/<int:bulletin_id>/audio")
@api_roles_required(*ALL)
def bulletin_audio(bulletin_id: int):
    """The bulletin's current audio (TTS, or the uploaded recording) via broadcast.speech.store, as MP3."""
    from broadcast.speech import store

    session = db_session()
    bulletin = service.get_visible(session, current_db_user(), bulletin_id)
    rendition = store.render_bulletin(session, bulletin, runtime_of().settings)
    session.commit()
    response = send_file(str(rendition.path), mimetype="audio/mpeg", conditional=True, max_age=0)
    response.headers["X-Bulletin-Version"] = str(bulletin.version)
    response.headers["X-Duration-Ms"] = str(rendition.duration_ms)
    return response
