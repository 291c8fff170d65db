"""Giọng đọc: every voice side by side with the same sample sentence, and what paid voices cost."""

from __future__ import annotations

from datetime import datetime

from flask import flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from sqlalchemy import select

from broadcast import roles
from broadcast.domain.models import Station
from broadcast.speech import samples, usage
from broadcast.speech import voices as voices_core
from broadcast.speech.engines.chain import voice_catalogue
from broadcast.stations import station_by_code

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
    stations = db_session().scalars(select(Station).where(Station.enabled.is_(True)).order_by(Station.code)).all()
    return render_template(
        "admin/voices.html",
        voices=voice_catalogue(settings),
        stations=stations,
        voice_label=voices_core.label,
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


@bp.post("/voices/station")
@roles_required(*EDIT_ROLES)
def station_voice():
    """A station's voice: what its bulletins and announcements are read with from the next build."""
    form = request.form
    engine, _sep, voice = form.get("voice_choice", "").partition("|")
    raw = {"engine": engine, "voice": voice, "speed": form.get("voice_speed") or 1} if engine else None
    with commit_or_flash() as outcome:
        station = station_by_code(db_session(), form.get("station", ""))
        choice = voices_core.set_station_voice(
            db_session(), station, raw, config=runtime_of().settings, user=current_db_user(), ip=client_ip()
        )
    if not outcome.error:
        flash(_("Đài %(s)s đọc bằng %(v)s từ lần dựng chương trình sau.", s=station.name, v=voices_core.label(choice)))
    return redirect(url_for("admin.voices"))


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
