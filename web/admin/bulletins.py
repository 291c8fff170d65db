"""Bulletin desk pages: list, form, detail (history, comments, audio), approval queue,
plus the admin pages for users, departments and stations."""

from __future__ import annotations

from flask import abort, flash, jsonify, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from broadcast.bulletins import permissions as perm
from broadcast.bulletins import queries, recording, service, workflow
from broadcast.domain.models import Bulletin, Category, Department, Station, User
from broadcast.errors import BroadcastError, Conflict, ValidationError
from broadcast.security import audit, check_password_strength, hash_password, parse_role
from broadcast.users import add_user

from .. import db_session, runtime_of
from ..auth import client_ip, current_db_user, roles_required
from ..nav import ALL_ROLES, DASHBOARD_WIDGETS, NAV_ITEMS, Widget
from . import bp

WRITERS = ("submitter", "operator", "approver")
REVIEWERS = ("approver", "operator")

STATUS_TEXT = {
    "draft": _l("Bản nháp"), "submitted": _l("Chờ duyệt"), "approved": _l("Đã duyệt"),
    "rejected": _l("Bị trả lại"), "scheduled": _l("Đã xếp lịch"), "airing": _l("Đang phát"),
    "completed": _l("Đã phát xong"), "expired": _l("Hết hạn"), "withdrawn": _l("Đã rút"),
}
PRIORITY_TEXT = {"normal": _l("Thường"), "priority": _l("Ưu tiên"), "emergency": _l("Khẩn cấp")}
ACTION_TEXT = {"submit": _l("Gửi duyệt"), "approve": _l("Duyệt"), "reject": _l("Trả lại"), "withdraw": _l("Rút tin")}
HISTORY_TEXT = {
    "bulletin.create": _l("Tạo tin"), "bulletin.update": _l("Sửa tin"), "bulletin.submit": _l("Gửi duyệt"),
    "bulletin.approve": _l("Duyệt"), "bulletin.reject": _l("Trả lại"), "bulletin.withdraw": _l("Rút tin"),
    "bulletin.requeue": _l("Đưa về chờ duyệt (nội dung đã sửa)"), "bulletin.recording": _l("Tải bản ghi âm"),
    "bulletin.comment": _l("Bình luận"), "bulletin.schedule": _l("Xếp lịch"),
    "bulletin.start_airing": _l("Bắt đầu phát"), "bulletin.complete": _l("Phát xong"),
    "bulletin.expire": _l("Hết hạn"),
}
ROLE_TEXT = {"admin": _l("Quản trị"), "operator": _l("Cán bộ đài"), "approver": _l("Lãnh đạo duyệt tin"),
             "submitter": _l("Người gửi tin"), "viewer": _l("Người xem")}
ADMIN_PER_PAGE = 25

def N_(message: str) -> str:
    """Marks a string for extraction; base.html translates menu labels at render time."""
    return message


N_("Tổng quan")  # the dashboard's menu label (web/nav.py)
NAV_ITEMS.extend([
    ("admin.bulletin_list", N_("Tin bài"), ALL_ROLES),
    ("admin.bulletin_new", N_("Viết tin"), WRITERS),
    ("admin.bulletin_queue", N_("Duyệt tin"), REVIEWERS),
    ("admin.users", N_("Người dùng"), ("admin",)),
    ("admin.departments", N_("Đơn vị"), ("admin",)),
    ("admin.stations", N_("Đài"), ("admin", "operator")),  # web/admin/stations.py
])


@bp.app_context_processor
def _bulletin_helpers():
    return {"status_text": lambda s: STATUS_TEXT.get(s, s), "priority_text": lambda p: PRIORITY_TEXT.get(p, p),
            "format_duration": _format_duration}


def _format_duration(seconds: int) -> str:
    m, s = divmod(int(seconds or 0), 60)
    return _("%(m)d phút %(s)02d giây", m=m, s=s) if m else _("%(s)d giây", s=s)


def _queue_widget(user):
    session = db_session()
    counts = queries.status_counts(session, user)
    return {"queue": queries.queue_count(session, user) if user.role in REVIEWERS + ("admin",) else None,
            "counts": counts, "can_review": user.role in REVIEWERS + ("admin",)}


DASHBOARD_WIDGETS.append(Widget("bulletins/_widget.html", _queue_widget, ALL_ROLES, order=20))


def _fail(exc: BroadcastError):
    db_session().rollback()
    flash(exc.message, "error")


# --- list, queue ---------------------------------------------------------------------------------

def _choices():
    session = db_session()
    return {
        "categories": session.scalars(select(Category).order_by(Category.sort_order)).all(),
        "departments": session.scalars(select(Department).order_by(Department.name)).all(),
        "stations": session.scalars(select(Station).where(Station.enabled.is_(True)).order_by(Station.code)).all(),
    }


@bp.get("/bulletins")
@roles_required(*ALL_ROLES)
def bulletin_list():
    args = request.args
    filters = {k: (args.get(k) or "").strip() for k in ("status", "category", "department", "q", "date")}
    try:
        page = queries.list_bulletins(db_session(), current_db_user(), page=args.get("page"),
                                      status=filters["status"], category=filters["category"],
                                      department=filters["department"], q=filters["q"],
                                      on_date=filters["date"])
        status_code = 200
    except ValidationError as exc:
        flash(exc.message, "error")
        page, status_code = queries.Page([], 0, 1, queries.DEFAULT_PER_PAGE), 400
    return render_template("bulletins/list.html", page=page, filters=filters, statuses=STATUS_TEXT,
                           **_choices()), status_code


@bp.get("/bulletins/queue")
@roles_required(*REVIEWERS)
def bulletin_queue():
    session = db_session()
    user = current_db_user()
    try:
        page = queries.approval_queue(session, user, page=request.args.get("page"))
    except ValidationError as exc:
        flash(exc.message, "error")
        return redirect(url_for("admin.bulletin_queue"))
    operator_note = user.role == "operator" and not perm.get_setting(session, perm.OPERATOR_MAY_APPROVE_NORMAL)
    return render_template("bulletins/queue.html", page=page, operator_note=operator_note)


# --- form ----------------------------------------------------------------------------------------

def _form_data(user: User, bulletin: Bulletin | None) -> dict:
    form = request.form
    data = {k: form.get(k, "") for k in ("title", "body", "category", "priority", "valid_from", "valid_until",
                                         "airings")}
    if user.role != "submitter" and form.get("department"):
        data["department"] = form.get("department")
    stations = [s for s in form.getlist("stations") if s]
    data["stations"] = stations or None
    if "spoken_text" in form and perm.can_edit_spoken(user, bulletin or Bulletin(status="draft")) \
            and bulletin is not None:
        data["spoken_text"] = form.get("spoken_text", "")
    return data


def _form_page(bulletin, values, error=None, status=200):
    user = current_db_user()
    return render_template(
        "bulletins/form.html", bulletin=bulletin, values=values, error=error, max_body=service.MAX_BODY,
        max_title=service.MAX_TITLE, chars_per_second=service.CHARS_PER_SECOND, priorities=PRIORITY_TEXT,
        can_spoken=bulletin is not None and perm.can_edit_spoken(user, bulletin),
        can_text=bulletin is None or perm.can_edit_text(user, bulletin), **_choices()), status


@bp.route("/bulletins/new", methods=["GET", "POST"])
@roles_required(*WRITERS)
def bulletin_new():
    user = current_db_user()
    session = db_session()
    if request.method == "POST":
        data = _form_data(user, None)
        try:
            bulletin = service.create_bulletin(session, user, data, submit_now=request.form.get("action") == "submit")
            session.commit()
        except BroadcastError as exc:
            session.rollback()
            return _form_page(None, request.form, exc, 400 if exc.http_status < 500 else exc.http_status)
        flash(_("Đã gửi tin để duyệt.") if bulletin.status == "submitted" else _("Đã lưu bản nháp."), "success")
        return redirect(url_for("admin.bulletin_detail", bulletin_id=bulletin.id))
    from datetime import timedelta

    from broadcast.domain.types import utcnow

    today = utcnow().astimezone(runtime_of().settings.tz).date()
    values = {"valid_from": today.isoformat(), "valid_until": (today + timedelta(days=7)).isoformat(),
              "airings": "3", "priority": "normal",
              "department": user.department.code if user.department else ""}
    return _form_page(None, values)


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
        try:
            service.update_bulletin(session, user, bulletin, data)
            if request.form.get("action") == "submit" and workflow.allowed(session, "submit", bulletin, user):
                workflow.submit(session, bulletin, user)
            session.commit()
        except BroadcastError as exc:
            session.rollback()
            return _form_page(bulletin, request.form, exc, exc.http_status)
        flash(_("Đã lưu thay đổi."), "success")
        return redirect(url_for("admin.bulletin_detail", bulletin_id=bulletin.id))
    values = {"title": bulletin.title, "body": bulletin.body, "spoken_text": bulletin.spoken_text or "",
              "category": bulletin.category.code, "department": bulletin.department.code,
              "priority": bulletin.priority, "valid_from": bulletin.valid_from.isoformat(),
              "valid_until": bulletin.valid_until.isoformat(), "airings": str(bulletin.airings_wanted),
              "stations": [] if bulletin.all_stations else [s.code for s in bulletin.stations]}
    return _form_page(bulletin, values)


# --- detail, actions, comments, audio ------------------------------------------------------------

def _visible_or_404(bulletin_id: int) -> Bulletin:
    try:
        return service.get_visible(db_session(), current_db_user(), bulletin_id)
    except BroadcastError:
        abort(404)


def _speech_preview_available() -> bool:
    try:
        from broadcast.speech import store  # noqa: F401  (the speech engineer's rendering, when present)
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
        "bulletins/detail.html", b=bulletin, history=history, users=names, history_text=HISTORY_TEXT,
        comments=queries.comments(session, bulletin), actions=workflow.available_actions(session, bulletin, user),
        action_text=ACTION_TEXT, can_edit=perm.can_edit_text(user, bulletin) or perm.can_edit_spoken(user, bulletin),
        can_record=perm.can_edit_text(user, bulletin), can_comment=user.role != "viewer",
        estimated=service.estimate_seconds(bulletin.text_to_speak),
        has_recording=recording.recording_file(runtime_of().settings, bulletin) is not None,
        tts_preview=_speech_preview_available(), max_mb=recording.MAX_RECORDING_BYTES // (1024 * 1024))


@bp.post("/bulletins/<int:bulletin_id>/action/<name>")
@roles_required(*ALL_ROLES)
def bulletin_action(bulletin_id: int, name: str):
    if name not in ACTION_TEXT:
        abort(404)
    session = db_session()
    bulletin = _visible_or_404(bulletin_id)
    try:
        workflow.perform(session, name, bulletin, current_db_user(), request.form.get("reason"))
        session.commit()
        flash(_("Đã thực hiện: %(action)s.", action=ACTION_TEXT[name]), "success")
    except BroadcastError as exc:
        _fail(exc)
    if name == "approve" or name == "reject":
        return redirect(url_for("admin.bulletin_queue") if request.form.get("back") == "queue"
                        else url_for("admin.bulletin_detail", bulletin_id=bulletin_id))
    return redirect(url_for("admin.bulletin_detail", bulletin_id=bulletin_id))


@bp.post("/bulletins/<int:bulletin_id>/comment")
@roles_required(*ALL_ROLES)
def bulletin_comment(bulletin_id: int):
    session = db_session()
    bulletin = _visible_or_404(bulletin_id)
    try:
        service.add_comment(session, current_db_user(), bulletin, request.form.get("comment", ""))
        session.commit()
        flash(_("Đã thêm bình luận."), "success")
    except BroadcastError as exc:
        _fail(exc)
    return redirect(url_for("admin.bulletin_detail", bulletin_id=bulletin_id) + "#comments")


def _wants_json() -> bool:
    return request.accept_mimetypes.best == "application/json"


@bp.post("/bulletins/<int:bulletin_id>/recording")
@roles_required(*WRITERS)
def bulletin_recording_upload(bulletin_id: int):
    session = db_session()
    bulletin = _visible_or_404(bulletin_id)
    upload = request.files.get("file")
    try:
        if upload is None or not upload.filename and not upload.mimetype.startswith("audio/"):
            raise ValidationError(_("Chưa chọn tệp ghi âm."), field="file")
        recording.attach_recording(session, runtime_of().settings, current_db_user(), bulletin, upload.stream,
                                   upload.filename or "ghi-am")
        session.commit()
    except BroadcastError as exc:
        session.rollback()
        if _wants_json():
            return jsonify(error={"code": exc.code, "message": exc.message}), exc.http_status
        flash(exc.message, "error")
        return redirect(url_for("admin.bulletin_detail", bulletin_id=bulletin_id))
    message = _("Đã lưu bản ghi âm.")
    if _wants_json():
        return jsonify(ok=True, message=message,
                       redirect=url_for("admin.bulletin_detail", bulletin_id=bulletin_id)), 201
    flash(message, "success")
    return redirect(url_for("admin.bulletin_detail", bulletin_id=bulletin_id))


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

    session = db_session()
    try:
        rendition = store.render_bulletin(session, bulletin, runtime_of().settings)
        session.commit()
    except BroadcastError as exc:
        session.rollback()
        return exc.message, exc.http_status if exc.http_status < 500 else 503
    return send_file(str(rendition.path), mimetype="audio/mpeg", conditional=True, max_age=0)


# --- admin: users, departments, stations, approval setting ---------------------------------------

def _page_arg() -> int:
    try:
        return queries.parse_page(request.args.get("page"))
    except ValidationError:
        abort(400)


def _paginate(stmt, count_stmt) -> queries.Page:
    page = _page_arg()
    session = db_session()
    total = session.scalar(count_stmt) or 0
    items = session.scalars(stmt.limit(ADMIN_PER_PAGE).offset((page - 1) * ADMIN_PER_PAGE)).all()
    return queries.Page(list(items), total, page, ADMIN_PER_PAGE)


@bp.route("/admin/users", methods=["GET", "POST"])
@roles_required("admin")
def users():
    session = db_session()
    actor = current_db_user()
    if request.method == "POST":
        form = request.form
        try:
            if form.get("user_id"):
                user = session.get(User, int(form["user_id"]))
                if user is None:
                    abort(404)
                role = parse_role(form.get("role", user.role)).value
                dept = form.get("department") or None
                department = session.scalar(select(Department).where(Department.code == dept)) if dept else None
                if dept and department is None:
                    raise ValidationError(_("Không có đơn vị này."), field="department")
                if role == "submitter" and department is None:
                    raise ValidationError(_("Người gửi tin phải thuộc một đơn vị."), field="department")
                active = form.get("active") == "1"
                if user.id == actor.id and (not active or role != "admin"):
                    raise Conflict(_("Không thể tự khóa hoặc tự bỏ quyền quản trị của mình."))
                user.role, user.department, user.active = role, department, active
                if form.get("password"):
                    check_password_strength(form["password"])
                    user.password_hash = hash_password(form["password"])
                audit(session, "user.update", user=actor, obj=user, ip=client_ip(),
                      detail={"role": role, "department": dept, "active": active,
                              "password_reset": bool(form.get("password"))})
                flash(_("Đã cập nhật người dùng %(name)s.", name=user.username), "success")
            else:
                user = add_user(session, form.get("username", ""), form.get("role", ""), form.get("password", ""),
                                department=form.get("department") or None, full_name=form.get("full_name", "").strip())
                audit(session, "user.create", user=actor, obj=user, ip=client_ip(), detail={"role": user.role})
                flash(_("Đã tạo người dùng %(name)s.", name=user.username), "success")
            session.commit()
        except BroadcastError as exc:
            _fail(exc)
        return redirect(url_for("admin.users", page=request.args.get("page")))
    page = _paginate(select(User).options(selectinload(User.department)).order_by(User.username),
                     select(func.count(User.id)))
    return render_template("bulletins/admin_users.html", page=page, roles=ROLE_TEXT,
                           departments=_choices()["departments"])


@bp.route("/admin/departments", methods=["GET", "POST"])
@roles_required("admin")
def departments():
    session = db_session()
    actor = current_db_user()
    if request.method == "POST":
        form = request.form
        try:
            if form.get("setting") == perm.OPERATOR_MAY_APPROVE_NORMAL:
                value = form.get("value") == "1"
                perm.set_setting(session, perm.OPERATOR_MAY_APPROVE_NORMAL, value)
                audit(session, "setting.update", user=actor, object_type="settings",
                      object_id=perm.OPERATOR_MAY_APPROVE_NORMAL, detail={"value": value}, ip=client_ip())
                flash(_("Đã lưu cài đặt duyệt tin."), "success")
            else:
                name = (form.get("name") or "").strip()
                if not name or len(name) > 200:
                    raise ValidationError(_("Tên đơn vị không được để trống (tối đa 200 ký tự)."), field="name")
                if form.get("department_id"):
                    dept = session.get(Department, int(form["department_id"]))
                    if dept is None:
                        abort(404)
                    dept.name = name
                    audit(session, "department.update", user=actor, obj=dept, detail={"name": name}, ip=client_ip())
                else:
                    code = (form.get("code") or "").strip().upper()
                    if not code or len(code) > 40 or not code.replace("-", "").replace("_", "").isalnum():
                        raise ValidationError(_("Mã đơn vị chỉ gồm chữ, số, gạch ngang (tối đa 40 ký tự)."),
                                              field="code")
                    if session.scalar(select(Department.id).where(Department.code == code)):
                        raise Conflict(_("Mã đơn vị %(code)s đã có.", code=code), field="code")
                    station = session.scalar(select(Station).order_by(Station.id))
                    if station is None:
                        raise Conflict(_("Chưa có phường nào: hãy nạp lịch đài trước."))
                    dept = Department(code=code, name=name, ward_id=station.ward_id)
                    session.add(dept)
                    session.flush()
                    audit(session, "department.create", user=actor, obj=dept, detail={"code": code}, ip=client_ip())
                flash(_("Đã lưu đơn vị."), "success")
            session.commit()
        except BroadcastError as exc:
            _fail(exc)
        return redirect(url_for("admin.departments"))
    page = _paginate(select(Department).order_by(Department.code), select(func.count(Department.id)))
    return render_template("bulletins/admin_departments.html", page=page,
                           operator_may_approve=bool(perm.get_setting(session, perm.OPERATOR_MAY_APPROVE_NORMAL)))
