"""Phường, xã: the province admin's page of wards (stations and users of each), adding a ward, and the
province's name and the issuer of its reports.  A ward admin runs only their ward: 403.
The rules are in broadcast.wards."""

from __future__ import annotations

from flask import redirect, render_template, request, url_for
from flask_babel import gettext as _

from broadcast import tenancy
from broadcast import wards as service

from .. import db_session
from ..auth import current_db_user, province_required, roles_required
from ..forms import commit_or_flash
from ..nav import N_, NAV_ITEMS, PROVINCE_ONLY
from . import bp

NAV_ITEMS.append(("admin.wards", N_("Phường, xã"), ("admin",)))
PROVINCE_ONLY.add("admin.wards")


@bp.get("/admin/wards")
@roles_required("admin")
@province_required
def wards():
    session = db_session()
    return render_template(
        "admin/wards.html", rows=service.ward_rows(session), province=tenancy.installation_province(session)
    )


@bp.post("/admin/wards")
@roles_required("admin")
@province_required
def ward_add():
    actor, form = current_db_user(), request.form
    with commit_or_flash() as outcome:
        ward = service.add_ward(
            db_session(), form.get("code"), form.get("name"), district=form.get("district"), actor=actor
        )
        outcome.message = _("Đã thêm %(name)s (mã %(code)s).", name=ward.name, code=ward.code)
    return redirect(url_for("admin.wards"))


@bp.post("/admin/province")
@roles_required("admin")
@province_required
def province_save():
    actor, form = current_db_user(), request.form
    with commit_or_flash(_("Đã lưu thông tin tỉnh.")):
        service.set_province(db_session(), name=form.get("name"), issuer=form.get("issuer") or "", actor=actor)
    return redirect(url_for("admin.wards"))
