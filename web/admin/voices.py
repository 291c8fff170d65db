"""Giọng đọc: every voice side by side with the same sample sentence, and what paid voices cost."""

from __future__ import annotations

from datetime import datetime

from flask import flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _

from broadcast import roles
from broadcast.speech import samples, usage
from broadcast.speech.engines.chain import voice_catalogue

from .. import db_session, limiter, runtime_of
from ..auth import client_ip, current_db_user, roles_required
from ..forms import commit_or_flash
from ..nav import ALL_ROLES, NAV_ITEMS
from . import bp

EDIT_ROLES = roles.EDIT_ROLES  # admin always passes


@bp.get("/voices")
@roles_required()
def voices():
    settings = runtime_of().settings
    user = current_db_user()
    return render_template(
        "admin/voices.html",
        voices=voice_catalogue(settings),
        usage=usage.usage(db_session(), datetime.now(settings.tz).date()),
        sample_text=samples.SAMPLE_TEXT,
        can_edit=user is not None and (user.role in EDIT_ROLES or user.role == "admin"),
    )


@bp.get("/voices/sample")
@limiter.limit("30 per minute")  # each new voice runs an engine (and a paid one costs characters)
@roles_required(*EDIT_ROLES)
def voice_sample():
    with commit_or_flash(flash_error=False) as outcome:  # the page's player shows the error itself
        path = samples.render_sample(
            db_session(), runtime_of().settings, request.args.get("engine", ""), request.args.get("voice", "")
        )
    if outcome.error:
        return outcome.error.message, 400, {"Content-Type": "text/plain; charset=utf-8"}
    return send_file(path, mimetype="audio/mpeg", max_age=0)


@bp.post("/voices/caps")
@roles_required(*EDIT_ROLES)
def voice_caps():
    engine = request.form.get("engine", "")
    with commit_or_flash() as outcome:
        value = usage.set_cap(db_session(), engine, request.form.get("cap"), user=current_db_user(), ip=client_ip())
    if not outcome.error:
        limit = _("không giới hạn") if value is None else _("%(n)s ký tự mỗi tháng", n=f"{value:,}".replace(",", "."))
        flash(_("Hạn mức của %(p)s: %(limit)s.", p=usage.PAID.get(engine, engine), limit=limit), "success")
    return redirect(url_for("admin.voices"))


if not any(item[0] == "admin.voices" for item in NAV_ITEMS):
    NAV_ITEMS.append(("admin.voices", "Giọng đọc", ALL_ROLES))
