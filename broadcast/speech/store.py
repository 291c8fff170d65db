"""The database side of speech: operator lexicon, its version, renditions.

Thin on purpose: everything that makes sound lives in ``render.py``, which
knows nothing of the database.  Here we read the operator's lexicon and
speech settings, record what was rendered in ``audio_renditions``, and
invalidate renditions when a lexicon change alters how their text is read.

Lexicons and the document-symbols setting are per ward: a ward reads with the province's entries and its
own (a ward's entry overrides the province's for the same term), and a bulletin is read with its ward's
(a province bulletin with the province's, one rendition for every station it goes to).  The version is a
counter shared by the installation: the province's change stamps the province and then every ward with
entries of its own, a ward's change stamps that ward, so two lexicons that differ never share a version.

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

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from .. import tenancy
from ..bulletins.permissions import SESSION_WARD, get_setting, set_setting
from ..bulletins.recording import resolve_recording
from ..config import Settings
from ..domain.models import AudioRendition, Bulletin, Department, LexiconEntry, Setting, WardSetting
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


def _ward(session: Session, ward_id) -> int | None:
    """The ward meant: ``ward_id``, or by default the ward the session acts for (None: the province)."""
    return tenancy.ward_id(session) if ward_id is SESSION_WARD else ward_id


def _seen_by(ward_id: int | None):
    """Entries a ward reads with: the province's and its own (the province: its own only)."""
    column = LexiconEntry.ward_id
    return column.is_(None) if ward_id is None else or_(column.is_(None), column == ward_id)


def lexicon_version(session: Session, ward_id=SESSION_WARD) -> int:
    """The version of the lexicon ``ward_id`` reads with (by default the session's ward; None: the
    province's).  It goes into the rendition cache key."""
    wid = _ward(session, ward_id)
    province = int(_setting(session, LEXICON_VERSION_KEY, 0) or 0)
    own = session.get(WardSetting, (wid, LEXICON_VERSION_KEY)) if wid is not None else None
    return max(province, int(own.value or 0)) if own is not None else province


def operator_lexicon(session: Session, ward_id=SESSION_WARD) -> dict[str, str]:
    """Operator entries of the province and of ``ward_id`` (by default the session's ward); the ward's
    override the province's, and both extend and override the shipped lexicon."""
    wid = _ward(session, ward_id)
    rows = session.execute(select(LexiconEntry.term, LexiconEntry.spoken, LexiconEntry.ward_id).where(_seen_by(wid)))
    province, own = {}, {}
    for term, spoken, entry_ward in rows:
        (province if entry_ward is None else own)[term] = spoken
    return province | own


def _bulletin_text(bulletin: Bulletin) -> str:
    return bulletin.spoken_text or bulletin.body or ""


def full_symbols(session: Session, ward_id=SESSION_WARD) -> bool:
    """Whether document symbols are read in full (the ward's choice, else the installation's; default: as
    announcers do)."""
    return bool(get_setting(session, FULL_SYMBOLS_KEY, False, ward_id=_ward(session, ward_id)))


def set_full_symbols(session: Session, on: bool, *, user=None, ip: str | None = None, ward_id=SESSION_WARD) -> int:
    """Change how document symbols are read in ``ward_id`` (by default the session's ward; None: the
    installation's default); marks stale (and returns how many) the renditions it alters."""
    wid = _ward(session, ward_id)
    if full_symbols(session, wid) == bool(on):
        return 0
    set_setting(session, FULL_SYMBOLS_KEY, bool(on), ward_id=wid)
    session.flush()
    stale = invalidate_for_lexicon(session, ward_id=wid)
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


@dataclass(frozen=True)
class Reading:
    """How a ward's bulletins are read: its lexicon, that lexicon's version, document symbols in full."""

    lexicon: dict[str, str]
    version: int
    full_symbols: bool


def reading_for(session: Session, ward_id: int | None) -> Reading:
    """The reading of ``ward_id`` (None: the province's, for the bulletins it sends down)."""
    return Reading(
        operator_lexicon(session, ward_id), lexicon_version(session, ward_id), full_symbols(session, ward_id)
    )


def invalidate_for_lexicon(session: Session, lexicon: Mapping[str, str] | None = None, *, ward_id=SESSION_WARD) -> int:
    """Mark stale the renditions whose bulletin now reads differently after a change at ``ward_id``'s
    level: a ward's change touches its bulletins only, the province's every bulletin (each read with its
    own ward's lexicon).  ``lexicon``, when given, is the one every bulletin is read with."""
    wid = _ward(session, ward_id)
    query = (
        select(AudioRendition, Bulletin, Department.ward_id)
        .join(Bulletin, Bulletin.id == AudioRendition.bulletin_id)
        .join(Department, Department.id == Bulletin.department_id)
        .where(AudioRendition.stale.is_(False), AudioRendition.engine != "recording")
    )
    if wid is not None:
        query = query.where(Department.ward_id == wid)
    readings: dict[int | None, Reading] = {}
    stale = 0
    for row, bulletin, bulletin_ward in session.execute(query):
        if bulletin_ward not in readings:
            readings[bulletin_ward] = reading_for(session, bulletin_ward)
        reading = readings[bulletin_ward]
        words = reading.lexicon if lexicon is None else lexicon
        if normalize(_bulletin_text(bulletin), words, full_symbols=reading.full_symbols) != row.spoken_text:
            row.stale = True
            stale += 1
    return stale


def _bump(session: Session, ward_id: int | None) -> int:
    """A new version for ``ward_id``'s lexicon (None: the province's, and then a newer one for every ward
    with entries of its own, whose lexicon changed too).  Returns the version of the level changed."""
    every_ward = select(WardSetting.value).where(WardSetting.key == LEXICON_VERSION_KEY)
    latest = max(
        [int(_setting(session, LEXICON_VERSION_KEY, 0) or 0)]
        + [int(v or 0) for v in session.scalars(every_ward.execution_options(all_wards=True))]
    )
    version = latest + 1
    set_setting(session, LEXICON_VERSION_KEY, version, ward_id=ward_id)
    if ward_id is None:
        with_entries = select(LexiconEntry.ward_id).where(LexiconEntry.ward_id.is_not(None)).distinct()
        for n, wid in enumerate(sorted(session.scalars(with_entries.execution_options(all_wards=True))), 1):
            set_setting(session, LEXICON_VERSION_KEY, version + n, ward_id=wid)
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


def lexicon_entries(session: Session, ward_id=SESSION_WARD) -> list[LexiconEntry]:
    """Operator entries ``ward_id`` reads with (by default the session's ward): the province's and its own,
    sorted by term, the province's first."""
    wid = _ward(session, ward_id)
    query = select(LexiconEntry).where(_seen_by(wid))
    return list(session.scalars(query.order_by(LexiconEntry.term, LexiconEntry.ward_id.is_not(None))))


def _at_level(wid: int | None):
    return LexiconEntry.ward_id.is_(None) if wid is None else LexiconEntry.ward_id == wid


def get_lexicon_entry(session: Session, term: str, ward_id=SESSION_WARD) -> LexiconEntry | None:
    """The entry of ``term`` that ``ward_id`` (by default the session's ward; None: the province) owns and
    may change: the province's entries are read-only for a ward."""
    wid = _ward(session, ward_id)
    term = " ".join((term or "").split())
    return session.scalar(select(LexiconEntry).where(LexiconEntry.term == term, _at_level(wid)))


def save_lexicon_entry(
    session: Session,
    term: str,
    spoken: str,
    *,
    user_id: int | None = None,
    note: str | None = None,
    ward_id=SESSION_WARD,
) -> LexiconChange:
    """Add or change an entry of ``ward_id`` (by default the session's ward; None: province-wide); bumps the
    version and invalidates affected audio.  A ward's entry for a term the province has overrides it there.

    Saving an entry unchanged (same spoken form and note) changes nothing.
    """
    wid = _ward(session, ward_id)
    term, spoken, note = _clean_entry(term, spoken, note)
    entry = get_lexicon_entry(session, term, wid)
    old = entry.spoken if entry is not None else None
    if entry is not None and entry.spoken == spoken and entry.note == note:
        return LexiconChange(term, spoken, old, lexicon_version(session, wid), 0, changed=False)
    if entry is None:
        entry = LexiconEntry(term=term, spoken=spoken, ward_id=wid)
        session.add(entry)
    entry.spoken, entry.note, entry.updated_by_id = spoken, note, user_id
    session.flush()
    version = _bump(session, wid)
    stale = invalidate_for_lexicon(session, ward_id=wid) if old != spoken else 0
    return LexiconChange(term, spoken, old, version, stale)


def remove_lexicon_entry(session: Session, term: str, ward_id=SESSION_WARD) -> LexiconChange:
    """Delete an operator entry of ``ward_id``'s level (the province's entry, else the shipped default,
    applies again).  A ward cannot delete the province's entries: they answer as missing."""
    wid = _ward(session, ward_id)
    entry = get_lexicon_entry(session, term, wid)
    if entry is None:
        raise NotFound("Không có mục từ điển phát âm này.")
    old = entry.spoken
    session.delete(entry)
    session.flush()
    version = _bump(session, wid)
    return LexiconChange(entry.term, None, old, version, invalidate_for_lexicon(session, ward_id=wid))


def set_lexicon_entry(
    session: Session,
    term: str,
    spoken: str,
    *,
    user_id: int | None = None,
    note: str | None = None,
    ward_id=SESSION_WARD,
) -> int:
    """Add or change an entry; returns the lexicon version."""
    return save_lexicon_entry(session, term, spoken, user_id=user_id, note=note, ward_id=ward_id).version


def delete_lexicon_entry(session: Session, term: str, ward_id=SESSION_WARD) -> int:
    return remove_lexicon_entry(session, term, ward_id).version


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
    reading: Reading,
    prefs: dict,
    station_voice: dict | None = None,
) -> AudioRendition | dict:
    """The bulletin's reusable rendition, or the ``render_text`` arguments to make one, read as its ward
    reads (``reading``). The voice is the bulletin's own choice, else its station's (``station_voice``),
    else the installation's."""
    choice = bulletin.voice or station_voice
    lexicon = reading.lexicon
    audio = {k: v for k, v in prefs.items() if k in ("rate", "pitch", "chime")}
    if reading.full_symbols or "full_symbols" in prefs:  # as before wards: the key only once it was set
        audio["full_symbols"] = reading.full_symbols
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
        lexicon_version=reading.version,
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
    """The bulletin's current audio (in its own voice, else ``station_voice``; read with its ward's lexicon),
    rendering it only if needed; flushes, never commits."""
    prefs = speech_settings(session)
    reading = reading_for(session, tenancy.ward_of(bulletin))
    job = _render_job(session, bulletin, settings, reading, prefs, station_voice)
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
    prefs = speech_settings(session)
    readings: dict[int | None, Reading] = {}
    slots: list = []
    jobs: list[dict] = []
    for bulletin in bulletins:
        ward_id = tenancy.ward_of(bulletin)
        if ward_id not in readings:
            readings[ward_id] = reading_for(session, ward_id)
        try:
            job = _render_job(session, bulletin, settings, readings[ward_id], prefs, station_voice)
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
