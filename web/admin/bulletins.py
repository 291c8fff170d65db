"""Bulletin desk pages: list, form, detail (history, comments, audio), approval queue.
(Users and departments: web/admin/users.py and departments.py.)"""

from __future__ import annotations

from datetime import timedelta

from flask import abort, flash, jsonify, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from broadcast import roles
from broadcast.bulletins import permissions as perm
from broadcast.bulletins import queries, recording, service, targets, workflow
from broadcast.domain.models import Bulletin, Category, Department, Station, User, Ward
from broadcast.domain.types import utcnow
from broadcast.errors import BroadcastError, ValidationError
from broadcast.speech.engines.chain import voice_catalogue

from .. import db_session, runtime_of
from ..auth import current_db_user, roles_required
from ..forms import commit_or_flash, error_text
from ..labels import PRIORITY_TEXT, STATUS_TEXT
from ..nav import ALL_ROLES, DASHBOARD_WIDGETS, N_, NAV_ITEMS, Widget
from ..public import cache as public_cache
from . import bp

WRITERS = (roles.SUBMITTER, roles.OPERATOR, roles.APPROVER)
REVIEWERS = (roles.APPROVER, roles.OPERATOR)  # admin always passes
ACTION_TEXT = {"submit": _l("Gửi duyệt"), "approve": _l("Duyệt"), "reject": _l("Trả lại"), "withdraw": _l("Rút tin")}
HISTORY_TEXT = {
    "bulletin.create": _l("Tạo tin"),
    "bulletin.update": _l("Sửa tin"),
    "bulletin.submit": _l("Gửi duyệt"),
    "bulletin.approve": _l("Duyệt"),
    "bulletin.reject": _l("Trả lại"),
    "bulletin.withdraw": _l("Rút tin"),
    "bulletin.requeue": _l("Đưa về chờ duyệt (nội dung đã sửa)"),
    "bulletin.recording": _l("Tải bản ghi âm"),
    "bulletin.comment": _l("Bình luận"),
    "bulletin.public": _l("Chọn đăng lên trang nghe công khai"),
    "bulletin.schedule": _l("Xếp lịch"),
    "bulletin.start_airing": _l("Bắt đầu phát"),
    "bulletin.complete": _l("Phát xong"),
    "bulletin.expire": _l("Hết hạn"),
}
PUBLIC_DONE = {
    True: _l("Tin được đăng trên trang nghe công khai (sau khi đã phát)."),
    False: _l("Tin không đăng trên trang nghe công khai."),
}
PUBLIC_SAME = _l("Lựa chọn đăng công khai không đổi.")


N_("Tổng quan")  # the dashboard's menu label (web/nav.py)
NAV_ITEMS.extend(
    [
        ("admin.bulletin_list", N_("Tin bài"), ALL_ROLES),
        ("admin.bulletin_new", N_("Viết tin"), WRITERS),
        ("admin.bulletin_queue", N_("Duyệt tin"), REVIEWERS),
    ]
)


@bp.app_context_processor
def _bulletin_helpers():
    return {"format_duration": _format_duration}  # status_text, priority_text: web/labels.py


def _format_duration(seconds: int) -> str:
    m, s = divmod(int(seconds or 0), 60)
    return _("%(m)d phút %(s)02d giây", m=m, s=s) if m else _("%(s)d giây", s=s)


def _queue_widget(user):
    """The headline is the same "Chờ duyệt" number as the counts under it (every submitted bulletin the
    user can see); how many of those the user may approve (never their own; an operator only normal
    ones, and only when allowed) is a second line, so the two never look like a contradiction."""
    session = db_session()
    counts = queries.status_counts(session, user)
    can_review = user.role in REVIEWERS + ("admin",)
    return {
        "waiting": counts["submitted"],
        "queue": queries.queue_count(session, user) if can_review else None,
        "counts": counts,
        "can_review": can_review,
    }


DASHBOARD_WIDGETS.append(Widget("bulletins/_widget.html", _queue_widget, ALL_ROLES, order=20))


# --- list, queue ---------------------------------------------------------------------------------


def _choices():
    session = db_session()
    return {
        "categories": session.scalars(select(Category).order_by(Category.sort_order)).all(),
        "departments": session.scalars(select(Department).order_by(Department.name)).all(),
        "stations": session.scalars(
            select(Station)
            .where(Station.enabled.is_(True))
            .options(selectinload(Station.clusters))
            .order_by(Station.code)
        ).all(),
        "voices": [v for v in voice_catalogue(runtime_of().settings) if v["available"]],
        # A province user may send a bulletin down to chosen wards; a ward user never sees this choice.
        "wards": session.scalars(select(Ward).order_by(Ward.name)).all() if current_db_user().ward_id is None else [],
    }


@bp.get("/bulletins")
@roles_required(*ALL_ROLES)
def bulletin_list():
    args = request.args
    filters = {k: (args.get(k) or "").strip() for k in ("status", "category", "department", "q", "date")}
    try:
        page = queries.list_bulletins(
            db_session(),
            current_db_user(),
            page=args.get("page"),
            status=filters["status"],
            category=filters["category"],
            department=filters["department"],
            q=filters["q"],
            on_date=filters["date"],
        )
        status_code = 200
    except ValidationError as exc:
        flash(error_text(exc), "error")
        page, status_code = queries.Page([], 0, 1, queries.DEFAULT_PER_PAGE), 400
    return render_template(
        "bulletins/list.html", page=page, filters=filters, statuses=STATUS_TEXT, **_choices()
    ), status_code


@bp.get("/bulletins/queue")
@roles_required(*REVIEWERS)
def bulletin_queue():
    session = db_session()
    user = current_db_user()
    try:
        page = queries.approval_queue(session, user, page=request.args.get("page"))
    except ValidationError as exc:
        flash(error_text(exc), "error")
        return redirect(url_for("admin.bulletin_queue"))
    operator_note = user.role == "operator" and not perm.get_setting(session, perm.OPERATOR_MAY_APPROVE_NORMAL)
    return render_template("bulletins/queue.html", page=page, operator_note=operator_note)


# --- form ----------------------------------------------------------------------------------------


def _form_data(user: User, bulletin: Bulletin | None) -> dict:
    form = request.form
    data = {
        k: form.get(k, "") for k in ("title", "body", "category", "priority", "valid_from", "valid_until", "airings")
    }
    if user.role != "submitter" and form.get("department"):
        data["department"] = form.get("department")
    stations = [s for s in form.getlist("stations") if s]
    data["stations"] = stations or None
    data["clusters"] = [c for c in form.getlist("clusters") if c]
    wards = [w for w in form.getlist("wards") if w]
    if user.ward_id is None and wards:  # only province users have the wards' choice
        data["wards"] = "all" if "all" in wards else wards
    if "voice_choice" in form:  # "engine|voice", or empty for the stations' voice
        engine, _, voice = form.get("voice_choice", "").partition("|")
        data["voice"] = {"engine": engine, "voice": voice, "speed": form.get("voice_speed") or 1} if engine else None
    if (
        "spoken_text" in form
        and perm.can_edit_spoken(user, bulletin or Bulletin(status="draft"))
        and bulletin is not None
    ):
        data["spoken_text"] = form.get("spoken_text", "")
    return data


def _form_page(bulletin, values, error=None, status=200):
    user = current_db_user()
    return render_template(
        "bulletins/form.html",
        bulletin=bulletin,
        values=values,
        error=error,
        max_body=service.MAX_BODY,
        max_title=service.MAX_TITLE,
        chars_per_second=service.CHARS_PER_SECOND,
        priorities=PRIORITY_TEXT,
        can_spoken=bulletin is not None and perm.can_edit_spoken(user, bulletin),
        can_text=bulletin is None or perm.can_edit_text(user, bulletin),
        **_choices(),
    ), status


def _new_values(user: User) -> dict:
    """A new bulletin's form: airs from today for a week, three times, in the writer's department."""
    today = utcnow().astimezone(runtime_of().settings.tz).date()
    return {
        "valid_from": today.isoformat(),
        "valid_until": (today + timedelta(days=7)).isoformat(),
        "airings": "3",
        "priority": "normal",
        "department": user.department.code if user.department else "",
    }


def _edit_values(bulletin: Bulletin) -> dict:
    return {
        "title": bulletin.title,
        "body": bulletin.body,
        "spoken_text": bulletin.spoken_text or "",
        "category": bulletin.category.code,
        "department": bulletin.department.code,
        "priority": bulletin.priority,
        "valid_from": bulletin.valid_from.isoformat(),
        "valid_until": bulletin.valid_until.isoformat(),
        "airings": str(bulletin.airings_wanted),
        "stations": [] if bulletin.all_stations else [s.code for s in bulletin.stations],
        "wards": ["all"] if bulletin.all_stations and bulletin.department.ward_id is None else [],
        "clusters": targets.cluster_codes(bulletin),
        "voice_choice": f"{bulletin.voice['engine']}|{bulletin.voice['voice']}" if bulletin.voice else "",
        "voice_speed": str(bulletin.voice["speed"]) if bulletin.voice else "1",
    }


@bp.route("/bulletins/new", methods=["GET", "POST"])
@roles_required(*WRITERS)
def bulletin_new():
    user = current_db_user()
    session = db_session()
    if request.method == "POST":
        data = _form_data(user, None)
        with commit_or_flash(flash_error=False) as outcome:
            bulletin = service.create_bulletin(session, user, data, submit_now=request.form.get("action") == "submit")
            outcome.message = _("Đã gửi tin để duyệt.") if bulletin.status == "submitted" else _("Đã lưu bản nháp.")
        if outcome.error:
            status = outcome.error.http_status
            return _form_page(None, request.form, outcome.error, status if status >= 500 else 400)
        return redirect(url_for("admin.bulletin_detail", bulletin_id=bulletin.id))
    return _form_page(None, _new_values(user))


@bp.route("/bulletins/<int:bulletin_id>/edit", methods=["GET", "POST"])
@roles_required(*WRITERS)
def bulletin_edit(bulletin_id: int):
    session = db_session()
    user = current_db_user()
    bulletin = _visible_or_404(bulletin_id)
    if not (perm.can_edit_text(user, bulletin) or perm.can_edit_spoken(user, bulletin)):
        flash(_("Tin ở trạng thái này không sửa được."), "error")
        return redirect(url_for("admin.bulletin_detail", bulletin_id=bulletin.id))
    if request.method == "POST":
        data = _form_data(user, bulletin)
        if not perm.can_edit_text(user, bulletin):
            data = {"spoken_text": data.get("spoken_text", "")}
        with commit_or_flash(_("Đã lưu thay đổi."), flash_error=False) as outcome:
            service.update_bulletin(session, user, bulletin, data)
            if request.form.get("action") == "submit" and workflow.allowed(session, "submit", bulletin, user):
                workflow.submit(session, bulletin, user)
        if outcome.error:
            return _form_page(bulletin, request.form, outcome.error, outcome.error.http_status)
        return redirect(url_for("admin.bulletin_detail", bulletin_id=bulletin.id))
    return _form_page(bulletin, _edit_values(bulletin))


# --- detail, actions, comments, audio ------------------------------------------------------------


def _visible_or_404(bulletin_id: int) -> Bulletin:
    try:
        return service.get_visible(db_session(), current_db_user(), bulletin_id)
    except BroadcastError:
        abort(404)


def _speech_preview_available() -> bool:
    try:
        from broadcast.speech import store
    except ImportError:
        return False
    return hasattr(store, "render_bulletin")


@bp.get("/bulletins/<int:bulletin_id>")
@roles_required(*ALL_ROLES)
def bulletin_detail(bulletin_id: int):
    session = db_session()
    user = current_db_user()
    bulletin = _visible_or_404(bulletin_id)
    history = queries.history(session, bulletin)
    names = {u.id: u for u in session.scalars(select(User).where(User.id.in_({h.user_id for h in history})))}
    return render_template(
        "bulletins/detail.html",
        b=bulletin,
        history=history,
        users=names,
        history_text=HISTORY_TEXT,
        comments=queries.comments(session, bulletin),
        actions=workflow.available_actions(session, bulletin, user),
        action_text=ACTION_TEXT,
        can_edit=perm.can_edit_text(user, bulletin) or perm.can_edit_spoken(user, bulletin),
        can_record=perm.can_edit_text(user, bulletin),
        can_comment=user.role != "viewer",
        estimated=service.estimate_seconds(bulletin.text_to_speak),
        has_recording=recording.recording_file(runtime_of().settings, bulletin) is not None,
        tts_preview=_speech_preview_available(),
        max_mb=recording.MAX_RECORDING_BYTES // (1024 * 1024),
        public=service.public_state(bulletin),
        can_publish=service.may_set_public(session, user, bulletin),
    )


@bp.post("/bulletins/<int:bulletin_id>/action/<name>")
@roles_required(*ALL_ROLES)
def bulletin_action(bulletin_id: int, name: str):
    if name not in ACTION_TEXT:
        abort(404)
    session = db_session()
    bulletin = _visible_or_404(bulletin_id)
    with commit_or_flash(_("Đã thực hiện: %(action)s.", action=ACTION_TEXT[name])):
        workflow.perform(session, name, bulletin, current_db_user(), request.form.get("reason"))
    if name == "approve" or name == "reject":
        return redirect(
            url_for("admin.bulletin_queue")
            if request.form.get("back") == "queue"
            else url_for("admin.bulletin_detail", bulletin_id=bulletin_id)
        )
    return redirect(url_for("admin.bulletin_detail", bulletin_id=bulletin_id))


@bp.post("/bulletins/<int:bulletin_id>/public")
@roles_required(*REVIEWERS)
def bulletin_public(bulletin_id: int):
    """The approver's choice: the box as ticked, or back to the category's default. Ticking what the
    category already gives keeps following the category."""
    session = db_session()
    bulletin = _visible_or_404(bulletin_id)
    state = service.public_state(bulletin)
    wanted = request.form.get("public") == "1"
    if request.form.get("action") == "default" or (state["choice"] is None and wanted == state["default"]):
        wanted = None
    with commit_or_flash() as outcome:
        changed = service.set_public(session, current_db_user(), bulletin, wanted)
        outcome.message = str(PUBLIC_DONE[service.public_state(bulletin)["public"]] if changed else PUBLIC_SAME)
    if outcome.ok and changed:
        public_cache.clear()  # the public page and feeds change at once, not after their cache time
    return redirect(url_for("admin.bulletin_detail", bulletin_id=bulletin_id) + "#public")


@bp.post("/bulletins/<int:bulletin_id>/comment")
@roles_required(*ALL_ROLES)
def bulletin_comment(bulletin_id: int):
    session = db_session()
    bulletin = _visible_or_404(bulletin_id)
    with commit_or_flash(_("Đã thêm bình luận.")):
        service.add_comment(session, current_db_user(), bulletin, request.form.get("comment", ""))
    return redirect(url_for("admin.bulletin_detail", bulletin_id=bulletin_id) + "#comments")


def _wants_json() -> bool:
    return request.accept_mimetypes.best == "application/json"


@bp.post("/bulletins/<int:bulletin_id>/recording")
@roles_required(*WRITERS)
def bulletin_recording_upload(bulletin_id: int):
    session = db_session()
    bulletin = _visible_or_404(bulletin_id)
    upload = request.files.get("file")
    wants_json = _wants_json()  # recording.js: it shows the message itself, nothing is flashed
    message = _("Đã lưu bản ghi âm.")
    with commit_or_flash(None if wants_json else message, flash_error=not wants_json) as outcome:
        if upload is None or (not upload.filename and not upload.mimetype.startswith("audio/")):
            raise ValidationError(_("Chưa chọn tệp ghi âm."), field="file")
        recording.attach_recording(
            session, runtime_of().settings, current_db_user(), bulletin, upload.stream, upload.filename or "ghi-am"
        )
    detail = url_for("admin.bulletin_detail", bulletin_id=bulletin_id)
    if wants_json and outcome.error:
        return jsonify(error={"code": outcome.error.code, "message": outcome.error_message}), outcome.error.http_status
    if wants_json:
        return jsonify(ok=True, message=message, redirect=detail), 201
    return redirect(detail)


@bp.get("/bulletins/<int:bulletin_id>/recording")
@roles_required(*ALL_ROLES)
def bulletin_recording_audio(bulletin_id: int):
    bulletin = _visible_or_404(bulletin_id)
    path = recording.recording_file(runtime_of().settings, bulletin)
    if path is None:
        abort(404)
    return send_file(path, mimetype=recording.recording_mime(path), conditional=True, max_age=0)


@bp.get("/bulletins/<int:bulletin_id>/preview")
@roles_required(*ALL_ROLES)
def bulletin_preview_audio(bulletin_id: int):
    """TTS preview through the speech engineer's ``broadcast.speech.store.render_bulletin``."""
    bulletin = _visible_or_404(bulletin_id)
    if not _speech_preview_available():
        abort(404)
    from broadcast.speech import store

    # Heard as it will air: the bulletin's own voice, else its station's when it goes to one station.
    only = bulletin.stations[0] if not bulletin.all_stations and len(bulletin.stations) == 1 else None
    with commit_or_flash(flash_error=False) as outcome:  # the <audio> element shows no flash
        rendition = store.render_bulletin(
            db_session(), bulletin, runtime_of().settings, station_voice=only.voice if only else None
        )
    if outcome.error:
        return outcome.error_message, outcome.error.http_status if outcome.error.http_status < 500 else 503
    return send_file(str(rendition.path), mimetype="audio/mpeg", conditional=True, max_age=0)
