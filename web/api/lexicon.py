"""Pronunciation lexicon and the normaliser over the API.

``GET /lexicon`` (anyone with a token), ``PUT``/``DELETE /lexicon/{term}``
(operators; each change bumps the lexicon version, marks stale only the
renditions it affects and is audited), and ``POST /normalize``: text in,
spoken form out, with optional extra entries to try before saving them.
"""

from __future__ import annotations

from flask import jsonify

from broadcast import roles
from broadcast.domain.models import LexiconEntry
from broadcast.errors import ValidationError
from broadcast.speech import store
from broadcast.speech.normalize import normalize, problems
from broadcast.speech.normalize.abbreviations import default_lexicon
from broadcast.speech.textcheck import check_text

from .. import db_session
from ..auth import api_roles_required, client_ip, current_db_user
from . import bp
from .body import json_body

EDIT_ROLES = roles.EDIT_ROLES  # admin always passes
#: The normaliser endpoint takes up to a long bulletin's worth of text.
MAX_NORMALIZE_CHARS = 20_000
MAX_EXTRA_ENTRIES = 50


def _string(data: dict, key: str, *, required: bool) -> str | None:
    value = data.get(key)
    if value is None:
        if required:
            raise ValidationError(f"Thiếu trường “{key}”.", field=key)
        return None
    if not isinstance(value, str):
        raise ValidationError(f"Trường “{key}” phải là chuỗi ký tự.", field=key)
    return value


def _unknown(data: dict, allowed: set[str]) -> None:
    extra = sorted(k for k in data if k not in allowed)
    if extra:
        raise ValidationError(f"Trường không được hỗ trợ: {', '.join(extra)}.", field=extra[0])


def _entry(e: LexiconEntry) -> dict:
    return {
        "term": e.term,
        "spoken": e.spoken,
        "note": e.note,
        "updated_at": e.updated_at.isoformat() if e.updated_at else None,
    }


@bp.get("/lexicon")
@api_roles_required()
def lexicon_list():
    session = db_session()
    return jsonify(
        version=store.lexicon_version(session),
        entries=[_entry(e) for e in store.lexicon_entries(session)],
        defaults=[{"term": t, "spoken": s} for t, s in sorted(default_lexicon().items())],
    )


@bp.put("/lexicon/<path:term>")
@api_roles_required(*EDIT_ROLES)
def lexicon_put(term):
    session, user = db_session(), current_db_user()
    data = json_body()
    _unknown(data, {"spoken", "note"})
    change = store.save_lexicon_entry(
        session,
        term,
        _string(data, "spoken", required=True),
        note=_string(data, "note", required=False),
        user_id=user.id,
    )
    if change.changed:
        store.audit_lexicon_change(session, change, deleted=False, user=user, ip=client_ip(), via="api")
    session.commit()
    entry = store.get_lexicon_entry(session, change.term)
    return jsonify(entry=_entry(entry), version=change.version, changed=change.changed, stale_renditions=change.stale)


@bp.delete("/lexicon/<path:term>")
@api_roles_required(*EDIT_ROLES)
def lexicon_delete(term):
    session, user = db_session(), current_db_user()
    change = store.remove_lexicon_entry(session, term)
    store.audit_lexicon_change(session, change, deleted=True, user=user, ip=client_ip(), via="api")
    session.commit()
    return jsonify(term=change.term, version=change.version, stale_renditions=change.stale)


@bp.post("/normalize")
@api_roles_required()
def normalize_text():
    data = json_body()
    _unknown(data, {"text", "lexicon"})
    text = _string(data, "text", required=True)
    if len(text) > MAX_NORMALIZE_CHARS:
        raise ValidationError(
            f"Văn bản quá dài (tối đa {MAX_NORMALIZE_CHARS:,} ký tự).".replace(",", "."), field="text"
        )
    lexicon = store.operator_lexicon(db_session())
    extra, skipped = data.get("lexicon"), []
    if extra is not None:
        if not isinstance(extra, dict) or not all(isinstance(v, str) for v in extra.values()):
            raise ValidationError("“lexicon” phải là một đối tượng {từ viết: cách đọc}.", field="lexicon")
        if len(extra) > MAX_EXTRA_ENTRIES:
            raise ValidationError(f"Tối đa {MAX_EXTRA_ENTRIES} mục thử trong “lexicon”.", field="lexicon")
        for term, spoken in extra.items():
            try:
                lexicon[store.clean_term(term)] = store.check_spoken(spoken)
            except ValidationError as exc:  # a half-typed entry: say so, read the rest
                skipped.append(f"Bỏ qua mục thử “{term[:40]}”: {exc.message}")
    return jsonify(
        spoken=normalize(text, lexicon, full_symbols=store.full_symbols(db_session())),
        problems=problems(text) + skipped,
        warnings=[w.as_dict() for w in check_text(text, lexicon)],
        lexicon_version=store.lexicon_version(db_session()),
    )
