"""Đơn vị: the admin's list of departments (add, rename) and the ward's approval setting.

A ward admin adds and renames their ward's departments and sees the province's read-only; a province admin
sees every department with its ward and chooses the ward of a new one (none: a province department).
The rules are in broadcast.departments and broadcast.users."""

from __future__ import annotations

from flask import abort, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from broadcast import departments as service
from broadcast import users
from broadcast.bulletins.permissions import OPERATOR_MAY_APPROVE_NORMAL
from broadcast.domain.models import Department, Ward

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
    session, actor = db_session(), current_db_user()
    # The ward's own first, then the province's (ward NULL) it shares read-only.
    order = (Department.ward_id.is_(None), Department.code)
    page = paginate(
        select(Department).options(selectinload(Department.ward)).order_by(*order), select(func.count(Department.id))
    )
    wards = session.scalars(select(Ward).order_by(Ward.name)).all() if actor.ward_id is None else []
    return render_template(
        "admin/departments.html",
        page=page,
        operator_may_approve=users.operator_may_approve(session, actor.ward_id),
        actor=actor,
        wards=wards,
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
            # Another ward's department and the province's answer as a missing one.
            dept = service.managed_department(session, actor, form["department_id"]) or abort(404)
            service.rename_department(session, actor, dept, form.get("name"), ip=client_ip())
        else:
            service.create_department(
                session, actor, form.get("code"), form.get("name"), ward=form.get("ward") or None, ip=client_ip()
            )
    return redirect(url_for("admin.departments"))
