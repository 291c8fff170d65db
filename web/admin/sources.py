"""Nguồn tiếp sóng: the upstream sources a station relays (VOV, the provincial station), their last check and a
"check now", and the dashboard's line of relays coming up with each source's health.
The rules are in broadcast.relay.sources."""

from __future__ import annotations

from flask import abort, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy import select

from broadcast import roles, tenancy
from broadcast.domain.models import UpstreamSource, Ward
from broadcast.domain.types import utcnow
from broadcast.errors import NotFound
from broadcast.relay import sources as service

from .. import db_session, runtime_of
from ..auth import client_ip, current_db_user, roles_required
from ..forms import commit_or_flash
from ..nav import DASHBOARD_WIDGETS, N_, NAV_ITEMS, Widget
from . import bp

READERS = (roles.OPERATOR, roles.APPROVER, roles.VIEWER)  # admin always passes; leaders and viewers may look
OPERATORS = (roles.OPERATOR,)
WIDGET_HOURS = 24  # the dashboard looks a day ahead: time enough to fix a source before its slot
WIDGET_ROWS = 8
# app.css classes every page has: green, yellow, red, grey
STATE_BADGES = {"ok": "status-approved", "silent": "badge-warn", "failed": "status-rejected", "never": ""}


def _source_or_404(code: str) -> UpstreamSource:
    try:
        return service.source_by_code(db_session(), code)
    except NotFound:
        abort(404)


def _own() -> tuple[str, ...]:
    # The address the browser used is Loa Phường's own: relaying it would loop requests, never sound.
    return (request.host,)


def _back(code: str | None = None):
    return redirect(url_for("admin.sources") + (f"#src-{code}" if code else ""))


@bp.get("/sources")
@roles_required(*READERS)
def sources():
    session = db_session()
    rows = service.list_sources(session)
    # whose each source is: the province's (shared) or a ward's, named for a province user who sees them all
    wards = dict(session.execute(select(Ward.id, Ward.name)).all())
    own_ward = tenancy.ward_id(session)
    return render_template("admin/sources/index.html", rows=rows, wards=wards, own_ward=own_ward, **_labels())


@bp.post("/sources")
@roles_required(*OPERATORS)
def source_add():
    form = request.form
    with commit_or_flash() as outcome:
        new = service.add_source(
            db_session(),
            code=form.get("code"),
            name=form.get("name"),
            url=form.get("url"),
            category=form.get("category", "other"),
            own_addresses=_own(),
            user=current_db_user(),
            ip=client_ip(),
        )
        outcome.message = _("Đã thêm nguồn tiếp sóng %(code)s.", code=new.code)
    return _back(new.code if outcome.ok else None)


@bp.post("/sources/<code>")
@roles_required(*OPERATORS)
def source_edit(code: str):
    source, form = _source_or_404(code), request.form
    with commit_or_flash(_("Đã lưu nguồn %(code)s.", code=source.code)):
        fields = {k: form.get(k) for k in ("name", "url", "category") if k in form}
        service.update_source(
            db_session(), source, **fields, own_addresses=_own(), user=current_db_user(), ip=client_ip()
        )
    return _back(source.code)


@bp.post("/sources/<code>/enabled")
@roles_required(*OPERATORS)
def source_enabled(code: str):
    source, enabled = _source_or_404(code), request.form.get("enabled") == "1"
    done = _("Đã bật nguồn %(code)s.", code=source.code) if enabled else _("Đã tắt nguồn %(code)s.", code=source.code)
    with commit_or_flash(done):
        service.set_enabled(db_session(), source, enabled, user=current_db_user(), ip=client_ip())
    return _back(source.code)


@bp.post("/sources/<code>/check")
@roles_required(*OPERATORS)
def source_check(code: str):
    source = _source_or_404(code)
    with commit_or_flash() as outcome:
        result = service.check_source(db_session(), source)
        outcome.category = "success" if result["ok"] and result["audible"] else "error"
        outcome.message = f"{source.code}: {service.check_summary(result)}"
    return _back(source.code)


def _labels() -> dict:
    return {
        "tz": runtime_of().settings.tz,
        "category_labels": service.CATEGORY_LABELS,
        "state_labels": service.STATE_LABELS,
        "state_badges": STATE_BADGES,
        "check_state": service.check_state,
        "check_summary": service.check_summary,
    }


def _upcoming_widget(user):
    """The relay slots of the next day with their source's health; hidden when none is coming."""
    rows = service.upcoming_relays(db_session(), runtime_of().settings, utcnow(), hours=WIDGET_HOURS)
    if not rows:
        return None
    return {"rows": rows[:WIDGET_ROWS], "more": max(0, len(rows) - WIDGET_ROWS), **_labels()}


if not any(item[0] == "admin.sources" for item in NAV_ITEMS):
    NAV_ITEMS.append(("admin.sources", N_("Nguồn tiếp sóng"), ("admin",) + READERS))
if not any(w.template == "admin/sources/_widget.html" for w in DASHBOARD_WIDGETS):
    DASHBOARD_WIDGETS.append(Widget("admin/sources/_widget.html", _upcoming_widget, ("admin",) + READERS, order=18))
