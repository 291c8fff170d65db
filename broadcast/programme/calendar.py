"""Which sessions a station airs on a date: templates, holidays, extra sessions."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from ..dates import parse_day
from ..domain.models import DateOverride, SessionTemplate, Station
from ..errors import NotFound, ValidationError
from ..stations import station_by_code

WEEKDAYS_VI = ("thứ Hai", "thứ Ba", "thứ Tư", "thứ Năm", "thứ Sáu", "thứ Bảy", "Chủ nhật")


@dataclass
class SessionSpec:
    """One session to build on one date (a template, maybe changed by an extra override)."""

    code: str
    name: str
    start: time
    max_duration_s: int
    slots: list[dict]
    source_file: str | None = None
    extra: bool = False
    notes: list[str] = field(default_factory=list)

    @property
    def source(self) -> str:
        from pathlib import Path

        return Path(self.source_file).name if self.source_file else "schedules"

    def starts_at(self, on_date: date, tz: ZoneInfo) -> datetime:
        return datetime.combine(on_date, self.start, tzinfo=tz)


def parse_date(value) -> date:
    """A programme date from ``YYYY-MM-DD`` (or a date), through the project's one date parser; a programme
    always needs one, so an empty value is refused too."""
    day = parse_day(value, field="date")
    if day is None:
        raise ValidationError("Chưa chọn ngày: dùng dạng YYYY-MM-DD, ví dụ 2025-10-01.", field="date")
    return day


def get_station(session: Session, code: str) -> Station:
    """The station of ``code`` (spaces and case forgiven); an unknown code is a NotFound that lists the stations
    there are, so the operator sees what to type."""
    station = station_by_code(session, code, required=False)
    if station is None:
        known = ", ".join(session.scalars(select(Station.code).order_by(Station.code))) or "chưa có đài nào"
        raise NotFound(f"Không có đài {code!r}; các đài hiện có: {known}.", field="station")
    return station


# Built once: the programme page and the dashboard ask for a day's sessions on every visit, and composing
# these statements again each time cost more than running them.
_TEMPLATES = select(SessionTemplate).where(
    SessionTemplate.station_id.in_(bindparam("ids", expanding=True)), SessionTemplate.enabled.is_(True)
)
_OVERRIDES = (
    select(DateOverride)
    .where(DateOverride.station_id.in_(bindparam("ids", expanding=True)), DateOverride.on_date == bindparam("on"))
    .order_by(DateOverride.id)
)


def sessions_on(session: Session, station: Station, on_date: date) -> list[SessionSpec]:
    """The sessions airing on ``on_date``, in start order."""
    return sessions_on_many(session, [station], on_date)[station.id]


def sessions_on_many(session: Session, stations: list[Station], on_date: date) -> dict[int, list[SessionSpec]]:
    """``sessions_on`` for several stations in two queries: station id -> its sessions on ``on_date``.
    A station is anything with an ``id``."""
    ids = [s.id for s in stations]
    templates: dict[int, dict[str, SessionTemplate]] = {i: {} for i in ids}
    overrides: dict[int, list[DateOverride]] = {i: [] for i in ids}
    if ids:
        for t in session.scalars(_TEMPLATES, {"ids": ids}):
            templates[t.station_id][t.code] = t
        for o in session.scalars(_OVERRIDES, {"ids": ids, "on": on_date}):
            overrides[o.station_id].append(o)
    return {i: _specs(templates[i], overrides[i], on_date) for i in ids}


# Every enabled station's templates with the station's code, stations in code order.
_ENABLED_TEMPLATES = (
    select(SessionTemplate, Station.code)
    .join(Station, Station.id == SessionTemplate.station_id)
    .where(Station.enabled.is_(True), SessionTemplate.enabled.is_(True))
    .order_by(Station.code, SessionTemplate.id)
)


def sessions_on_enabled(session: Session, on_date: date) -> list[tuple[int, str, list[SessionSpec]]]:
    """(station id, station code, its sessions on ``on_date``) for every enabled station that has a session
    template (a station without one airs nothing: an extra session repeats a template), stations in code
    order; two queries."""
    stations: dict[int, str] = {}
    templates: dict[int, dict[str, SessionTemplate]] = {}
    for t, code in session.execute(_ENABLED_TEMPLATES):
        stations[t.station_id] = code
        templates.setdefault(t.station_id, {})[t.code] = t
    overrides: dict[int, list[DateOverride]] = {i: [] for i in stations}
    if stations:
        for o in session.scalars(_OVERRIDES, {"ids": list(stations), "on": on_date}):
            overrides[o.station_id].append(o)
    return [(i, code, _specs(templates[i], overrides[i], on_date)) for i, code in stations.items()]


def _specs(templates: dict[str, SessionTemplate], overrides: list[DateOverride], on_date: date) -> list[SessionSpec]:
    off_all = any(o.kind == "holiday" and not o.session_code for o in overrides)
    off = {o.session_code for o in overrides if o.kind == "holiday" and o.session_code}
    specs: list[SessionSpec] = []
    if not off_all:
        weekday = str(on_date.isoweekday())
        for t in templates.values():
            if weekday in (t.days or "") and t.code not in off:
                specs.append(
                    SessionSpec(t.code, t.name, t.start_time, t.max_duration_s, list(t.slots or []), t.source_file)
                )
    for o in overrides:
        if o.kind != "extra" or o.session_code not in templates or o.session_code in {s.code for s in specs}:
            continue
        t = templates[o.session_code]
        specs.append(
            SessionSpec(
                t.code,
                t.name,
                o.start_time or t.start_time,
                o.max_duration_s or t.max_duration_s,
                list(t.slots or []),
                t.source_file,
                extra=True,
                notes=[o.note] if o.note else [],
            )
        )
    return sorted(specs, key=lambda s: (s.start, s.code))


def session_codes(session: Session, station: Station) -> set[str]:
    return set(session.scalars(select(SessionTemplate.code).where(SessionTemplate.station_id == station.id)))


def next_session_dates(
    session: Session, station: Station, after: date, until: date, limit_days: int = 62
) -> list[date]:
    """Dates in (after, until] with at least one session (bounded look-ahead)."""
    found, day = [], after + timedelta(days=1)
    end = min(until, after + timedelta(days=limit_days))
    while day <= end:
        if sessions_on(session, station, day):
            found.append(day)
            break  # one is enough to know a later session exists
        day += timedelta(days=1)
    return found
