"""What the operator changes about a station's calendar from the web: holidays and extra sessions on
given dates, and the ward's quiet hours. Every change is audited; the caller commits.

Holidays and extra sessions made here are ``DateOverride`` rows with ``source = "web"``:
reloading the station's TOML file replaces only the file's own rows (``source = "file"``), so
what the operator adds survives a reload; those rows are removed here, not in the file.

(Split from ``broadcast.stations``, which the programme package imports for its station lookup:
this module imports the programme calendar, so it cannot live there without a cycle.)
"""

from __future__ import annotations

from datetime import date, time

from sqlalchemy import select
from sqlalchemy.orm import Session

from .config import Settings
from .dates import parse_day
from .domain.models import DateOverride, Programme, SessionTemplate, Setting, Station, User
from .domain.types import utcnow
from .errors import Conflict, NotFound, ValidationError
from .programme.calendar import sessions_on
from .security import audit

QUIET_HOURS_KEY = "programme.quiet_hours"
MAX_NOTE = 300
MAX_EXTRA_MINUTES = 240


# --- quiet hours -------------------------------------------------------------------------


def _hhmm(value: str, field: str) -> time:
    try:
        parsed = time.fromisoformat(value.strip())
    except ValueError:
        raise ValidationError(
            f"Giờ {value.strip()[:10]!r} không hợp lệ: dùng dạng HH:MM (ví dụ 21:00).", field=field
        ) from None
    return parsed.replace(second=0, microsecond=0)


def get_quiet_hours(session: Session, settings: Settings) -> tuple[time, time]:
    from .programme.build import quiet_hours

    return quiet_hours(session, settings)


def set_quiet_hours(session: Session, user: User | None, start: str, end: str, ip: str | None = None) -> str:
    """Store the quiet window (``HH:MM-HH:MM``, may wrap midnight); programmes inside get a warning."""
    a, b = _hhmm(start or "", "quiet_start"), _hhmm(end or "", "quiet_end")
    if a == b:
        raise ValidationError("Giờ bắt đầu và kết thúc giờ yên tĩnh không được trùng nhau.", field="quiet_end")
    value = f"{a:%H:%M}-{b:%H:%M}"
    row = session.get(Setting, QUIET_HOURS_KEY)
    before = row.value if row else None
    if row is None:
        row = Setting(key=QUIET_HOURS_KEY, value=value)
        session.add(row)
    else:
        row.value = value
    audit(
        session,
        "settings.quiet_hours",
        user=user,
        object_type="settings",
        object_id=QUIET_HOURS_KEY,
        ip=ip,
        detail={"from": before, "to": value},
    )
    return value


# --- holidays and extra sessions ---------------------------------------------------------


def overrides(session: Session, station: Station, from_date: date) -> list[DateOverride]:
    return list(
        session.scalars(
            select(DateOverride)
            .where(DateOverride.station_id == station.id, DateOverride.on_date >= from_date)
            .order_by(DateOverride.on_date, DateOverride.id)
        )
    )


def _drop_unscheduled(session: Session, station: Station, on_date: date) -> list[Programme]:
    """After a calendar change: delete the day's built programmes that are no longer in the calendar,
    unless locked or already started (the rule ``build_day`` follows). Returns the ones kept."""
    wanted = {s.code for s in sessions_on(session, station, on_date)}
    now, kept = utcnow(), []
    for p in session.scalars(select(Programme).where(Programme.station_id == station.id, Programme.on_date == on_date)):
        if p.session_code in wanted:
            continue
        if p.locked or p.starts_at <= now:
            kept.append(p)
        else:
            session.delete(p)
    session.flush()
    return kept


def _override_day(on_date, today: date) -> date:
    """The date of a new holiday or extra session: a valid ``YYYY-MM-DD``, not in the past."""
    on = parse_day(on_date, "date")
    if on is None:
        raise ValidationError("Ngày không hợp lệ: dùng dạng YYYY-MM-DD.", field="date")
    if on < today:
        raise ValidationError(f"Ngày {on:%d/%m/%Y} đã qua.", field="date")
    return on


def _max_seconds(max_minutes) -> int | None:
    """An extra session's length cap from the form's minutes (empty: the template's own)."""
    if max_minutes in (None, ""):
        return None
    try:
        minutes = int(str(max_minutes).strip())
    except ValueError:
        raise ValidationError("Thời lượng phải là số phút.", field="max_minutes") from None
    if not 1 <= minutes <= MAX_EXTRA_MINUTES:
        raise ValidationError(f"Thời lượng từ 1 đến {MAX_EXTRA_MINUTES} phút.", field="max_minutes")
    return minutes * 60


def _check_new_override(
    session: Session, station: Station, on: date, kind: str, code: str | None, template: SessionTemplate | None
) -> None:
    """Refuse a second holiday on a day already off, and an extra session the calendar airs anyway."""
    if kind == "holiday":
        same_day = session.scalars(
            select(DateOverride).where(DateOverride.station_id == station.id, DateOverride.on_date == on)
        )
        if any(o.kind == "holiday" and o.session_code in (None, code) for o in same_day):
            raise Conflict(f"Ngày {on:%d/%m/%Y} đã được đánh dấu nghỉ.")
        return
    if code is None:
        raise ValidationError("Chọn buổi phát thêm (theo mẫu của buổi nào).", field="session")
    if code in {s.code for s in sessions_on(session, station, on)}:
        raise Conflict(f"Buổi {template.name} đã phát theo lịch ngày {on:%d/%m/%Y}.")


def add_override(
    session: Session,
    user: User | None,
    station: Station,
    *,
    on_date,
    kind: str,
    session_code: str | None = None,
    start: str | None = None,
    max_minutes=None,
    note: str | None = None,
    today: date,
    ip: str | None = None,
) -> tuple[DateOverride, list[Programme]]:
    """A holiday (the whole day, or one session) or a one-off extra session on a date, from the web.

    Returns the row and the built programmes a holiday could not remove (locked or started)."""
    if kind not in ("holiday", "extra"):
        raise ValidationError("Chọn: ngày nghỉ hoặc buổi phát thêm.", field="kind")
    on = _override_day(on_date, today)
    note = (note or "").strip()[:MAX_NOTE] or None
    code = (session_code or "").strip() or None
    template = None
    if code is not None:
        template = session.scalar(
            select(SessionTemplate).where(
                SessionTemplate.station_id == station.id,
                SessionTemplate.enabled.is_(True),
                SessionTemplate.code == code,
            )
        )
        if template is None:
            raise NotFound(f"Đài {station.code} không có buổi phát {code!r}.", field="session")
    _check_new_override(session, station, on, kind, code, template)
    start_time, max_s = None, None
    if kind == "extra":
        start_time = _hhmm(start, "start") if start else None
        max_s = _max_seconds(max_minutes)
    row = DateOverride(
        station_id=station.id,
        on_date=on,
        kind=kind,
        session_code=code,
        start_time=start_time,
        max_duration_s=max_s,
        note=note,
        source="web",
    )
    session.add(row)
    session.flush()
    kept = _drop_unscheduled(session, station, on)
    audit(
        session,
        f"station.{kind}_add",
        user=user,
        obj=row,
        ip=ip,
        detail={
            "station": station.code,
            "date": on.isoformat(),
            "session": code,
            "start": start_time.strftime("%H:%M") if start_time else None,
            "max_s": max_s,
            "note": note,
            "kept_programmes": [p.id for p in kept],
        },
    )
    return row, kept


def delete_override(
    session: Session, user: User | None, station: Station, override_id: int, ip: str | None = None
) -> tuple[DateOverride, list[Programme]]:
    row = session.get(DateOverride, override_id)
    if row is None or row.station_id != station.id:
        raise NotFound("Không có ngày nghỉ / buổi phát thêm này.")
    if row.source != "web":
        raise Conflict("Mục này khai báo trong tệp lịch đài (schedules/*.toml): sửa tệp rồi nạp lại.")
    detail = {"station": station.code, "date": row.on_date.isoformat(), "kind": row.kind, "session": row.session_code}
    on = row.on_date
    session.delete(row)
    session.flush()
    kept = _drop_unscheduled(session, station, on)
    audit(
        session,
        f"station.{detail['kind']}_delete",
        user=user,
        object_type="date_overrides",
        object_id=override_id,
        ip=ip,
        detail=detail,
    )
    return row, kept
