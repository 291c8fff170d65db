"""Times of a built programme: the quiet window, back-to-back planned starts, and the timing warnings
(``over_length``, ``quiet_hours``) that depend on the whole programme and are refreshed after every edit."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from sqlalchemy.orm import Session

from ..config import Settings
from ..domain.models import Programme, Setting
from .calendar import SessionSpec
from .fill import fmt_ms

DEFAULT_QUIET_HOURS = "21:00-06:00"
TIMING_CODES = ("over_length", "quiet_hours")


def warning(code: str, message: str, **extra) -> dict:
    """One stored programme warning: ``{"code", "message", **extra}`` (e.g. ``bulletin_id``)."""
    return {"code": code, "message": message, **extra}


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


def local_start(spec: SessionSpec, on_date: date, settings: Settings) -> datetime:
    return datetime.combine(on_date, spec.start, tzinfo=settings.tz)


def timing_warnings(programme: Programme, settings: Settings, quiet: tuple[time, time]) -> list[dict]:
    """``over_length`` when the items run past the session maximum; ``quiet_hours`` when the session touches
    the quiet window (not when every bulletin in it is an emergency)."""
    total = sum(i.duration_ms for i in programme.items)
    out = []
    if total > programme.max_duration_s * 1000:
        out.append(
            warning(
                "over_length",
                f"Buổi dài {fmt_ms(total)}, vượt thời lượng tối đa {fmt_ms(programme.max_duration_s * 1000)}.",
            )
        )
    start = programme.starts_at.astimezone(settings.tz)
    bulletins = [i for i in programme.items if i.kind == "bulletin"]
    all_emergency = bool(bulletins) and all(
        i.bulletin is not None and i.bulletin.priority == "emergency" for i in bulletins
    )
    if not all_emergency and in_quiet_hours(start, start + timedelta(milliseconds=max(total, 60_000)), quiet):
        out.append(
            warning(
                "quiet_hours",
                f"Buổi phát lúc {start:%H:%M} rơi vào giờ yên tĩnh "
                f"({quiet[0]:%H:%M}–{quiet[1]:%H:%M}); chỉ tin khẩn cấp được phát giờ này.",
            )
        )
    return out


def retime(programme: Programme) -> None:
    """Positions 1..n and planned starts back to back from the session start."""
    at = programme.starts_at
    for pos, item in enumerate(sorted(programme.items, key=lambda i: i.position), start=1):
        item.position = pos
        item.planned_start = at
        at = at + timedelta(milliseconds=item.duration_ms)


def refresh_warnings(programme: Programme, settings: Settings, quiet: tuple[time, time]) -> None:
    """Timing warnings worked out again (after an edit); the other warnings kept as they were."""
    kept = [w for w in (programme.warnings or []) if w.get("code") not in TIMING_CODES]
    programme.warnings = timing_warnings(programme, settings, quiet) + kept
