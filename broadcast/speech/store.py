"""The database side of speech: operator lexicon, its version, renditions.

Thin on purpose: everything that makes sound lives in ``render.py``, which
knows nothing of the database.  Here we read the operator's lexicon and
speech settings, record what was rendered in ``audio_renditions``, and
invalidate renditions when a lexicon change alters how their text is read.

Invalidation is by effect, not by date: after an edit, each live
rendition's bulletin is normalised again with the new lexicon, and only
those whose spoken text changed are marked stale.  ``render_bulletin``
reuses an existing rendition whose spoken text still matches, so an edit
to "SIPAS" does not re-render bulletins that never mention it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..bulletins.recording import resolve_recording
from ..config import Settings
from ..domain.models import AudioRendition, Bulletin, LexiconEntry, Setting
from ..errors import BroadcastError, NotFound, ValidationError
from ..security import audit
from . import usage, voices
from .normalize import normalize
from .render import Rendition, render_many, render_text

LEXICON_VERSION_KEY = "speech.lexicon_version"
#: Settings table keys for speech (all optional).
SPEECH_KEYS = {
    "speech.voice": "voice",
    "speech.rate": "rate",
    "speech.pitch": "pitch",
    "speech.chime": "chime",
    "speech.full_symbols": "full_symbols",
}
FULL_SYMBOLS_KEY = "speech.full_symbols"


def _setting(session: Session, key: str, default=None):
    row = session.get(Setting, key)
    return default if row is None else row.value


def lexicon_version(session: Session) -> int:
    return int(_setting(session, LEXICON_VERSION_KEY, 0) or 0)


def operator_lexicon(session: Session) -> dict[str, str]:
    """Operator entries (they extend and override the shipped lexicon)."""
    return {e.term: e.spoken for e in session.scalars(select(LexiconEntry))}


def _bulletin_text(bulletin: Bulletin) -> str:
    return bulletin.spoken_text or bulletin.body or ""


def full_symbols(session: Session) -> bool:
    """Whether document symbols are read in full (the station's choice; default: as announcers do)."""
    return bool(_setting(session, FULL_SYMBOLS_KEY, False))


def set_full_symbols(session: Session, on: bool, *, user=None, ip: str | None = None) -> int:
    """Change how document symbols are read; marks stale (and returns how many) the renditions it alters."""
    if full_symbols(session) == bool(on):
        return 0
    row = session.get(Setting, FULL_SYMBOLS_KEY)
    if row is None:
        session.add(Setting(key=FULL_SYMBOLS_KEY, value=bool(on)))
    else:
        row.value = bool(on)
    session.flush()
    stale = invalidate_for_lexicon(session)
    detail = {"full_symbols": bool(on), "stale_renditions": stale}
    audit(
        session,
        "speech.full_symbols",
        user=user,
        object_type="settings",
        object_id=FULL_SYMBOLS_KEY,
        detail=detail,
        ip=ip,
    )
    return stale


def invalidate_for_lexicon(session: Session, lexicon: Mapping[str, str] | None = None) -> int:
    """Mark stale the renditions whose bulletin now reads differently."""
    lexicon = operator_lexicon(session) if lexicon is None else lexicon
    full = full_symbols(session)
    stale = 0
    rows = session.scalars(
        select(AudioRendition).where(
            AudioRendition.stale.is_(False),
            AudioRendition.bulletin_id.is_not(None),
            AudioRendition.engine != "recording",
        )
    )
    for row in rows:
        bulletin = session.get(Bulletin, row.bulletin_id)
        if bulletin is None or normalize(_bulletin_text(bulletin), lexicon, full_symbols=full) != row.spoken_text:
            row.stale = True
            stale += 1
    return stale


def _bump(session: Session) -> int:
    version = lexicon_version(session) + 1
    row = session.get(Setting, LEXICON_VERSION_KEY)
    if row is None:
        session.add(Setting(key=LEXICON_VERSION_KEY, value=version))
    else:
        row.value = version
    return version


#: Column sizes of ``lexicon_entries`` (term, spoken form) and a cap on notes.
MAX_TERM_CHARS = 100
MAX_SPOKEN_CHARS = 300
MAX_NOTE_CHARS = 500


@dataclass(frozen=True)
class LexiconChange:
    """What an add/edit/delete did: the new version and how many renditions went stale."""

    term: str
    spoken: str | None  # None after a delete
    old_spoken: str | None  # None when the entry is new
    version: int
    stale: int
    changed: bool = True


#: What the API documents (and the forms check): no control characters or line
#: separators, at least one letter; a spoken form has no digits either.
_CONTROL = r"\x00-\x1f\x7f-\x9f\u2028\u2029"
TERM_PATTERN = rf"^[^{_CONTROL}]*[^\W\d_][^{_CONTROL}]*$"
SPOKEN_PATTERN = rf"^[^{_CONTROL}\d]*[^\W\d_][^{_CONTROL}\d]*$"
_CONTROL_RE = re.compile(f"[{_CONTROL}]")
_LETTER_RE = re.compile(r"[^\W\d_]")
_DIGIT_RE = re.compile(r"\d")


def _has_control(text: str) -> bool:
    return bool(_CONTROL_RE.search(text))


def clean_term(term: str | None) -> str:
    """The term as stored (inner whitespace collapsed), or ValidationError."""
    if term is not None and _has_control(term):
        raise ValidationError("Từ viết không được chứa ký tự điều khiển hoặc xuống dòng.", field="term")
    term = " ".join((term or "").split())
    if not term:
        raise ValidationError("Cần nhập từ viết (ví dụ: SIPAS).", field="term")
    if len(term) > MAX_TERM_CHARS:
        raise ValidationError(f"Từ viết quá dài (tối đa {MAX_TERM_CHARS} ký tự).", field="term")
    if not _LETTER_RE.search(term):
        raise ValidationError("Từ viết phải có ít nhất một chữ cái.", field="term")
    return term


def check_spoken(spoken: str | None) -> str:
    """The spoken form as stored (whitespace collapsed), or ValidationError."""
    if spoken is not None and _has_control(spoken):
        raise ValidationError("Cách đọc không được chứa ký tự điều khiển hoặc xuống dòng.", field="spoken")
    spoken = " ".join((spoken or "").split())
    if not spoken:
        raise ValidationError("Cần nhập cách đọc (ví dụ: xi-pát).", field="spoken")
    if len(spoken) > MAX_SPOKEN_CHARS:
        raise ValidationError(f"Cách đọc quá dài (tối đa {MAX_SPOKEN_CHARS} ký tự).", field="spoken")
    if _DIGIT_RE.search(spoken):
        raise ValidationError("Cách đọc phải viết bằng chữ, không có chữ số.", field="spoken")
    if not _LETTER_RE.search(spoken):
        raise ValidationError("Cách đọc phải có ít nhất một chữ cái.", field="spoken")
    return spoken


def _clean_entry(term: str | None, spoken: str | None, note: str | None) -> tuple[str, str, str | None]:
    term, spoken = clean_term(term), check_spoken(spoken)
    note = (note or "").strip() or None
    if note is not None and len(note) > MAX_NOTE_CHARS:
        raise ValidationError(f"Ghi chú quá dài (tối đa {MAX_NOTE_CHARS} ký tự).", field="note")
    return term, spoken, note


def lexicon_entries(session: Session) -> list[LexiconEntry]:
    """Operator entries, sorted by term."""
    return list(session.scalars(select(LexiconEntry).order_by(LexiconEntry.term)))


def get_lexicon_entry(session: Session, term: str) -> LexiconEntry | None:
    return session.scalar(select(LexiconEntry).where(LexiconEntry.term == " ".join((term or "").split())))


def save_lexicon_entry(
    session: Session, term: str, spoken: str, *, user_id: int | None = None, note: str | None = None
) -> LexiconChange:
    """Add or change an entry; bumps the version and invalidates affected audio.

    Saving an entry unchanged (same spoken form and note) changes nothing.
    """
    term, spoken, note = _clean_entry(term, spoken, note)
    entry = session.scalar(select(LexiconEntry).where(LexiconEntry.term == term))
    old = entry.spoken if entry is not None else None
    if entry is not None and entry.spoken == spoken and entry.note == note:
        return LexiconChange(term, spoken, old, lexicon_version(session), 0, changed=False)
    if entry is None:
        entry = LexiconEntry(term=term, spoken=spoken)
        session.add(entry)
    entry.spoken, entry.note, entry.updated_by_id = spoken, note, user_id
    session.flush()
    version = _bump(session)
    stale = invalidate_for_lexicon(session) if old != spoken else 0
    return LexiconChange(term, spoken, old, version, stale)


def remove_lexicon_entry(session: Session, term: str) -> LexiconChange:
    """Delete an operator entry (the shipped default, if any, applies again)."""
    entry = get_lexicon_entry(session, term)
    if entry is None:
        raise NotFound("Không có mục từ điển phát âm này.")
    old = entry.spoken
    session.delete(entry)
    session.flush()
    version = _bump(session)
    return LexiconChange(entry.term, None, old, version, invalidate_for_lexicon(session))


def set_lexicon_entry(
    session: Session, term: str, spoken: str, *, user_id: int | None = None, note: str | None = None
) -> int:
    """Add or change an entry; returns the lexicon version."""
    return save_lexicon_entry(session, term, spoken, user_id=user_id, note=note).version


def delete_lexicon_entry(session: Session, term: str) -> int:
    return remove_lexicon_entry(session, term).version


def speech_settings(session: Session) -> dict:
    out = {}
    for key, name in SPEECH_KEYS.items():
        value = _setting(session, key)
        if value not in (None, ""):
            out[name] = value
    return out


def _reusable(session: Session, bulletin: Bulletin, spoken: str, choice: dict | None) -> AudioRendition | None:
    """A current rendition with the same words (and, for a chosen voice, made by that voice)."""
    query = select(AudioRendition).where(
        AudioRendition.bulletin_id == bulletin.id,
        AudioRendition.bulletin_version == bulletin.version,
        AudioRendition.stale.is_(False),
    )
    if choice:
        query = query.where(AudioRendition.engine == choice["engine"], AudioRendition.voice == choice["voice"])
    for row in session.scalars(query.order_by(AudioRendition.id.desc())):
        if row.spoken_text == spoken and Path(row.path).is_file():
            return row
    return None


def _render_job(
    session: Session,
    bulletin: Bulletin,
    settings: Settings,
    lexicon: Mapping[str, str],
    prefs: dict,
    station_voice: dict | None = None,
) -> AudioRendition | dict:
    """The bulletin's reusable rendition, or the ``render_text`` arguments to make one. The voice is the
    bulletin's own choice, else its station's (``station_voice``), else the installation's."""
    choice = bulletin.voice or station_voice
    audio = {k: v for k, v in prefs.items() if k in ("rate", "pitch", "chime", "full_symbols")}
    if choice:
        audio["speed"] = choice["speed"]
    if audio.get("chime", "none") != "none":
        audio["chime_path"] = str(Path(settings.assets_dir) / "chuong-bao.mp3")
    if bulletin.recording_path:
        recording = resolve_recording(settings, bulletin.recording_path)
        engines: tuple[str, ...] = ("recording",)
        audio["recording_path"] = str(recording)
        text = ""
    else:
        chain = voices.chain_for(choice, settings.tts_engines)
        engines, _notes = usage.within_caps(session, chain, datetime.now(settings.tz).date())
        text = _bulletin_text(bulletin)
        spoken = normalize(text, lexicon, full_symbols=bool(audio.get("full_symbols")))
        existing = _reusable(session, bulletin, spoken, choice)
        if existing is not None:
            return existing
    return dict(
        text=text,
        engine_names=engines,
        voice=choice["voice"] if choice else prefs.get("voice"),
        settings=audio,
        lexicon=lexicon,
        lexicon_version=lexicon_version(session),
        cache_dir=settings.subdir("renditions"),
        tags={
            "title": bulletin.title,
            "category": bulletin.category.name if bulletin.category else "",
            "station": "Loa Phường",
        },
        config=settings,
    )


def _record(session: Session, bulletin: Bulletin, result: Rendition, today: date) -> AudioRendition:
    row = session.scalar(select(AudioRendition).where(AudioRendition.content_hash == result.content_hash))
    if row is None:
        row = AudioRendition(content_hash=result.content_hash)
        session.add(row)
    row.bulletin_id, row.bulletin_version = bulletin.id, bulletin.version
    row.engine, row.voice, row.lexicon_version = result.engine, result.voice, result.lexicon_version or 0
    row.spoken_text, row.path, row.duration_ms = result.spoken_text, str(result.path), result.duration_ms
    row.loudness_lufs, row.true_peak_db, row.stale = result.loudness_lufs, result.true_peak_db, False
    if not result.cached:  # a paid provider read it just now: count its characters
        usage.record(session, result.engine, len(result.spoken_text), today)
    session.flush()
    return row


def render_bulletin(
    session: Session, bulletin: Bulletin, settings: Settings, *, station_voice: dict | None = None
) -> AudioRendition:
    """The bulletin's current audio (in its own voice, else ``station_voice``), rendering it only if needed;
    flushes, never commits."""
    prefs = speech_settings(session)
    job = _render_job(session, bulletin, settings, operator_lexicon(session), prefs, station_voice)
    if isinstance(job, AudioRendition):
        return job
    return _record(session, bulletin, render_text(**job), datetime.now(settings.tz).date())


def render_bulletins(
    session: Session,
    bulletins: Sequence[Bulletin],
    settings: Settings,
    *,
    workers: int | None = None,
    station_voice: dict | None = None,
) -> list[AudioRendition | BroadcastError]:
    """``render_bulletin`` for a batch (e.g. a day's programme), rendering in parallel.

    The database is only touched here, in the caller's thread; the renders
    run on ``workers`` threads (default: one per CPU).  Results are in the
    order of ``bulletins``; a bulletin that cannot be rendered gets its
    error (a ``BroadcastError`` with a Vietnamese message) in its slot, so one
    bad bulletin does not stop the others.  Flushes, never commits.
    """
    lexicon, prefs = operator_lexicon(session), speech_settings(session)
    slots: list = []
    jobs: list[dict] = []
    for bulletin in bulletins:
        try:
            job = _render_job(session, bulletin, settings, lexicon, prefs, station_voice)
        except BroadcastError as exc:
            job = exc
        if isinstance(job, dict):
            slots.append(len(jobs))
            jobs.append(job)
        else:
            slots.append(job)
    results = render_many(jobs, workers=workers, return_errors=True)
    out: list = []
    for bulletin, slot in zip(bulletins, slots):
        if not isinstance(slot, int):
            out.append(slot)
            continue
        result = results[slot]
        if isinstance(result, BroadcastError):
            out.append(result)
        elif isinstance(result, BaseException):
            raise result
        else:
            out.append(_record(session, bulletin, result, datetime.now(settings.tz).date()))
    return out


def audit_lexicon_change(session: Session, change, *, deleted: bool, user, ip: str | None, via: str | None = None):
    """One audit row for a saved or deleted lexicon entry (the page and the API record the same fields)."""
    action = "lexicon.delete" if deleted else ("lexicon.create" if change.old_spoken is None else "lexicon.update")
    detail = {"term": change.term}
    if not deleted:
        detail["spoken"] = change.spoken
    detail.update(old_spoken=change.old_spoken, version=change.version, stale_renditions=change.stale)
    if via:
        detail["via"] = via
    audit(session, action, user=user, object_type="lexicon_entries", object_id=change.term, ip=ip, detail=detail)
