"""Building (and rebuilding) a station's programme for one day.

``build_day`` works out every session first and only then writes, so any
error leaves the previous programme as it was.  Its phases: ``gather_day``
(sessions, kept programmes, candidates, plan quotas), ``check_assets``,
``render_candidates`` (durations come from the audio), ``plan_day`` (each
session filled, see ``session_plan``), ``add_day_warnings`` (what needs the
whole day), ``write_day``.  A locked programme is never changed by a
rebuild.  Playout reads a built programme's items in position order.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from ..bulletins.targets import station_clusters
from ..config import Settings
from ..domain.models import Bulletin, Programme, ProgrammeItem, Station, User
from ..domain.types import utcnow
from ..errors import BroadcastError, NotFound, ValidationError
from ..security import audit
from .calendar import (
    SessionSpec,
    get_station,
    next_session_dates,
    parse_date,
    session_codes,
    sessions_on,
)
from .candidates import Candidates, account, day_candidates, unreachable_warnings
from .quotas import DayQuotas, day_quotas
from .relay_slot import resolve_relays
from .render import Audio, BatchRenderer, Renderer, SpeechRenderer
from .session_plan import PlannedSession, plan_session, slot_where
from .timing import (
    local_start,
    quiet_hours,
    refresh_warnings,
    retime,
    timing_warnings,
    warning,
)

# quiet_hours, refresh_warnings and retime live in ``timing``; still importable from here, where callers of the
# builder have always found them.
__all__ = [
    "build_day",
    "day_dict",
    "day_programmes",
    "item_dict",
    "programme_for",
    "quiet_hours",
    "refresh_warnings",
    "retime",
]

Progress = Callable[[int, int, str], None]


def day_programmes(session: Session, station: Station, on_date: date) -> list[Programme]:
    return list(
        session.scalars(
            select(Programme)
            .where(Programme.station_id == station.id, Programme.on_date == on_date)
            .options(selectinload(Programme.items))
            .order_by(Programme.starts_at)
        )
    )


def programme_for(session: Session, station_code: str, on_date, session_code: str) -> Programme | None:
    """The built programme of one session, or None if not built; unknown station/session raise NotFound."""
    station = get_station(session, station_code)
    on_date = parse_date(on_date)
    if session_code not in session_codes(session, station):
        raise NotFound(f"Đài {station.code} không có buổi phát {session_code!r}.", field="session")
    return session.scalar(
        select(Programme)
        .where(Programme.station_id == station.id, Programme.on_date == on_date, Programme.session_code == session_code)
        .options(selectinload(Programme.items))
    )


# --- the day, phase by phase ---------------------------------------------------


@dataclass
class DayWork:
    """What a build of one day starts from."""

    station: Station
    on_date: date
    specs: list[SessionSpec]  # the sessions airing that day
    existing: dict[str, Programme]  # session code -> programme built before
    kept: set[str]  # session codes kept as they are: locked, or already started
    candidates: Candidates
    quotas: DayQuotas


def gather_day(session: Session, settings: Settings, station_code: str, on_date, today: date) -> DayWork:
    station = get_station(session, station_code)
    on_date = parse_date(on_date)
    specs = resolve_relays(session, sessions_on(session, station, on_date))
    existing = {p.session_code: p for p in day_programmes(session, station, on_date)}
    # Kept as they are: locked sessions, and sessions that have already started (they may have aired).
    now = utcnow()
    kept = {code for code, p in existing.items() if p.locked or p.starts_at <= now}
    rebuilt_ids = {p.id for code, p in existing.items() if code not in kept}
    candidates = day_candidates(session, station, on_date, today, rebuilt_ids)
    quotas = day_quotas(session, station, on_date, specs, kept=kept)
    return DayWork(station, on_date, specs, existing, kept, candidates, quotas)


def check_assets(renderer: Renderer, specs: list[SessionSpec], kept: set[str]) -> None:
    """Fail fast on a missing asset or filler file of a session to build, before any rendering."""
    for spec in specs:
        if spec.code in kept:
            continue
        for slot in spec.slots:
            if slot.get("kind") in ("asset", "filler"):
                try:
                    renderer.asset(slot["file"])
                except ValidationError as exc:
                    raise ValidationError(
                        f"{spec.source}: {slot_where(spec, slot)}: {exc.message}", field="file"
                    ) from None


def _render_each(renderer: Renderer, bulletins: list[Bulletin], progress: Progress | None) -> list:
    """Bulletins one by one (a renderer without a batch), an Audio or a BroadcastError each."""
    if isinstance(renderer, BatchRenderer):
        if progress:
            progress(0, len(bulletins), f"{len(bulletins)} tin (song song)")
        return renderer.bulletin_batch(bulletins)
    results = []
    for n, b in enumerate(bulletins, start=1):
        if progress:
            progress(n - 1, len(bulletins), b.title)
        try:
            results.append(renderer.bulletin(b))
        except BroadcastError as exc:
            results.append(exc)
    return results


def render_candidates(
    renderer: Renderer, candidates: Candidates, progress: Progress | None = None
) -> tuple[dict[int, Audio], list[dict]]:
    """Audio for every candidate (in one batch when the renderer has one), each candidate's duration set from
    it.  A bulletin that cannot be rendered leaves the candidates with a ``render_failed`` warning: one
    unreadable bulletin must not stop the day.  Returns (audio by bulletin id, those warnings)."""
    todo = list(candidates.values())
    audio_by_id: dict[int, Audio] = {}
    failed: list[dict] = []
    if not todo:
        return audio_by_id, failed
    for (b, c), audio in zip(todo, _render_each(renderer, [b for b, _ in todo], progress)):
        if isinstance(audio, BroadcastError):
            failed.append(
                warning(
                    "render_failed", f"Không tạo được âm thanh cho tin «{b.title}»: {audio.message}", bulletin_id=b.id
                )
            )
            del candidates[b.id]
            continue
        if isinstance(audio, Exception):
            raise audio
        audio_by_id[b.id] = audio
        c.duration_ms = audio.duration_ms
    if progress:
        progress(len(todo), len(todo), "")
    return audio_by_id, failed


def plan_day(work: DayWork, renderer: Renderer, audio_by_id: dict[int, Audio]) -> list[PlannedSession]:
    """Every session to build, in order; each placed bulletin (and each kept session's) counts as an airing
    for the sessions after it."""
    planned: list[PlannedSession] = []
    for spec in work.specs:
        if spec.code in work.kept:
            for item in work.existing[spec.code].items:  # a locked session keeps its airings
                if item.bulletin_id in work.candidates:
                    account(work.candidates[item.bulletin_id][1], work.on_date)
            continue
        ps = plan_session(work.station, spec, work.on_date, work.candidates, renderer, audio_by_id, work.quotas)
        for bid in ps.fill.placed_ids:
            account(work.candidates[bid][1], work.on_date)
        planned.append(ps)
    return planned


def add_day_warnings(session: Session, work: DayWork, planned: list[PlannedSession], failed: list[dict]) -> None:
    """Warnings that need the whole day: on the last session, a waiting bulletin no later session can carry
    before it expires; on the first, failed renderings and the plan's day warnings; on the last, bulletins no
    session can carry at all."""
    if not planned:
        return
    on_date = work.on_date
    for bid in sorted(set(planned[-1].waiting_ids)):
        c = work.candidates[bid][1]
        if any(bid in p.fill.placed_ids for p in planned):
            continue
        if c.valid_until <= on_date or not next_session_dates(session, work.station, on_date, c.valid_until):
            planned[-1].warnings.append(
                warning(
                    "expiring",
                    f"Tin «{c.title}» hết hạn ngày {c.valid_until:%d/%m/%Y} trước khi có buổi nào "
                    f"phát được; hãy chèn tay, rút ngắn tin hoặc gia hạn.",
                    bulletin_id=bid,
                )
            )
    planned[0].warnings.extend(failed)
    planned[0].warnings.extend(work.quotas.warnings)
    planned[-1].warnings.extend(unreachable_warnings(session, work.station, on_date))


def _write_session(
    session: Session, settings: Settings, work: DayWork, ps: PlannedSession, actor: User | None, quiet
) -> Programme:
    p = work.existing.get(ps.spec.code)
    if p is None:
        p = Programme(station_id=work.station.id, on_date=work.on_date, session_code=ps.spec.code)
        session.add(p)
    else:
        p.items.clear()
        session.flush()
    p.starts_at = local_start(ps.spec, work.on_date, settings).astimezone(UTC)
    p.max_duration_s = ps.spec.max_duration_s
    p.built_at = utcnow()
    p.built_by_id = actor.id if actor else None
    for pos, it in enumerate(ps.items, start=1):
        bulletin = work.candidates[it.bulletin_id][0] if it.bulletin_id in work.candidates else None
        p.items.append(
            ProgrammeItem(
                position=pos,
                kind=it.kind,
                bulletin_id=it.bulletin_id,
                rendition_id=it.audio.rendition_id,
                title=it.title[:300],
                category_code=it.category_code,
                text=it.text,
                audio_path=it.audio.path,
                planned_start=p.starts_at,
                duration_ms=it.audio.duration_ms,
                clusters=station_clusters(bulletin, work.station.id),
                relay=it.relay,
            )
        )
    retime(p)
    session.flush()
    for item in p.items:
        if item.bulletin_id and item.bulletin is None:
            item.bulletin = session.get(Bulletin, item.bulletin_id)
    p.warnings = timing_warnings(p, settings, quiet) + ps.warnings
    if ps.spec.extra:
        p.warnings.append(
            warning(
                "extra",
                "Buổi phát thêm theo lịch riêng của ngày này."
                + (f" {'; '.join(ps.spec.notes)}" if ps.spec.notes else ""),
            )
        )
    return p


def write_day(
    session: Session, settings: Settings, work: DayWork, planned: list[PlannedSession], actor: User | None
) -> list[Programme]:
    """Everything is worked out: drop the programmes of sessions no longer airing (unless locked), write the
    planned ones, audit.  Returns the day's programmes, kept ones included, in start order."""
    quiet = quiet_hours(session, settings)
    wanted = {s.code for s in work.specs}
    for code, p in work.existing.items():
        if code not in wanted and not p.locked:
            session.delete(p)
    result: list[Programme] = [work.existing[c] for c in work.kept if c in wanted]
    result.extend(_write_session(session, settings, work, ps, actor, quiet) for ps in planned)
    session.flush()
    audit(
        session,
        "programme.build",
        user=actor,
        object_type="programmes",
        object_id=f"{work.station.code}/{work.on_date.isoformat()}",
        detail={
            "sessions": [ps.spec.code for ps in planned],
            "locked": sorted(work.kept),
            "items": sum(len(ps.items) for ps in planned),
        },
    )
    return sorted(result, key=lambda p: p.starts_at)


def build_day(
    session: Session,
    settings: Settings,
    station_code: str,
    on_date,
    *,
    renderer: Renderer | None = None,
    actor: User | None = None,
    today: date | None = None,
    progress: Progress | None = None,
) -> list[Programme]:
    """Build or rebuild every unlocked session of ``station_code`` on ``on_date``.

    A locked session, or one that has already started, is kept as it is (and
    its bulletins count as airings).  Returns the day's programmes (kept ones
    included) in start order.  Raises
    NotFound / ValidationError before writing anything, so a failure leaves the
    previous programme as it was.  The caller commits.
    """
    today = today or utcnow().astimezone(settings.tz).date()
    work = gather_day(session, settings, station_code, on_date, today)
    renderer = renderer or SpeechRenderer(session, settings, voice=work.station.voice, ward_id=work.station.ward_id)
    check_assets(renderer, work.specs, work.kept)
    # Nothing to render on a day without a session to build.
    audio_by_id, failed = (
        ({}, [])
        if all(spec.code in work.kept for spec in work.specs)
        else (render_candidates(renderer, work.candidates, progress))
    )
    planned = plan_day(work, renderer, audio_by_id)
    add_day_warnings(session, work, planned, failed)
    return write_day(session, settings, work, planned, actor)


# --- reading back --------------------------------------------------------------


RELAY_FIELDS = ("upstream", "source", "category", "fallback")


def item_dict(item: ProgrammeItem, settings: Settings) -> dict:
    return {
        "position": item.position,
        "kind": item.kind,
        "bulletin_id": item.bulletin_id,
        "title": item.title,
        "category": item.category_code,
        "planned_start": item.planned_start.astimezone(settings.tz).isoformat(),
        "duration_ms": item.duration_ms,
        # None = the whole station; else the residential groups (cluster codes) the item is for.
        "clusters": item.clusters or None,
        # A relay's upstream and fallback; the stream's address stays on the server (it may carry a login).
        "relay": {k: item.relay.get(k) for k in RELAY_FIELDS} if item.relay else None,
    }


def day_dict(session: Session, settings: Settings, station_code: str, on_date) -> dict:
    """The API shape: {"station", "date", "sessions": [{"code", "starts_at", "duration_ms", "items": [...]}]}."""
    station = get_station(session, station_code)
    on_date = parse_date(on_date)
    return {
        "station": station.code,
        "date": on_date.isoformat(),
        "sessions": [
            {
                "code": p.session_code,
                "starts_at": p.starts_at.astimezone(settings.tz).isoformat(),
                "duration_ms": sum(i.duration_ms for i in p.items),
                "items": [item_dict(i, settings) for i in p.items],
            }
            for p in day_programmes(session, station, on_date)
        ],
    }
