"""The sections of a report spanning several wards: ``by_ward`` and the province's ``compliance`` table.

Both are built from figures the report already has (its ``by_station`` rows, the session roll-up) plus one
GROUP BY by (station, category) (``queries.station_category_rows``) and the devices' offline time, so a ward's
figures are exactly the sum of its stations' lines.  Each ward is measured against ITS OWN plan for the period
(plans are per ward); the wards behind come first, the wards without a plan last, said as such.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime

from sqlalchemy.orm import Session

from ...domain.categories import CCHC_CODES
from ..periods import Period
from ..plans import due_date
from . import offline, queries
from .devices import offline_s, period_bounds, scope_devices, state_changes
from .figures import minutes, seconds
from .scope import UNCATEGORISED, Scope
from .sections import ordered_categories
from .targets import achievements, target_rows

SUMMED = ("airings", "duration_s", "cchc_airings", "cchc_duration_s", "sessions_aired", "sessions_missed")
SUMMED += ("cchc_sessions", "not_aired")


def availability(session: Session, scope: Scope, tz, now: datetime) -> dict[int, dict]:
    """Per station id: its devices, the seconds they existed in the period (up to now), their offline seconds
    and the share of that time they were online — the figures of the report's device section, by station."""
    start, end = period_bounds(scope, tz)
    devices = scope_devices(session, scope, start, end)
    if not devices:
        return {}
    before, changes = state_changes(session, [d.id for d in devices], start, end)
    out: dict[int, dict] = {}
    for d in devices:
        span = offline.window(start, end, now=now, created_at=d.created_at, revoked_at=d.revoked_at)
        window = int((span[1] - span[0]).total_seconds()) if span else 0
        off = offline_s(d, before.get(d.id, False), changes[d.id], start, end, now)
        row = out.setdefault(d.station_id, {"devices": 0, "window_s": 0, "offline_s": 0})
        row["devices"] += 1
        row["window_s"] += window
        row["offline_s"] += off
    for row in out.values():
        row["availability_percent"] = availability_percent(row)
    return out


def availability_percent(row: Mapping) -> float | None:
    """Online share of the devices' time in the period (None before any of it has happened)."""
    if not row["window_s"]:
        return None
    return round(max(0, row["window_s"] - row["offline_s"]) * 100 / row["window_s"], 1)


def category_lines(categories: Iterable, figures: Mapping[str, list[int]]) -> list[dict]:
    """Categories that aired (``figures``: code -> [airings, ms]), in the report's category order, then the codes
    only the log knows."""
    known = {c.code: c for c in ordered_categories(categories)}
    order = [code for code in known if code in figures]
    order += sorted((code for code in figures if code not in known), key=lambda c: c or "")
    lines = []
    for code in order:
        n, ms = figures[code]
        cat = known.get(code)
        duration = seconds(ms)
        lines.append(
            {
                "code": code or "",
                "name": cat.name if cat else (code or UNCATEGORISED[1]),
                "is_cchc": cat.is_cchc if cat else code in CCHC_CODES,
                "airings": n,
                "duration_s": duration,
                "minutes": minutes(duration),
            }
        )
    return lines


def station_categories(rows: Iterable) -> dict[int, dict[str, list[int]]]:
    """``queries.station_category_rows`` as station id -> category code -> [airings, ms]."""
    out: dict[int, dict[str, list[int]]] = {}
    for sid, code, n, ms in rows:
        out.setdefault(sid, {})[code or ""] = [int(n or 0), int(ms or 0)]
    return out


def ward_rows(
    wards: Iterable,
    stations: Iterable,
    by_station: list[dict],
    per_station_category: Mapping[int, Mapping[str, list[int]]],
    categories: Iterable,
    devices: Mapping[int, dict] | None,
) -> list[dict]:
    """One line per ward: the sums of its stations' lines, its airtime per category, its CCHC share, and (when
    the report's stations have devices) its devices' availability."""
    categories = list(categories)
    station_by_code = {s.code: s for s in stations}
    rows = []
    for ward in wards:
        lines = [r for r in by_station if station_by_code[r["code"]].ward_id == ward.id]
        ids = [station_by_code[r["code"]].id for r in lines]
        row = {"code": ward.code, "name": ward.name, "stations": len(lines)}
        row.update({key: sum(r.get(key, 0) for r in lines) for key in SUMMED})
        row["minutes"] = minutes(row["duration_s"])
        row["cchc_share_percent"] = (
            round(row["cchc_duration_s"] * 100 / row["duration_s"], 1) if row["duration_s"] else None
        )
        by_cat: dict[str, list[int]] = {}
        for sid in ids:
            for code, (n, ms) in per_station_category.get(sid, {}).items():
                acc = by_cat.setdefault(code, [0, 0])
                acc[0] += n
                acc[1] += ms
        row["by_category"] = category_lines(categories, by_cat)
        if devices is not None:
            mine = [devices[sid] for sid in ids if sid in devices]
            dev = {k: sum(m[k] for m in mine) for k in ("devices", "window_s", "offline_s")}
            row["devices"] = {**dev, "availability_percent": availability_percent(dev)}
        rows.append(row)
    return rows


def _achievement(targets: list[dict]) -> float | None:
    """A ward's achievement: the mean of its targets' percentages, each counted up to 100 (over-achieving one
    target does not hide another behind)."""
    percents = [min(t["percent"], 100.0) for t in targets if t["percent"] is not None]
    return round(sum(percents) / len(percents), 1) if percents else None


def compliance_rows(
    wards: Iterable,
    plans: Mapping[int, object],
    by_ward: list[dict],
    sessions_by_ward: Mapping[int, Mapping[str, int]],
    period: Period,
) -> list[dict]:
    """Each ward against its own plan for the period, with the report's deadline for the period; sorted: wards
    with targets from the worst achievement up, then wards whose plan has no target, then wards with no plan."""
    line_of = {r["code"]: r for r in by_ward}
    rows = []
    for ward in wards:
        plan, line = plans.get(ward.id), line_of[ward.code]
        row = {"code": ward.code, "name": ward.name, "plan": None, "status": "no_plan", "report_due": None}
        row.update(targets=[], targets_met=0, targets_total=0, achievement_percent=None)
        if plan is not None:
            totals = {**line, "cchc_minutes": minutes(line["cchc_duration_s"])}
            achieved = achievements(totals, line["by_category"], sessions_by_ward.get(ward.id, {}))
            targets = target_rows(plan, period, achieved)
            met = sum(1 for t in targets if t["met"])
            row.update(
                plan={"id": plan.id, "title": plan.title, "number": plan.number},
                report_due=due_date(period, plan.report_due_day).isoformat(),
                targets=targets,
                targets_met=met,
                targets_total=len(targets),
                achievement_percent=_achievement(targets),
                status=("met" if met == len(targets) else "behind") if targets else "no_targets",
            )
        rows.append(row)
    rank = {"behind": 0, "met": 0, "no_targets": 1, "no_plan": 2}
    rows.sort(key=lambda r: (rank[r["status"]], r["achievement_percent"] or 0.0, r["code"]))
    return rows


def ward_sessions_by_category(stations: Iterable, station_sessions: Mapping[int, Mapping[str, int]]) -> dict:
    """ward id -> category code -> its stations' sessions with an item of that category."""
    out: dict[int, dict[str, int]] = {}
    for st in stations:
        for code, n in station_sessions.get(st.id, {}).items():
            acc = out.setdefault(st.ward_id, {})
            acc[code] = acc.get(code, 0) + n
    return out


def province_sections(session: Session, scope: Scope, ref, body: dict, rolled, plans: Mapping, tz, now) -> dict:
    """``by_ward`` and ``compliance`` of a report spanning several wards."""
    stations = [s for s in ref.stations if scope.station_ids is None or s.id in scope.station_ids]
    per_cat = station_categories(queries.station_category_rows(session, scope))
    devices = availability(session, scope, tz, now) or None
    by_ward = ward_rows(scope.wards, stations, body["by_station"], per_cat, ref.categories, devices)
    sessions = ward_sessions_by_category(stations, rolled.station_sessions_by_category)
    return {"by_ward": by_ward, "compliance": compliance_rows(scope.wards, plans, by_ward, sessions, scope.period)}
