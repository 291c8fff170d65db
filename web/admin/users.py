"""Người dùng: the admin's list of accounts, adding one and changing role, department, lock or password.

A ward admin lists and changes only their ward's accounts (the province's are shared with the ward but not
theirs to change); a province admin sees every account with its ward and chooses the ward of a new one.
The rules (who may, what is valid) are in broadcast.users."""

from __future__ import annotations

from flask import abort, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy import func, select, true
from sqlalchemy.orm import selectinload

from broadcast import users as service
from broadcast.domain.models import Department, User, Ward

from .. import db_session
from ..auth import client_ip, current_db_user, roles_required
from ..forms import commit_or_flash
from ..labels import ROLE_TEXT
from ..nav import N_, NAV_ITEMS
from . import bp
from .paging import paginate

NAV_ITEMS.append(("admin.users", N_("Người dùng"), ("admin",)))


def _own(actor, column):
    """The rows a ward admin manages (their ward's), or every row for a province admin."""
    return true() if actor.ward_id is None else column == actor.ward_id


@bp.get("/admin/users")
@roles_required("admin")
def users():
    actor, session = current_db_user(), db_session()
    page = paginate(
        select(User).where(_own(actor, User.ward_id)).options(selectinload(User.department)).order_by(User.username),
        select(func.count(User.id)).where(_own(actor, User.ward_id)),
    )
    departments = session.scalars(select(Department).order_by(Department.name)).all()
    wards = session.scalars(select(Ward).order_by(Ward.name)).all() if actor.ward_id is None else []
    return render_template(
        "admin/users.html",
        page=page,
        roles=ROLE_TEXT,
        departments=departments,
        wards=wards,
        ward_names={w.id: w.name for w in wards},
        actor=actor,
    )


@bp.post("/admin/users")
@roles_required("admin")
def user_save():
    form, session, actor = request.form, db_session(), current_db_user()
    with commit_or_flash() as outcome:
        if form.get("user_id"):
            # Another ward's account and the province's answer as a missing one.
            user = service.managed_user(session, actor, form["user_id"]) or abort(404)
            service.update_user(
                session,
                actor,
                user,
                role=form.get("role"),
                department=form.get("department"),
                active=form.get("active") == "1",
                password=form.get("password"),
                ip=client_ip(),
            )
            outcome.message = _("Đã cập nhật người dùng %(name)s.", name=user.username)
        else:
            user = service.create_user(
                session,
                actor,
                form.get("username", ""),
                form.get("role", ""),
                form.get("password", ""),
                department=form.get("department") or None,
                full_name=form.get("full_name", ""),
                ward=form.get("ward") or None,
                ip=client_ip(),
            )
            outcome.message = _("Đã tạo người dùng %(name)s.", name=user.username)
    return redirect(url_for("admin.users", page=request.args.get("page")))
