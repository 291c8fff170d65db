"""Pages: the pronunciation lexicon (shipped defaults and operator entries).

Everyone logged in may read the lexicon and try the normaliser; operators
(and admins) add, edit and delete entries.  A ward's operators add entries for their ward and read the
province's (read-only for them; a ward entry for the same term overrides it in the ward); the province's
operators edit the province-wide entries.  The document-symbols choice is per ward the same way.
Every change bumps the lexicon version, marks stale only the renditions whose spoken text it changes, and
is written to the audit log.  The "try it" box calls ``/lexicon/normalize``
(JSON) and ``/lexicon/speak`` (a short espeak MP3) from ``lexicon.js``.
"""

from __future__ import annotations

import tempfile

from flask import Response, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _

from broadcast import roles, tenancy
from broadcast.errors import BroadcastError, ValidationError
from broadcast.speech import store
from broadcast.speech.normalize import normalize, problems
from broadcast.speech.normalize.abbreviations import default_lexicon
from broadcast.speech.render import render_text
from broadcast.speech.textcheck import check_text

from .. import db_session, limiter, runtime_of
from ..auth import client_ip, current_db_user, roles_required
from ..forms import commit_or_flash
from ..nav import ALL_ROLES, NAV_ITEMS
from . import bp

EDIT_ROLES = roles.EDIT_ROLES  # admin always passes
#: The "try it" box is for a word or a sentence, not a bulletin.
MAX_PREVIEW_CHARS = 500
#: Rendering to audio costs a few hundred ms of CPU: keep it shorter.
MAX_SPEAK_CHARS = 300


def _can_edit() -> bool:
    user = current_db_user()
    return user is not None and (user.role in EDIT_ROLES or user.role == "admin")


def _candidate_lexicon(args) -> dict[str, str]:
    """Operator entries plus the entry being typed (not saved yet), if it is valid."""
    lexicon = store.operator_lexicon(db_session())
    term, spoken = (args.get("term") or "").strip(), (args.get("spoken") or "").strip()
    if term and spoken:
        try:
            lexicon[store.clean_term(term)] = " ".join(spoken.split())
        except BroadcastError:
            pass
    return lexicon


def _preview_text(args, limit: int) -> str:
    text = args.get("text") or ""
    if not text.strip():
        raise ValidationError(_("Nhập một câu để thử cách đọc."), field="text")
    if len(text) > limit:
        raise ValidationError(_("Câu thử quá dài (tối đa %(n)s ký tự).", n=limit), field="text")
    return text


@bp.get("/lexicon")
@roles_required()
def lexicon():
    q = (request.args.get("q") or "").strip()
    editing = None
    if _can_edit() and request.args.get("edit"):
        editing = store.get_lexicon_entry(db_session(), request.args["edit"])
        if editing is None:  # a default or province entry: start an override with its reading
            term = request.args["edit"]
            spoken = store.operator_lexicon(db_session()).get(term) or default_lexicon().get(term, "")
            editing = {"term": term, "spoken": spoken, "note": ""}
    return _lexicon_page(q=q, editing=editing)


def _lexicon_page(*, q: str = "", editing=None, form=None, error=None, status: int = 200):
    """The lexicon page, filtered by ``q``; after a failed save, the form as typed and its error."""
    session = db_session()
    entries = store.lexicon_entries(session)
    operator_terms = {e.term for e in entries}
    ward_terms = {e.term for e in entries if e.ward_id is not None}  # a ward's entries override the province's
    defaults = sorted(default_lexicon().items(), key=lambda kv: kv[0].casefold())
    if q:
        needle = q.casefold()
        entries = [e for e in entries if needle in e.term.casefold() or needle in e.spoken.casefold()]
        defaults = [(t, s) for t, s in defaults if needle in t.casefold() or needle in s.casefold()]
    return render_template(
        "admin/lexicon/index.html",
        entries=entries,
        defaults=defaults,
        q=q,
        operator_terms=operator_terms,
        ward_terms=ward_terms,
        own_level=tenancy.ward_id(session),
        version=store.lexicon_version(session),
        can_edit=_can_edit(),
        editing=editing,
        form=form,
        error=error,
        max_term=store.MAX_TERM_CHARS,
        max_spoken=store.MAX_SPOKEN_CHARS,
        max_note=store.MAX_NOTE_CHARS,
        max_preview=MAX_PREVIEW_CHARS,
        full_symbols=store.full_symbols(session),
    ), status


@bp.post("/lexicon")
@roles_required(*EDIT_ROLES)
def lexicon_save():
    session, user = db_session(), current_db_user()
    form = {k: request.form.get(k, "") for k in ("term", "spoken", "note")}
    with commit_or_flash(flash_error=False) as outcome:  # the error is shown in the form
        change = store.save_lexicon_entry(session, form["term"], form["spoken"], note=form["note"], user_id=user.id)
        if change.changed:
            store.audit_lexicon_change(session, change, deleted=False, user=user, ip=client_ip())
    if outcome.error:
        return _lexicon_page(editing=form, form=form, error=outcome.error, status=400)
    if not change.changed:
        flash(_("Mục “%(term)s” không thay đổi.", term=change.term), "info")
    else:
        flash(
            _(
                "Đã lưu “%(term)s” → “%(spoken)s” (phiên bản từ điển %(v)s; %(n)s bản âm thanh cần đọc lại).",
                term=change.term,
                spoken=change.spoken,
                v=change.version,
                n=change.stale,
            ),
            "success",
        )
    return redirect(url_for("admin.lexicon", q=change.term))


@bp.post("/lexicon/delete")
@roles_required(*EDIT_ROLES)
def lexicon_delete():
    session, user = db_session(), current_db_user()
    with commit_or_flash() as outcome:
        change = store.remove_lexicon_entry(session, request.form.get("term", ""))
        store.audit_lexicon_change(session, change, deleted=True, user=user, ip=client_ip())
        outcome.message = _(
            "Đã xóa “%(term)s” (phiên bản từ điển %(v)s; %(n)s bản âm thanh cần đọc lại).",
            term=change.term,
            v=change.version,
            n=change.stale,
        )
    return redirect(url_for("admin.lexicon"))


@bp.post("/lexicon/symbols")
@roles_required(*EDIT_ROLES)
def lexicon_symbols():
    """How document symbols are read: as announcers do (default) or in full."""
    session, user = db_session(), current_db_user()
    on = request.form.get("full_symbols") == "1"
    with commit_or_flash() as outcome:
        stale = store.set_full_symbols(session, on, user=user, ip=client_ip())
    if not outcome.error:
        how = _("đọc đầy đủ") if on else _("không đọc lại loại văn bản và cơ quan đã nêu trong câu")
        flash(_("Số ký hiệu văn bản: %(how)s (%(n)s bản âm thanh cần đọc lại).", how=how, n=stale), "success")
    return redirect(url_for("admin.lexicon"))


@bp.get("/lexicon/normalize")
@roles_required()
def lexicon_normalize():
    """JSON for the "try it" box: the spoken form with the entry being typed applied."""
    try:
        text = _preview_text(request.args, MAX_PREVIEW_CHARS)
    except BroadcastError as exc:
        return jsonify(error={"code": exc.code, "message": exc.message, "field": exc.field}), 400
    spoken = normalize(text, _candidate_lexicon(request.args), full_symbols=store.full_symbols(db_session()))
    lexicon = _candidate_lexicon(request.args)
    warnings = [w.as_dict() for w in check_text(text, lexicon)]
    return jsonify(text=text, spoken=spoken, problems=problems(text), warnings=warnings)


@bp.get("/lexicon/speak")
@limiter.limit("30 per minute")  # each call runs espeak-ng and ffmpeg
@roles_required(*EDIT_ROLES)
def lexicon_speak():
    """A short espeak-ng MP3 of the text, read with the entry being typed (never cached)."""
    try:
        text = _preview_text(request.args, MAX_SPEAK_CHARS)
        with tempfile.TemporaryDirectory(prefix="lp-lexicon-", dir=runtime_of().settings.subdir("tmp")) as tmp:
            rendition = render_text(
                text,
                engine_names=("espeak",),
                lexicon=_candidate_lexicon(request.args),
                settings={"pause_ms": 100, "full_symbols": store.full_symbols(db_session())},
                cache_dir=tmp,
                tags={"title": _("Thử cách đọc"), "station": "Loa Phường"},
            )
            data = rendition.path.read_bytes()
    except BroadcastError as exc:
        return jsonify(error={"code": exc.code, "message": exc.message, "field": exc.field}), exc.http_status
    response = Response(data, mimetype="audio/mpeg")
    response.headers["Cache-Control"] = "no-store"
    return response


if not any(item[0] == "admin.lexicon" for item in NAV_ITEMS):
    NAV_ITEMS.append(("admin.lexicon", "Từ điển phát âm", ALL_ROLES))
