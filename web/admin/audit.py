"""The audit log, read-only: who did what, when and why."""

from __future__ import annotations

from flask import flash, render_template, request

from broadcast import tenancy
from broadcast.audit_queries import audit_actions, audit_page, ward_names
from broadcast.bulletins.queries import Page
from broadcast.errors import BroadcastError

from .. import db_session, runtime_of
from ..auth import roles_required
from ..forms import error_text
from ..nav import NAV_ITEMS
from . import bp

NAV_ITEMS.append(("admin.audit_log", "Nhật ký thao tác", ("admin", "approver")))


@bp.get("/audit")
@roles_required("admin", "approver")
def audit_log():
    session = db_session()
    args = request.args
    try:
        page = audit_page(
            session,
            tz=runtime_of().settings.tz,
            action=args.get("action"),
            username=args.get("user"),
            day_from=args.get("from"),
            day_to=args.get("to"),
            ward=args.get("ward"),
            page=args.get("page"),
        )
        status = 200
    except BroadcastError as exc:
        flash(error_text(exc), "error")
        page, status = Page(items=[], total=0, page=1, per_page=50), 400
    # A province user reads every ward's rows: a ward column and a ward filter.
    wards = ward_names(session) if not tenancy.is_ward_scoped(session) else None
    return render_template(
        "admin/audit.html", page=page, actions=audit_actions(session), tz=runtime_of().settings.tz, wards=wards
    ), status
