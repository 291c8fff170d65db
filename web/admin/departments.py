"""Đơn vị: the admin's list of departments (add, rename) and the ward's approval setting.
The rules are in broadcast.departments and broadcast.users."""

from __future__ import annotations

from flask import abort, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy import func, select

from broadcast import departments as service
from broadcast import users
from broadcast.bulletins.permissions import OPERATOR_MAY_APPROVE_NORMAL
from broadcast.domain.models import Department

from .. import db_session
from ..auth import client_ip, current_db_user, roles_required
from ..forms import commit_or_flash
from ..nav import N_, NAV_ITEMS
from . import bp
from .paging import paginate

NAV_ITEMS.append(("admin.departments", N_("Đơn vị"), ("admin",)))


@bp.get("/admin/departments")
@roles_required("admin")
def departments():
    page = paginate(select(Department).order_by(Department.code), select(func.count(Department.id)))
    return render_template(
        "admin/departments.html", page=page, operator_may_approve=users.operator_may_approve(db_session())
    )


@bp.post("/admin/departments")
@roles_required("admin")
def department_save():
    form, session, actor = request.form, db_session(), current_db_user()
    with commit_or_flash(_("Đã lưu đơn vị.")) as outcome:
        if form.get("setting") == OPERATOR_MAY_APPROVE_NORMAL:
            users.set_operator_may_approve(session, actor, form.get("value") == "1", ip=client_ip())
            outcome.message = _("Đã lưu cài đặt duyệt tin.")
        elif form.get("department_id"):
            dept = session.get(Department, int(form["department_id"])) or abort(404)
            service.rename_department(session, actor, dept, form.get("name"), ip=client_ip())
        else:
            service.create_department(session, actor, form.get("code"), form.get("name"), ip=client_ip())
    return redirect(url_for("admin.departments"))
