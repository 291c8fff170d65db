"""Trang công khai: the ward's public listening page for its admin: the links to hand out (page, podcast
feeds), the code a ward portal pastes to embed the player, the origins allowed to frame it, and a QR
poster per residential group. The rules are in broadcast.publishing (origins, posters)."""

from __future__ import annotations

import io

from flask import abort, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from sqlalchemy import select

from broadcast import roles
from broadcast.domain.models import Ward
from broadcast.errors import NotFound, ValidationError
from broadcast.publishing import origins as origin_rules
from broadcast.publishing import posters
from broadcast.stations import station_by_code

from .. import db_session
from ..auth import client_ip, current_db_user, roles_required
from ..forms import commit_or_flash, error_text
from ..nav import N_, NAV_ITEMS
from ..public import cache as public_cache
from . import bp

READERS = (roles.OPERATOR,)  # admin always passes; only the admin changes the embed origins
NAV_ITEMS.append(("admin.publishing", N_("Trang công khai"), (roles.ADMIN, *READERS)))
IFRAME = '<iframe src="{src}" title="{title}" width="100%" height="560" loading="lazy" style="border:0"></iframe>'


def _ward(code: str | None) -> tuple[Ward | None, list[Ward]]:
    """The ward asked for (404 if unknown), else the user's own, else the first; and the wards the user may pick.
    The request's scope leaves a ward user only their ward: another's code is unknown (404), as a missing one."""
    wards = list(db_session().scalars(select(Ward).order_by(Ward.code)))
    if code:
        chosen = next((w for w in wards if w.code == code.strip().upper()), None)
        if chosen is None:
            abort(404)
        return chosen, wards
    own = next((w for w in wards if w.id == current_db_user().ward_id), None)
    return own or (wards[0] if wards else None), wards


def _links(ward: Ward) -> dict:
    page = url_for("public.ward_page", ward=ward.code, _external=True)
    embed = url_for("public.embed", ward=ward.code, _external=True)
    return {
        "page": page,
        "feed": url_for("public.ward_feed", ward=ward.code, _external=True),
        "cchc_feed": url_for("public.category_feed", ward=ward.code, category="cchc", _external=True),
        "embed": embed,
        "iframe": IFRAME.format(src=embed, title=_("Tin phát thanh %(ward)s", ward=ward.name)),
    }


@bp.get("/publishing")
@roles_required(*READERS)
def publishing():
    ward, wards = _ward(request.args.get("ward"))
    if ward is None:
        return render_template("admin/publishing.html", ward=None, wards=wards)
    return render_template(
        "admin/publishing.html",
        ward=ward,
        wards=wards,
        links=_links(ward),
        origins="\n".join(ward.embed_origins or []),
        max_origins=origin_rules.MAX_ORIGINS,
        example=origin_rules.EXAMPLE,
        clusters=posters.ward_clusters(db_session(), ward),
    )


@bp.post("/publishing")
@roles_required(roles.ADMIN)
def publishing_save():
    ward, _all = _ward(request.form.get("ward") or "")
    if ward is None:
        abort(404)
    with commit_or_flash() as outcome:
        changed = origin_rules.set_embed_origins(
            db_session(), ward, request.form.get("embed_origins", ""), user=current_db_user(), ip=client_ip()
        )
        outcome.message = _("Đã lưu các địa chỉ được nhúng.") if changed else _("Các địa chỉ được nhúng không đổi.")
    if outcome.ok and changed:
        public_cache.clear()  # the embed page's cached answer carries the old frame-ancestors
    return redirect(url_for("admin.publishing", ward=ward.code) + "#embed")


def _pdf(content: bytes, name: str):
    return send_file(io.BytesIO(content), mimetype="application/pdf", as_attachment=True, download_name=name)


@bp.get("/publishing/poster/<station_code>/<cluster_code>.pdf")
@roles_required(*READERS)
def cluster_poster(station_code: str, cluster_code: str):
    session = db_session()
    try:
        station = station_by_code(session, station_code)
        url = url_for("public.ward_page", ward=station.ward.code, _external=True)
        content = posters.ward_posters(session, station.ward, url, station=station.code, cluster=cluster_code)
    except NotFound:
        abort(404)
    return _pdf(content, f"ma-qr-{station.code}-{cluster_code}.pdf")


@bp.get("/publishing/posters/<ward_code>.pdf")
@roles_required(*READERS)
def ward_posters(ward_code: str):
    ward, _all = _ward(ward_code)
    try:
        content = posters.ward_posters(db_session(), ward, url_for("public.ward_page", ward=ward.code, _external=True))
    except ValidationError as exc:  # a ward without clusters: said on the page
        flash(error_text(exc), "error")
        return redirect(url_for("admin.publishing", ward=ward.code) + "#posters")
    return _pdf(content, f"ma-qr-{ward.code}.pdf")
