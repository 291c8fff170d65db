"""``airtime_report``: the queries, the roll-ups and the section builders put together."""

from __future__ import annotations

from dataclasses import dataclass
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from ...config import DEFAULT_TIMEZONE
from ...domain.models import Category, Department, Plan, Station
from ...domain.types import utcnow
from ..narrative import narrative
from ..periods import Period
from ..plans import plan_for_period, plans_for_period
from . import queries, sections
from .devices import device_section
from .figures import Figures, roll_items, roll_sessions
from .listens import listen_section
from .relays import relay_section
from .scope import Scope, make_scope
from .targets import achievements, column_session_codes, target_rows
from .wards import province_sections


@dataclass(frozen=True)
class Reference:
    """The rows the sections name things by (small tables, read once per report)."""

    categories: list[Category]
    departments: dict[str, str]  # code -> name
    stations: list[Station]  # by code

    @classmethod
    def load(cls, session: Session) -> Reference:
        return cls(
            list(session.scalars(select(Category).order_by(Category.sort_order, Category.id))),
            {d.code: d.name for d in session.scalars(select(Department))},
            list(session.scalars(select(Station).order_by(Station.code))),
        )


def airtime_report(
    session: Session,
    period: Period,
    *,
    tz=None,
    station: str | Station | None = None,
    cluster: str | None = None,
    plan: Plan | None = None,
    include_previous: bool = True,
    wards=None,
) -> dict:
    """The airtime report for ``period`` and one station (code or row) or all stations, as a JSON-ready dict;
    with ``cluster`` (a cluster code) only of the rows heard in that cluster.

    ``tz`` is the configured station time zone (``settings.tz``; by default ``DEFAULT_TIMEZONE``): the local
    times of first and last airings, the devices' period bounds and ``generated_at`` are written in it.
    ``plan`` defaults to the ward's plan covering the period.
    The keys ``cluster``, ``devices`` and ``relays`` appear only with a cluster filter, for stations that have
    devices, and for a period with relay slots; ``listens`` (plays on the public page, embed and podcast) always.

    ``wards`` (ward codes) chooses the wards of a province report; by default the session's ward, or every
    ward for a province user or an unscoped session.  A report spanning several wards has ``ward`` None and
    the keys ``province``, ``wards``, ``by_ward`` (beside ``by_station``) and ``compliance`` (each ward
    against its own plan); its ``targets`` are empty unless ``plan`` is given.
    """
    tz = tz or ZoneInfo(DEFAULT_TIMEZONE)
    scope = make_scope(session, period, station, cluster, wards)
    now = utcnow()
    ward_plans = plans_for_period(session, [w.id for w in scope.wards], period) if scope.multi_ward else {}
    if plan is None and scope.ward is not None:
        plan = plan_for_period(session, scope.ward.id, period)
    ref = Reference.load(session)
    codes = tuple(dict.fromkeys(c for p in (plan, *ward_plans.values()) for c in column_session_codes(p)))
    body, rolled = _figure_sections(session, scope, codes, ref, tz)
    sessions_by_category = rolled.sessions_by_category
    totals = sections.totals(body["by_category"], body["by_station"], body["by_bulletin"])
    targets = target_rows(plan, period, achievements(totals, body["by_category"], sessions_by_category))
    change = None
    if include_previous:
        previous = period.previous()
        change = sections.change_section(
            totals, previous, Figures.of_totals(queries.period_totals(session, scope, previous))
        )
    report = {
        "report": "airtime",
        "generated_at": now.astimezone(tz).isoformat(timespec="seconds"),
        "timezone": str(tz),
        "ward": sections.ward_section(scope.ward),
        **(sections.province_keys(scope.wards) if scope.multi_ward else {}),
        "station": sections.station_section(scope.station),
        **({"cluster": scope.cluster.as_dict()} if scope.cluster is not None else {}),
        "period": period.as_dict(),
        "plan": sections.plan_section(plan),
        "totals": totals,
        **body,
        "targets": targets,
        "change": change,
    }
    if scope.multi_ward:
        extra = province_sections(session, scope, ref, body, rolled, ward_plans, tz, now)
        report = _insert_after(report, "by_station", {"by_ward": extra["by_ward"]})
        report = _insert_after(report, "targets", {"compliance": extra["compliance"]})
    devices = device_section(session, scope, tz, now)
    if devices is not None:
        report["devices"] = devices
    relays = relay_section(session, scope)
    if relays is not None:
        report["relays"] = relays
    report["listens"] = listen_section(session, scope, ref.categories)
    report["narrative"] = narrative(report)
    return report


def _insert_after(report: dict, key: str, extra: dict) -> dict:
    """``report`` with ``extra``'s keys right after ``key`` (the JSON's key order is the sections' order)."""
    out = {}
    for k, v in report.items():
        out[k] = v
        if k == key:
            out.update(extra)
    return out


def _figure_sections(session: Session, scope: Scope, codes: tuple[str, ...], ref: Reference, tz):
    """Run the queries, roll them up and build the sections that come straight from the figures (in the
    report's key order), and the session roll-up (sessions per category for the column-session targets)."""
    rolled = roll_sessions(queries.session_figures(session, scope, codes), codes)
    items = queries.bulletin_rows(session, scope)
    cat_figures, dept_figures = roll_items(items, queries.not_aired_by_category(session, scope))
    by_category = sections.category_rows(ref.categories, cat_figures)
    return {
        "category_groups": sections.category_groups(by_category),
        "by_category": by_category,
        "by_department": sections.department_rows(dept_figures, ref.departments),
        "by_station": sections.station_rows(ref.stations, scope.station_ids, rolled.by_station, rolled.sessions),
        "by_bulletin": sections.bulletin_rows(items, {c.code: c.name for c in ref.categories}, ref.departments, tz),
        "by_day": sections.day_rows(scope.period.dates(), rolled.by_day),
    }, rolled
