"""Building (and rebuilding) a station's programme for one day.

``build_day`` works out every session first (render what is missing, fill,
check) and only then writes, so any error leaves the previous programme as
it was.  A locked programme is never changed by a rebuild.  Playout reads a
built programme's items in position order.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone
from typing import Callable

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session, selectinload

from ..config import Settings
from ..domain.models import AsRun, Bulletin, Programme, ProgrammeItem, Setting, Station, User, bulletin_stations
from ..domain.types import utcnow
from ..errors import BroadcastError, NotFound, ValidationError
from ..security import audit
from .calendar import SessionSpec, get_station, next_session_dates, parse_date, session_codes, sessions_on
from .fill import AIRABLE_STATUSES, Block, Candidate, FillResult, fill_session, fmt_ms
from .quotas import DayQuotas, column_active, day_quotas
from .render import Audio, Renderer, SpeechRenderer, fill_placeholders

DEFAULT_QUIET_HOURS = "21:00-06:00"
MIN_FILLER_MS = 5_000
Progress = Callable[[int, int, str], None]


# --- small helpers -------------------------------------------------------------

def quiet_hours(session: Session, settings: Settings) -> tuple[time, time]:
    """The quiet window (start, end), from the ``programme.quiet_hours`` setting, else 21:00-06:00."""
    raw = session.get(Setting, "programme.quiet_hours")
    value = (raw.value if raw else None) or settings.extra.get("quiet_hours") or DEFAULT_QUIET_HOURS
    try:
        a, b = str(value).split("-")
        return time.fromisoformat(a.strip()), time.fromisoformat(b.strip())
    except ValueError:
        a, b = DEFAULT_QUIET_HOURS.split("-")
        return time.fromisoformat(a), time.fromisoformat(b)


def in_quiet_hours(start: datetime, end: datetime, window: tuple[time, time]) -> bool:
    """True if any minute of [start, end) (local times) falls in the window (which may wrap midnight)."""
    qs, qe = window
    t = start.replace(second=0, microsecond=0)
    while t < end:
        tt = t.time()
        inside = (qs <= tt or tt < qe) if qs > qe else (qs <= tt < qe)
        if inside:
            return True
        t += timedelta(minutes=1)
    return False


def _warning(code: str, message: str, **extra) -> dict:
    return {"code": code, "message": message, **extra}


def local_start(spec: SessionSpec, on_date: date, settings: Settings) -> datetime:
    return datetime.combine(on_date, spec.start, tzinfo=settings.tz)


def day_programmes(session: Session, station: Station, on_date: date) -> list[Programme]:
    return list(session.scalars(
        select(Programme).where(Programme.station_id == station.id, Programme.on_date == on_date)
        .options(selectinload(Programme.items)).order_by(Programme.starts_at)))


def programme_for(session: Session, station_code: str, on_date, session_code: str) -> Programme | None:
    """The built programme of one session, or None if not built; unknown station/session raise NotFound."""
    station = get_station(session, station_code)
    on_date = parse_date(on_date)
    if session_code not in session_codes(session, station):
        raise NotFound(f"Đài {station.code} không có buổi phát {session_code!r}.", field="session")
    return session.scalar(select(Programme).where(
        Programme.station_id == station.id, Programme.on_date == on_date, Programme.session_code == session_code)
        .options(selectinload(Programme.items)))


# --- candidates and their history -----------------------------------------------

def _candidates(session: Session, station: Station, on_date: date, today: date,
                skip_programme_ids: set[int]) -> dict[int, tuple[Bulletin, Candidate]]:
    rows = session.scalars(
        select(Bulletin).where(
            Bulletin.status.in_(AIRABLE_STATUSES), Bulletin.valid_from <= on_date, Bulletin.valid_until >= on_date,
            Bulletin.airings_left > 0,
            or_(Bulletin.all_stations.is_(True),
                Bulletin.id.in_(select(bulletin_stations.c.bulletin_id).where(
                    bulletin_stations.c.station_id == station.id))))
        .options(selectinload(Bulletin.category), selectinload(Bulletin.department))
        .order_by(Bulletin.id)).all()
    if not rows:
        return {}
    ids = [b.id for b in rows]
    aired_item_ids = select(AsRun.programme_item_id).where(AsRun.status == "aired",
                                                           AsRun.programme_item_id.is_not(None))
    # Airings already promised by other built programmes that have not aired yet.
    pending = dict(session.execute(
        select(ProgrammeItem.bulletin_id, func.count(ProgrammeItem.id))
        .join(Programme, Programme.id == ProgrammeItem.programme_id)
        .where(ProgrammeItem.bulletin_id.in_(ids), Programme.on_date >= today,
               Programme.id.not_in(skip_programme_ids or {-1}), ProgrammeItem.id.not_in(aired_item_ids))
        .group_by(ProgrammeItem.bulletin_id)).all())
    # Rotation history at this station: earlier programmes, plus airings logged without a programme item.
    history: dict[int, list[date]] = {}
    for bid, day in session.execute(
            select(ProgrammeItem.bulletin_id, Programme.on_date)
            .join(Programme, Programme.id == ProgrammeItem.programme_id)
            .where(ProgrammeItem.bulletin_id.in_(ids), Programme.station_id == station.id,
                   Programme.on_date < on_date)):
        history.setdefault(bid, []).append(day)
    for bid, day in session.execute(
            select(AsRun.bulletin_id, AsRun.air_date).where(
                AsRun.bulletin_id.in_(ids), AsRun.station_id == station.id, AsRun.status == "aired",
                AsRun.air_date < on_date, AsRun.programme_item_id.is_(None))):
        history.setdefault(bid, []).append(day)
    result = {}
    for b in rows:
        seen = history.get(b.id, [])
        result[b.id] = (b, Candidate(
            id=b.id, title=b.title, category=b.category.code, duration_ms=0, priority=b.priority,
            is_cchc=b.category.is_cchc, department=b.department.code if b.department else None, status=b.status,
            valid_from=b.valid_from, valid_until=b.valid_until,
            airings_left=b.airings_left - pending.get(b.id, 0), targets_station=True,
            aired_count=len(seen), last_aired=max(seen) if seen else None))
    return result


# --- one session ---------------------------------------------------------------

@dataclass
class PlannedItem:
    kind: str
    title: str
    audio: Audio
    category_code: str | None = None
    bulletin_id: int | None = None
    text: str | None = None


@dataclass
class PlannedSession:
    spec: SessionSpec
    items: list[PlannedItem]
    warnings: list[dict]
    fill: FillResult | None = None
    total_ms: int = 0
    waiting_ids: list[int] = field(default_factory=list)


def _slot_where(spec: SessionSpec, slot: dict) -> str:
    return f"session {spec.code!r} {slot.get('where', '')}".strip()


def plan_session(session: Session, settings: Settings, station: Station, spec: SessionSpec, on_date: date,
                 candidates: dict[int, tuple[Bulletin, Candidate]], renderer: Renderer,
                 audio_by_id: dict[int, Audio], quotas: DayQuotas | None = None) -> PlannedSession:
    quotas = quotas if quotas is not None else DayQuotas()
    source = spec.source
    quota_warnings: list[dict] = []
    wanted_columns: list[tuple[dict, Block]] = []   # columns the plan counts on today
    fixed_ms = 0
    pieces: list[tuple[dict, object]] = []   # (slot, Audio | Block | None)
    blocks: list[Block] = []
    max_ms = spec.max_duration_s * 1000
    for idx, slot in enumerate(spec.slots):
        kind = slot.get("kind")
        where = _slot_where(spec, slot)
        if kind == "asset":
            try:
                audio = renderer.asset(slot["file"])
            except ValidationError as exc:
                raise ValidationError(f"{source}: {where}: {exc.message}", field="file") from None
            fixed_ms += audio.duration_ms
            pieces.append((slot, audio))
        elif kind == "announcement":
            text = fill_placeholders(slot["text"], station_name=station.name, on_date=on_date, source=source,
                                     where=where)
            audio = renderer.announcement(text)
            fixed_ms += audio.duration_ms
            pieces.append((dict(slot, text=text), audio))
        elif kind in ("bulletins", "column"):
            if kind == "column" and not quotas.is_active(spec, idx, slot, on_date):
                continue
            added = kind == "column" and not column_active(slot, on_date)
            intro_audio, intro_text = None, None
            if kind == "column" and slot.get("intro"):
                intro_text = fill_placeholders(slot["intro"], station_name=station.name, on_date=on_date,
                                               source=source, where=where + ".intro")
                intro_audio = renderer.announcement(intro_text)
            reserve = quotas.reserve_ms(slot) if kind == "column" else 0
            cap = int(float(slot.get("max_share", 1.0)) * max_ms)
            block = Block(slot=idx, kind=kind, cap_ms=cap, categories=tuple(slot.get("categories") or ()),
                          reserve_ms=min(reserve, cap), intro_ms=intro_audio.duration_ms if intro_audio else 0,
                          area_quota_ms=quotas.area_quota_ms(slot) if kind == "column" else {})
            blocks.append(block)
            if added:
                quota_warnings.append(_warning(
                    "plan_quota", f"Thêm chuyên mục «{slot.get('title') or 'chuyên mục'}» vào buổi này (ngoài các "
                                  "ngày thường lệ) để đạt chỉ tiêu số buổi có chuyên mục trong tháng."))
            if added or block.reserve_ms or block.area_quota_ms:
                wanted_columns.append((slot, block))
            pieces.append((dict(slot, intro_text=intro_text, intro_audio=intro_audio), block))
        elif kind == "filler":
            pieces.append((slot, None))
        else:
            raise ValidationError(f"{source}: {where}: loại ô {kind!r} không có.", field="kind")
    if fixed_ms > max_ms:
        raise ValidationError(
            f"{source}: session {spec.code!r} max_minutes: phần cố định (nhạc hiệu, lời dẫn) dài {fmt_ms(fixed_ms)}, "
            f"vượt thời lượng tối đa {fmt_ms(max_ms)} của buổi; rút ngắn lời dẫn hoặc tăng max_minutes.",
            field="max_minutes")
    fill = fill_session([c for _, c in candidates.values()], blocks, max_ms=max_ms, fixed_ms=fixed_ms,
                        on_date=on_date)
    total = fill.total_ms
    items: list[PlannedItem] = []
    after_content = False
    for slot, piece in pieces:
        if isinstance(piece, Block):
            after_content = True
            if not piece.items:
                continue
            if slot.get("intro_audio"):
                items.append(PlannedItem("announcement", slot.get("title") or "Giới thiệu chuyên mục",
                                         slot["intro_audio"], text=slot["intro_text"]))
            for c in piece.items:
                b, _ = candidates[c.id]
                items.append(PlannedItem("bulletin", b.title, audio_by_id[c.id], c.category, c.id,
                                         b.text_to_speak))
        elif slot.get("kind") == "filler":
            pad = max_ms - total
            if pad >= MIN_FILLER_MS:
                filler = getattr(renderer, "filler", None)
                if filler is not None:
                    audio = filler(slot["file"], pad)
                    total += audio.duration_ms
                    items.append(PlannedItem("filler", slot.get("title") or "Nhạc đệm", audio))
        elif slot.get("kind") == "asset":
            items.append(PlannedItem("asset", slot.get("title") or _asset_title(slot["file"]), piece))
        else:
            title = slot.get("title") or ("Lời kết" if after_content else "Lời mở đầu")
            items.append(PlannedItem("announcement", title, piece, text=slot["text"]))
    warnings = [_warning("waiting", f"Tin «{w.candidate.title}» chờ buổi sau: {w.reason}.",
                         bulletin_id=w.candidate.id) for w in fill.waiting]
    for slot, block in wanted_columns:
        if not block.items:
            quota_warnings.append(_warning(
                "plan_quota", f"Chuyên mục «{slot.get('title') or 'chuyên mục'}» trống: không có tin nào phát được "
                              "cho chỉ tiêu của kế hoạch (cần tin đã duyệt thuộc chuyên mục này)."))
    warnings.extend(quota_warnings)
    return PlannedSession(spec, items, warnings, fill, total, [w.candidate.id for w in fill.waiting])


def _asset_title(name: str) -> str:
    return {"nhac-hieu.mp3": "Nhạc hiệu", "chuong-bao.mp3": "Chuông báo", "nhac-nen.mp3": "Nhạc nền"}.get(
        name, name.rsplit(".", 1)[0])


# --- warnings that need the whole programme -----------------------------------

def timing_warnings(programme: Programme, settings: Settings, quiet: tuple[time, time]) -> list[dict]:
    total = sum(i.duration_ms for i in programme.items)
    out = []
    if total > programme.max_duration_s * 1000:
        out.append(_warning("over_length", f"Buổi dài {fmt_ms(total)}, vượt thời lượng tối đa "
                                           f"{fmt_ms(programme.max_duration_s * 1000)}."))
    start = programme.starts_at.astimezone(settings.tz)
    bulletins = [i for i in programme.items if i.kind == "bulletin"]
    all_emergency = bool(bulletins) and all(i.bulletin is not None and i.bulletin.priority == "emergency"
                                            for i in bulletins)
    if not all_emergency and in_quiet_hours(start, start + timedelta(milliseconds=max(total, 60_000)), quiet):
        out.append(_warning("quiet_hours", f"Buổi phát lúc {start:%H:%M} rơi vào giờ yên tĩnh "
                                           f"({quiet[0]:%H:%M}–{quiet[1]:%H:%M}); chỉ tin khẩn cấp được phát giờ này."))
    return out


def retime(programme: Programme) -> None:
    """Positions 1..n and planned starts back to back from the session start."""
    at = programme.starts_at
    for pos, item in enumerate(sorted(programme.items, key=lambda i: i.position), start=1):
        item.position = pos
        item.planned_start = at
        at = at + timedelta(milliseconds=item.duration_ms)


def refresh_warnings(programme: Programme, settings: Settings, quiet: tuple[time, time]) -> None:
    kept = [w for w in (programme.warnings or []) if w.get("code") not in ("over_length", "quiet_hours")]
    programme.warnings = timing_warnings(programme, settings, quiet) + kept


# --- the day -------------------------------------------------------------------

def build_day(session: Session, settings: Settings, station_code: str, on_date, *,
              renderer: Renderer | None = None, actor: User | None = None, today: date | None = None,
              progress: Progress | None = None) -> list[Programme]:
    """Build or rebuild every unlocked session of ``station_code`` on ``on_date``.

    A locked session, or one that has already started, is kept as it is (and
    its bulletins count as airings).  Returns the day's programmes (kept ones
    included) in start order.  Raises
    NotFound / ValidationError before writing anything, so a failure leaves the
    previous programme as it was.  The caller commits.
    """
    station = get_station(session, station_code)
    on_date = parse_date(on_date)
    today = today or utcnow().astimezone(settings.tz).date()
    renderer = renderer or SpeechRenderer(session, settings)
    specs = sessions_on(session, station, on_date)
    existing = {p.session_code: p for p in day_programmes(session, station, on_date)}
    # Kept as they are: locked sessions, and sessions that have already started (they may have aired).
    now = utcnow()
    locked = {code for code, p in existing.items() if p.locked or p.starts_at <= now}
    rebuilt_ids = {p.id for code, p in existing.items() if code not in locked}
    candidates = _candidates(session, station, on_date, today, rebuilt_ids)
    quotas = day_quotas(session, station, on_date, specs, kept=locked)

    # Fail fast on a missing asset, before any rendering.
    for spec in specs:
        if spec.code in locked:
            continue
        for slot in spec.slots:
            if slot.get("kind") in ("asset", "filler"):
                try:
                    renderer.asset(slot["file"])
                except ValidationError as exc:
                    raise ValidationError(f"{spec.source}: {_slot_where(spec, slot)}: {exc.message}",
                                          field="file") from None

    # Render what is missing first (with progress): durations come from the audio.
    # (nothing to render on a day without an unlocked session)
    todo = list(candidates.values()) if any(spec.code not in locked for spec in specs) else []
    audio_by_id: dict[int, Audio] = {}
    failed: list[dict] = []
    batch = getattr(renderer, "bulletin_batch", None)
    if batch is not None and todo:
        if progress:
            progress(0, len(todo), f"{len(todo)} tin (song song)")
        results = batch([b for b, _ in todo])
    else:
        results = []
        for n, (b, _) in enumerate(todo, start=1):
            if progress:
                progress(n - 1, len(todo), b.title)
            try:
                results.append(renderer.bulletin(b))
            except BroadcastError as exc:
                results.append(exc)
    for (b, c), audio in zip(todo, results):
        if isinstance(audio, BroadcastError):  # one unreadable bulletin must not stop the day
            failed.append(_warning("render_failed", f"Không tạo được âm thanh cho tin «{b.title}»: {audio.message}",
                                   bulletin_id=b.id))
            del candidates[b.id]
            continue
        if isinstance(audio, Exception):
            raise audio
        audio_by_id[b.id] = audio
        c.duration_ms = audio.duration_ms
    if progress and todo:
        progress(len(todo), len(todo), "")

    planned: list[PlannedSession] = []
    for spec in specs:
        if spec.code in locked:
            for item in existing[spec.code].items:      # a locked session keeps its airings
                if item.bulletin_id in candidates:
                    _account(candidates[item.bulletin_id][1], on_date)
            continue
        ps = plan_session(session, settings, station, spec, on_date, candidates, renderer, audio_by_id, quotas)
        for bid in ps.fill.placed_ids:
            _account(candidates[bid][1], on_date)
        planned.append(ps)

    # A waiting bulletin that no later session can carry before it expires.
    if planned:
        last_waiting = set(planned[-1].waiting_ids)
        for bid in sorted(last_waiting):
            c = candidates[bid][1]
            if any(bid in p.fill.placed_ids for p in planned):
                continue
            if c.valid_until <= on_date or not next_session_dates(session, station, on_date, c.valid_until):
                planned[-1].warnings.append(_warning(
                    "expiring", f"Tin «{c.title}» hết hạn ngày {c.valid_until:%d/%m/%Y} trước khi có buổi nào "
                                f"phát được; hãy chèn tay, rút ngắn tin hoặc gia hạn.", bulletin_id=bid))

    if planned and failed:
        planned[0].warnings.extend(failed)
    if planned:
        planned[0].warnings.extend(quotas.warnings)
    if planned:
        planned[-1].warnings.extend(_unreachable(session, station, on_date))

    # Everything is worked out: now write.
    quiet = quiet_hours(session, settings)
    wanted = {s.code for s in specs}
    for code, p in existing.items():
        if code not in wanted and not p.locked:
            session.delete(p)
    result: list[Programme] = [existing[c] for c in locked if c in wanted]
    for ps in planned:
        p = existing.get(ps.spec.code)
        if p is None:
            p = Programme(station_id=station.id, on_date=on_date, session_code=ps.spec.code)
            session.add(p)
        else:
            p.items.clear()
            session.flush()
        p.starts_at = local_start(ps.spec, on_date, settings).astimezone(timezone.utc)
        p.max_duration_s = ps.spec.max_duration_s
        p.built_at = utcnow()
        p.built_by_id = actor.id if actor else None
        for pos, it in enumerate(ps.items, start=1):
            p.items.append(ProgrammeItem(
                position=pos, kind=it.kind, bulletin_id=it.bulletin_id, rendition_id=it.audio.rendition_id,
                title=it.title[:300], category_code=it.category_code, text=it.text, audio_path=it.audio.path,
                planned_start=p.starts_at, duration_ms=it.audio.duration_ms))
        retime(p)
        session.flush()
        for item in p.items:
            if item.bulletin_id and item.bulletin is None:
                item.bulletin = session.get(Bulletin, item.bulletin_id)
        p.warnings = timing_warnings(p, settings, quiet) + ps.warnings
        if ps.spec.extra:
            p.warnings.append(_warning("extra", "Buổi phát thêm theo lịch riêng của ngày này."
                                       + (f" {'; '.join(ps.spec.notes)}" if ps.spec.notes else "")))
        result.append(p)
    session.flush()
    audit(session, "programme.build", user=actor, object_type="programmes",
          object_id=f"{station.code}/{on_date.isoformat()}",
          detail={"sessions": [ps.spec.code for ps in planned], "locked": sorted(locked),
                  "items": sum(len(ps.items) for ps in planned)})
    return sorted(result, key=lambda p: p.starts_at)


def _unreachable(session: Session, station: Station, on_date: date, horizon_days: int = 31) -> list[dict]:
    """Approved bulletins whose whole window falls between this day and the station's next session day."""
    nxt = next_session_dates(session, station, on_date, on_date + timedelta(days=horizon_days))
    last = (nxt[0] if nxt else on_date + timedelta(days=horizon_days + 1)) - timedelta(days=1)
    if last <= on_date:
        return []
    rows = session.scalars(select(Bulletin).where(
        Bulletin.status.in_(AIRABLE_STATUSES), Bulletin.airings_left > 0, Bulletin.valid_from > on_date,
        Bulletin.valid_until <= last,
        or_(Bulletin.all_stations.is_(True), Bulletin.id.in_(select(bulletin_stations.c.bulletin_id).where(
            bulletin_stations.c.station_id == station.id)))).order_by(Bulletin.valid_from, Bulletin.id))
    return [_warning("expiring", f"Tin «{b.title}» chỉ phát từ {b.valid_from:%d/%m/%Y} đến {b.valid_until:%d/%m/%Y}, "
                                 "không có buổi phát nào trong thời gian đó; hãy chèn vào buổi hôm nay, thêm buổi "
                                 "phát hoặc sửa thời hạn.", bulletin_id=b.id) for b in rows]


def _account(c: Candidate, on_date: date) -> None:
    c.airings_left -= 1
    c.aired_count += 1
    c.last_aired = on_date


# --- reading back --------------------------------------------------------------

def item_dict(item: ProgrammeItem, settings: Settings) -> dict:
    return {"position": item.position, "kind": item.kind, "bulletin_id": item.bulletin_id, "title": item.title,
            "category": item.category_code,
            "planned_start": item.planned_start.astimezone(settings.tz).isoformat(),
            "duration_ms": item.duration_ms}


def day_dict(session: Session, settings: Settings, station_code: str, on_date) -> dict:
    """The API shape: {"station", "date", "sessions": [{"code", "starts_at", "duration_ms", "items": [...]}]}."""
    station = get_station(session, station_code)
    on_date = parse_date(on_date)
    return {"station": station.code, "date": on_date.isoformat(), "sessions": [
        {"code": p.session_code, "starts_at": p.starts_at.astimezone(settings.tz).isoformat(),
         "duration_ms": sum(i.duration_ms for i in p.items),
         "items": [item_dict(i, settings) for i in p.items]}
        for p in day_programmes(session, station, on_date)]}
