"""Bulletins API: create, list, read, edit, the workflow actions and recording upload.

A stable contract (the province's systems call it): request and response
shapes are declared in web/api/contract/bulletins.py and checked by the tests.
"""

from __future__ import annotations

from flask import current_app, jsonify, request, send_file

from broadcast import roles
from broadcast.bulletins import queries, recording, service, workflow
from broadcast.domain.models import Bulletin
from broadcast.errors import ValidationError
from broadcast.publishing.visibility import default_public

from .. import db_session, pagecache, runtime_of
from ..auth import api_roles_required, current_db_user
from ..public import cache as public_cache
from . import bp
from .body import UnsupportedMediaType, json_body

ALL = roles.ALL_ROLES
WRITERS = (roles.OPERATOR, roles.APPROVER, roles.SUBMITTER)


def _iso(value):
    return value.isoformat() if value is not None else None


def serialize(b: Bulletin) -> dict:
    return serialize_row(queries.bulletin_row(b))


def serialize_row(r: dict) -> dict:
    """A bulletin's JSON from its list row (``queries.bulletin_row``): the list builds it without ORM objects."""
    public = r["public"]
    return {
        "id": r["id"],
        "title": r["title"],
        "body": r["body"],
        "spoken_text": r["spoken_text"],
        "category": r["category"],
        "department": r["department"],
        "priority": r["priority"],
        "status": r["status"],
        "status_label": workflow.status_label(r["status"]),
        "valid_from": _iso(r["valid_from"]),
        "valid_until": _iso(r["valid_until"]),
        "airings": r["airings_wanted"],
        "airings_left": r["airings_left"],
        "all_stations": bool(r["all_stations"]),
        "stations": [] if r["all_stations"] else r["stations"],
        "clusters": r["clusters"],
        "voice": r["voice"],
        "author": r["author"],
        "version": r["version"],
        "has_recording": bool(r["recording_path"]),
        "review_comment": r["review_comment"],
        "estimated_duration_s": service.estimate_seconds(r["spoken_text"] or r["body"]),
        "created_at": _iso(r["created_at"]),
        "updated_at": _iso(r["updated_at"]),
        "submitted_at": _iso(r["submitted_at"]),
        "approved_at": _iso(r["approved_at"]),
        "approved_by": r["approved_by"],
        # the effective value (as visibility.is_public); public_choice is what the approver chose
        "public": public if public is not None else default_public(r["category"]),
        "public_choice": public,
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
    user = current_db_user()
    # Systems poll the list: the same answer is served from memory until the next commit (web.pagecache).
    key = ("api.bulletins", user.id, user.role, user.ward_id, user.department_id, request.query_string)
    body = pagecache.remember(key, lambda: _list_json(user))
    return current_app.response_class(body, mimetype="application/json")


def _list_json(user) -> bytes:
    args = request.args
    page = queries.list_bulletin_rows(
        db_session(),
        user,
        page=args.get("page"),
        per_page=args.get("per_page"),
        status=args.get("status"),
        category=args.get("category"),
        department=args.get("department"),
        q=args.get("q"),
        on_date=args.get("date"),
    )
    items = [serialize_row(r) for r in page.items]
    return jsonify(items=items, page=page.page, per_page=page.per_page, total=page.total, pages=page.pages).data


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
