"""The active plan's monthly targets, as the filler uses them for one station and one day.

The plan (``Plan`` of the station's ward, active, covering the date) names
monthly targets (``PlanTarget.per == "month"``; other periods are for the
reports only):

- ``minutes`` of ``cchc`` (every CCHC area together): what is still missing
  this month is spread over the CCHC column's remaining occurrences and held
  for the column (``reserve_ms``);
- ``minutes`` of one area (e.g. ``cchc-tthc``): the same, per area; the area's
  share is *owed* to it in each column that takes it (``Block.area_quota_ms``),
  so its bulletins go first in the column while it is behind, and the column
  holds at least the sum of what it owes;
- ``column_sessions`` of ``cchc`` or of one area: when the sessions still
  needed this month exceed the sessions left whose column airs on its
  configured weekdays, the column is also placed on other sessions that have
  a column slot for it — as late as possible (today only as many as the
  sessions after today could no longer carry), so the configured weekdays
  stay as they are while they can still reach the target; an area behind on
  its sessions target is owed one bulletin in each column; when even every
  remaining session cannot reach the target, a ``plan_quota`` warning says
  so.

"Done this month" is what earlier days of the month already carry: bulletin
items of this station's built programmes, plus airings logged without a
programme item (manual confirmations).  Today's own sessions never count, so
rebuilding a day gives the same answer.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import date, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ..domain.categories import CATEGORIES, CCHC_CODES, CCHC_GROUP
from ..domain.models import AsRun, Plan, PlanTarget, Programme, ProgrammeItem, Station
from .calendar import SessionSpec, sessions_on

CCHC_WILDCARD = "cchc-*"
AREA_NAMES = {c.code: c.name for c in CATEGORIES}


def column_active(slot: dict, on_date: date) -> bool:
    """True if a column slot airs on ``on_date``'s weekday (no ``weekdays``: every day)."""
    days = slot.get("weekdays")
    return not days or on_date.isoweekday() in [int(d) for d in days]


def slot_accepts(slot: dict, code: str) -> bool:
    """True if a column slot takes bulletins of ``code`` (an area, or ``cchc`` for "some CCHC area")."""
    cats = [str(c) for c in (slot.get("categories") or [])]
    if not cats:
        return True
    if code == CCHC_GROUP:
        return CCHC_WILDCARD in cats or any(c in CCHC_CODES for c in cats)
    return code in cats or (code in CCHC_CODES and CCHC_WILDCARD in cats)


def _columns(spec: SessionSpec) -> list[tuple[int, dict]]:
    return [(i, s) for i, s in enumerate(spec.slots) if s.get("kind") == "column"]


def target_label(code: str) -> str:
    return "CCHC" if code == CCHC_GROUP else AREA_NAMES.get(code, code)


@dataclass
class DayQuotas:
    """What the plan asks of one station's columns on one day."""

    minutes_ms: dict[str, int] = field(default_factory=dict)  # code -> monthly target (ms)
    sessions: dict[str, int] = field(default_factory=dict)  # code -> monthly target (sessions)
    done_ms: dict[str, int] = field(default_factory=dict)  # code -> done this month before today
    done_sessions: dict[str, int] = field(default_factory=dict)
    occurrences: dict[str, int] = field(default_factory=dict)  # code -> column occurrences left (today on)
    extra: dict[str, int] = field(default_factory=dict)  # code -> sessions to add beyond the weekdays
    activate: set[tuple[str, int]] = field(default_factory=set)  # (session code, slot index) added today
    warnings: list[dict] = field(default_factory=list)  # for the day's first session

    @property
    def empty(self) -> bool:
        return not (self.minutes_ms or self.sessions)

    def _share(self, code: str) -> int:
        target = self.minutes_ms.get(code)
        if not target:
            return 0
        remaining = target - self.done_ms.get(code, 0)
        return math.ceil(remaining / max(1, self.occurrences.get(code, 0))) if remaining > 0 else 0

    def area_quota_ms(self, slot: dict) -> dict[str, int]:
        """Area -> time owed to it in this column today (minutes share; at least 1 ms while the area is
        behind on its sessions target, i.e. one bulletin)."""
        out = {}
        for code in set(self.minutes_ms) | set(self.sessions):
            if code == CCHC_GROUP or not slot_accepts(slot, code):
                continue
            owed = self._share(code)
            if self.sessions.get(code, 0) > self.done_sessions.get(code, 0):
                owed = max(owed, 1)
            if owed:
                out[code] = owed
        return out

    def reserve_ms(self, slot: dict) -> int:
        """Time to hold for this column today: the CCHC minutes share, or what it owes its areas if more."""
        whole = self._share(CCHC_GROUP) if slot_accepts(slot, CCHC_GROUP) else 0
        return max(whole, sum(self.area_quota_ms(slot).values()))

    def is_active(self, spec: SessionSpec, idx: int, slot: dict, on_date: date) -> bool:
        return column_active(slot, on_date) or (spec.code, idx) in self.activate


def _plan(session: Session, station: Station, on_date: date) -> Plan | None:
    return session.scalar(
        select(Plan)
        .where(
            Plan.ward_id == station.ward_id,
            Plan.active.is_(True),
            Plan.period_start <= on_date,
            Plan.period_end >= on_date,
        )
        .order_by(Plan.id.desc())
    )


def _codes_of(code: str) -> tuple[str, ...]:
    return CCHC_CODES if code == CCHC_GROUP else (code,)


def day_quotas(
    session: Session, station: Station, on_date: date, specs: list[SessionSpec], kept: set[str] = frozenset()
) -> DayQuotas:
    """The plan's monthly targets for ``station`` on ``on_date`` (whose sessions are ``specs``; the ones in
    ``kept`` are locked or started and never get a column added)."""
    q = DayQuotas()
    plan = _plan(session, station, on_date)
    if plan is None:
        return q
    _read_targets(session, plan, q)
    if q.empty:
        return q
    codes = set(q.minutes_ms) | set(q.sessions)
    _count_done(session, station, on_date, codes, q)
    left = column_calendar(session, station, on_date, specs, kept, codes)
    q.occurrences.update(left.occurrences)
    _place_extra_columns(q, on_date, left)
    # An added column is one more occurrence for every target it can carry.
    slots = {(spec.code, i): slot for spec in specs for i, slot in _columns(spec)}
    for key in q.activate:
        for code in codes:
            if slot_accepts(slots[key], code):
                q.occurrences[code] = q.occurrences.get(code, 0) + 1
    return q


def _read_targets(session: Session, plan: Plan, q: DayQuotas) -> None:
    """The plan's monthly ``minutes`` and ``column_sessions`` targets of CCHC and its areas."""
    wanted = set(CCHC_CODES) | {CCHC_GROUP}
    for t in session.scalars(select(PlanTarget).where(PlanTarget.plan_id == plan.id, PlanTarget.per == "month")):
        if t.category_code not in wanted or not t.value:
            continue
        if t.metric == "minutes":
            q.minutes_ms[t.category_code] = int(float(t.value) * 60_000)
        elif t.metric == "column_sessions":
            q.sessions[t.category_code] = int(math.ceil(float(t.value)))


def _count_done(session: Session, station: Station, on_date: date, codes: set[str], q: DayQuotas) -> None:
    """Done this month before today: programmed bulletin items, and airings logged without an item (each
    session counted once per code, whatever it carried of it)."""
    first = on_date.replace(day=1)
    items = session.execute(
        select(Programme.id, ProgrammeItem.category_code, func.sum(ProgrammeItem.duration_ms))
        .join(Programme, Programme.id == ProgrammeItem.programme_id)
        .where(
            Programme.station_id == station.id,
            Programme.on_date >= first,
            Programme.on_date < on_date,
            ProgrammeItem.kind == "bulletin",
            ProgrammeItem.category_code.in_(CCHC_CODES),
        )
        .group_by(Programme.id, ProgrammeItem.category_code)
    ).all()
    logged = session.execute(
        select(AsRun.air_date, AsRun.session_code, AsRun.category_code, func.sum(AsRun.aired_ms))
        .where(
            AsRun.station_id == station.id,
            AsRun.air_date >= first,
            AsRun.air_date < on_date,
            AsRun.status == "aired",
            AsRun.programme_item_id.is_(None),
            AsRun.category_code.in_(CCHC_CODES),
        )
        .group_by(AsRun.air_date, AsRun.session_code, AsRun.category_code)
    ).all()
    per_session: dict[tuple, dict[str, int]] = {}
    for pid, cat, ms in items:
        per_session.setdefault(("p", pid), {})[cat] = int(ms or 0)
    for day, scode, cat, ms in logged:
        key = ("l", day, scode)
        per_session.setdefault(key, {})
        per_session[key][cat] = per_session[key].get(cat, 0) + int(ms or 0)
    for code in codes:
        members = _codes_of(code)
        q.done_ms[code] = sum(ms for cats in per_session.values() for cat, ms in cats.items() if cat in members)
        q.done_sessions[code] = sum(1 for cats in per_session.values() if any(c in members for c in cats))


@dataclass
class ColumnCalendar:
    """Column occurrences from a day to the end of its month, per target code."""

    occurrences: dict[str, int] = field(default_factory=dict)  # column slots airing on their weekdays
    on_weekdays: dict[str, int] = field(default_factory=dict)  # sessions whose column airs on its weekday
    offday: dict[str, int] = field(default_factory=dict)  # sessions with a column slot for it, not airing
    today_offday: dict[str, list[tuple[str, int]]] = field(default_factory=dict)  # today's: (session, slot)


def column_calendar(
    session: Session, station: Station, on_date: date, specs: list[SessionSpec], kept: set[str], codes: set[str]
) -> ColumnCalendar:
    """Count, from ``on_date`` (whose sessions are ``specs``) to the end of the month, the columns that can
    carry each code: on their weekdays, and the sessions where one could be added (never a kept session)."""
    out = ColumnCalendar()
    day = on_date
    while day.month == on_date.month:
        day_specs = specs if day == on_date else sessions_on(session, station, day)
        for spec in day_specs:
            cols = _columns(spec)
            for code in codes:
                mine = [(i, s) for i, s in cols if slot_accepts(s, code)]
                if not mine:
                    continue
                active = [(i, s) for i, s in mine if column_active(s, day)]
                out.occurrences[code] = out.occurrences.get(code, 0) + len(active)
                if active:
                    out.on_weekdays[code] = out.on_weekdays.get(code, 0) + 1
                elif day == on_date and spec.code in kept:
                    continue
                else:
                    out.offday[code] = out.offday.get(code, 0) + 1
                    if day == on_date:
                        out.today_offday.setdefault(code, []).append((spec.code, mine[0][0]))
        day += timedelta(days=1)
    return out


def _place_extra_columns(q: DayQuotas, on_date: date, left: ColumnCalendar) -> None:
    """Columns beyond their weekdays where a sessions target needs them, as late as possible; a warning when
    even every remaining session cannot reach the target."""
    for code, target in sorted(q.sessions.items()):
        needed = target - q.done_sessions.get(code, 0)
        on_weekdays = left.on_weekdays.get(code, 0)
        if needed <= on_weekdays:
            continue
        extra = needed - on_weekdays
        q.extra[code] = extra
        today = left.today_offday.get(code, [])
        # As late as possible: today only what the sessions after today could no longer carry.
        later = left.offday.get(code, 0) - len(today)
        q.activate.update(today[: max(0, extra - later)])
        if extra > left.offday.get(code, 0):
            q.warnings.append(
                {
                    "code": "plan_quota",
                    "message": (
                        f"Chỉ tiêu {target} buổi có chuyên mục {target_label(code)} tháng "
                        f"{on_date:%m/%Y} không thể đạt: đã có {q.done_sessions.get(code, 0)} buổi, "
                        f"từ hôm nay chỉ còn {on_weekdays + left.offday.get(code, 0)} buổi phát có thể mang "
                        "chuyên mục; hãy thêm buổi phát hoặc điều chỉnh kế hoạch."
                    ),
                }
            )
