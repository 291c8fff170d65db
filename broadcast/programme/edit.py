"""Operator edits of a built programme: reorder, remove, insert, lock/unlock.

Every edit re-times the session (positions 1..n, planned starts back to
back), refreshes its over-length and quiet-hours warnings and writes an audit
row.  A locked programme refuses every edit but unlocking.
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from ..bulletins.targets import station_clusters
from ..config import Settings
from ..domain.labels import AIRABLE_STATUSES
from ..domain.models import Bulletin, Programme, ProgrammeItem, Station, User
from ..errors import Conflict, NotFound, ValidationError
from ..province.targets import airs_at_clause
from ..security import audit
from .calendar import SessionSpec
from .relay_slot import MAX_RELAY_MINUTES, check_relay_slot, relay_piece, relay_title, resolve_relays
from .render import Renderer, SpeechRenderer
from .timing import quiet_hours, refresh_warnings, retime


def get_programme(session: Session, programme_id: int) -> Programme:
    p = session.scalar(select(Programme).where(Programme.id == programme_id).options(selectinload(Programme.items)))
    if p is None:
        raise NotFound(f"Không có chương trình số {programme_id}.")
    return p


def _editable(session: Session, programme_id: int) -> Programme:
    p = get_programme(session, programme_id)
    if p.locked:
        raise Conflict("Chương trình đã khóa: mở khóa trước khi sửa.")
    return p


def _item(p: Programme, item_id: int) -> ProgrammeItem:
    for item in p.items:
        if item.id == item_id:
            return item
    raise NotFound(f"Chương trình không có mục số {item_id}.", field="item")


def _done(
    session: Session, settings: Settings, p: Programme, action: str, actor: User | None, detail: dict
) -> Programme:
    p.items.sort(key=lambda i: i.position)
    retime(p)
    refresh_warnings(p, settings, quiet_hours(session, settings))
    session.flush()
    audit(
        session,
        action,
        user=actor,
        object_type="programmes",
        object_id=p.id,
        detail={"station_id": p.station_id, "date": p.on_date.isoformat(), "session": p.session_code, **detail},
    )
    return p


def move_item(
    session: Session,
    settings: Settings,
    programme_id: int,
    item_id: int,
    to_position: int,
    *,
    actor: User | None = None,
) -> Programme:
    """Move an item to ``to_position`` (1-based, clamped to the session)."""
    p = _editable(session, programme_id)
    item = _item(p, item_id)
    ordered = sorted(p.items, key=lambda i: i.position)
    old = ordered.index(item) + 1
    ordered.remove(item)
    new = min(max(1, int(to_position)), len(ordered) + 1)
    ordered.insert(new - 1, item)
    for pos, it in enumerate(ordered, start=1):
        it.position = pos
    return _done(
        session,
        settings,
        p,
        "programme.item.move",
        actor,
        {"item": item_id, "title": item.title, "from": old, "to": new},
    )


def move_step(
    session: Session, settings: Settings, programme_id: int, item_id: int, step: int, *, actor: User | None = None
) -> Programme:
    """Move an item up (step -1) or down (step +1)."""
    p = get_programme(session, programme_id)
    return move_item(session, settings, programme_id, item_id, _item(p, item_id).position + step, actor=actor)


def remove_item(
    session: Session, settings: Settings, programme_id: int, item_id: int, *, actor: User | None = None
) -> Programme:
    p = _editable(session, programme_id)
    item = _item(p, item_id)
    p.items.remove(item)
    session.flush()
    return _done(
        session,
        settings,
        p,
        "programme.item.remove",
        actor,
        {"item": item_id, "title": item.title, "bulletin_id": item.bulletin_id, "position": item.position},
    )


def insert_bulletin(
    session: Session,
    settings: Settings,
    programme_id: int,
    bulletin_id: int,
    *,
    position: int | None = None,
    renderer: Renderer | None = None,
    actor: User | None = None,
) -> Programme:
    """Insert an approved bulletin (valid on the date, targeting the station) at ``position`` (default: end)."""
    p = _editable(session, programme_id)
    b = session.get(Bulletin, bulletin_id)
    if b is None:
        raise NotFound(f"Không có tin bài số {bulletin_id}.", field="bulletin_id")
    if b.status not in AIRABLE_STATUSES:
        raise ValidationError(
            f"Tin «{b.title}» chưa được duyệt nên không thể đưa vào chương trình.", field="bulletin_id"
        )
    if not b.valid_from <= p.on_date <= b.valid_until:
        raise ValidationError(
            f"Tin «{b.title}» chỉ phát từ {b.valid_from:%d/%m/%Y} đến {b.valid_until:%d/%m/%Y}.", field="bulletin_id"
        )
    station = session.get(Station, p.station_id)
    airs_here = select(Bulletin.id).where(Bulletin.id == b.id, airs_at_clause(station))
    if session.scalar(airs_here) is None:  # another ward's, or a province bulletin this station has not accepted
        raise ValidationError(f"Tin «{b.title}» không phát ở đài này.", field="bulletin_id")
    if any(i.bulletin_id == b.id for i in p.items):
        raise ValidationError(f"Tin «{b.title}» đã có trong buổi này.", field="bulletin_id")
    audio = (renderer or SpeechRenderer(session, settings, voice=station.voice, ward_id=station.ward_id)).bulletin(b)
    ordered = sorted(p.items, key=lambda i: i.position)
    pos = len(ordered) + 1 if position is None else min(max(1, int(position)), len(ordered) + 1)
    item = ProgrammeItem(
        kind="bulletin",
        bulletin_id=b.id,
        rendition_id=audio.rendition_id,
        title=b.title[:300],
        category_code=b.category.code,
        text=b.text_to_speak,
        audio_path=audio.path,
        planned_start=p.starts_at,
        duration_ms=audio.duration_ms,
        position=pos,
        clusters=station_clusters(b, p.station_id),
    )
    item.bulletin = b
    ordered.insert(pos - 1, item)
    for n, it in enumerate(ordered, start=1):
        it.position = n
    p.items.append(item)
    return _done(
        session, settings, p, "programme.item.insert", actor, {"bulletin_id": b.id, "title": b.title, "position": pos}
    )


def insert_relay(
    session: Session,
    settings: Settings,
    programme_id: int,
    raw: dict,
    *,
    position: int | None = None,
    renderer: Renderer | None = None,
    actor: User | None = None,
) -> Programme:
    """Insert a relay (``raw``: ``source`` code or ``url``, ``minutes``, ``fallback``) at ``position`` (default:
    end), checked as a station file's relay slot, its fallback readied with the station's voice."""
    p = _editable(session, programme_id)

    def fail(field: str, problem: str):
        raise ValidationError(f"Tiếp sóng: {problem}.", field=field.lstrip(".") or "source")

    raw = {k: v for k, v in raw.items() if v not in (None, "")}
    try:
        raw["minutes"] = float(str(raw.get("minutes", "")).replace(",", "."))
    except ValueError:
        fail(".minutes", f"phải là số phút trong khoảng (0, {MAX_RELAY_MINUTES}]")
    slot = check_relay_slot({**raw, "kind": "relay", "where": "web"}, Path(settings.assets_dir), fail)
    station = session.get(Station, p.station_id)
    local_start = p.starts_at.astimezone(settings.tz).time()
    spec = SessionSpec(p.session_code, p.session_code, local_start, p.max_duration_s, [slot], "Chèn tiếp sóng")
    (spec,) = resolve_relays(session, [spec])
    renderer = renderer or SpeechRenderer(session, settings, voice=station.voice, ward_id=station.ward_id)
    slot, audio = relay_piece(spec.slots[0], spec, station, p.on_date, renderer)
    ordered = sorted(p.items, key=lambda i: i.position)
    pos = len(ordered) + 1 if position is None else min(max(1, int(position)), len(ordered) + 1)
    item = ProgrammeItem(
        kind="relay",
        title=relay_title(slot)[:300],
        text=slot["fallback_text"],
        audio_path=audio.path,
        rendition_id=audio.rendition_id,
        planned_start=p.starts_at,
        duration_ms=audio.duration_ms,
        position=pos,
        relay=slot["relay"],
    )
    ordered.insert(pos - 1, item)
    for n, it in enumerate(ordered, start=1):
        it.position = n
    p.items.append(item)
    detail = {"relay": slot["relay"]["upstream"], "minutes": slot["minutes"], "position": pos}
    return _done(session, settings, p, "programme.item.insert", actor, detail)


def set_locked(
    session: Session, settings: Settings, programme_id: int, locked: bool, *, actor: User | None = None
) -> Programme:
    p = get_programme(session, programme_id)
    if p.locked == locked:
        return p
    p.locked = locked
    session.flush()
    audit(
        session,
        "programme.lock" if locked else "programme.unlock",
        user=actor,
        object_type="programmes",
        object_id=p.id,
        detail={"station_id": p.station_id, "date": p.on_date.isoformat(), "session": p.session_code},
    )
    return p
