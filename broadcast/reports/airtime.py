"""The airtime report: what the ward radio aired in a period, against the plan.

Every figure is aggregated in the database (GROUP BY): memory and Python work
grow with the number of days, stations, sessions, categories and bulletins,
never with the number of as-run rows.  The period's rows are read by:

1. aired rows by (day, station, session): airings, airtime, CCHC airtime and
   the per-category "column session" flags the plan's targets need — one
   streaming GROUP BY over the partial index ``ix_as_run_aired_station``;
   rolled up in Python into the figures by station and by day and the
   session counts;
2. aired rows by item (bulletin, title, category, department) — over
   ``ix_as_run_aired_item`` — rolled up into the figures by category and by
   department and listed by bulletin;
3. rows that did not air (a few per cent of the log) by session and by
   category, from the partial index ``ix_as_run_not_aired`` alone.

The status filters are written into the SQL as literals, exactly as the
partial indexes' WHERE clauses say them, so both planners can use them.

Counting rules (what the ward reports upward):
- only ``aired`` and ``interrupted`` rows are airings; ``interrupted`` counts
  the ``aired_ms`` actually aired; an ``aired`` row with no measured duration
  (a manual confirmation) counts its planned duration;
- ``manual`` rows (source = manual, the operator confirmed by hand) are
  counted and reported separately as well;
- a session is *aired* when at least one of its items aired, *missed* when it
  has failed/skipped/missed items and none aired;
- the period is a span of local dates: ``AsRun.air_date`` is the local date
  in the station's timezone, so 06:00 on the 1st belongs to that month.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import and_, case, func, literal_column, select
from sqlalchemy.orm import Session

from ..domain.categories import CATEGORIES, CCHC_CODES, CCHC_GROUP
from ..domain.models import AsRun, Category, Department, Plan, PlanTarget, Station, Ward
from ..domain.types import utcnow
from ..errors import ValidationError
from .periods import Period

AIRED = ("aired", "interrupted")
NOT_AIRED = ("failed", "skipped", "missed")
UNCATEGORISED = ("", "Chưa phân loại")
NO_DEPARTMENT = ("", "Không ghi đơn vị")

METRIC_LABELS = {"minutes": "phút", "airings": "lượt", "column_sessions": "buổi"}
PER_MONTHS = {"month": 1.0, "quarter": 3.0, "year": 12.0}


@dataclass(frozen=True)
class Scope:
    """Which rows a report covers: a period, and one station or all stations of the ward."""

    period: Period
    station: Station | None
    ward: Ward | None
    station_ids: tuple[int, ...] | None  # None: every station


def resolve_station(session: Session, code: str | None) -> Station | None:
    if code is None or not str(code).strip():
        return None
    station = session.scalar(select(Station).where(Station.code == str(code).strip().upper()))
    if station is None:
        raise ValidationError(f"Không có đài truyền thanh mã {str(code).strip()!r}.", field="station")
    return station


def _flag(condition):
    return case((condition, 1), else_=0)


def _where(scope: Scope, period: Period | None = None):
    period = period or scope.period
    cond = [AsRun.air_date >= period.start, AsRun.air_date <= period.end]
    if scope.station is not None:
        cond.append(AsRun.station_id == scope.station.id)
    return and_(*cond)


def _cchc(col):
    return col.in_(CCHC_CODES)


def _status_in(values: tuple[str, ...]):
    """``status IN ('a', 'b')`` with the values written into the SQL, exactly as the partial indexes say it
    (a bound parameter would keep SQLite from matching the index's WHERE clause)."""
    return AsRun.status.in_([literal_column(f"'{v}'") for v in values])


def _aired_ms():
    """Airtime of one aired row (the rows are already filtered to aired/interrupted): an interrupted row
    counts what actually aired; an aired row with no measured time (manual) its planned duration."""
    return case((AsRun.status == literal_column("'interrupted'"), AsRun.aired_ms),
                else_=func.coalesce(func.nullif(AsRun.aired_ms, 0), AsRun.planned_ms, 0))


def _session_rows(session: Session, scope: Scope, session_codes: tuple[str, ...]):
    """Aired rows by (day, station, session): airings, airtime, CCHC airings and airtime, and for each code in
    ``session_codes`` a 0/1 flag "an item of this category aired in the session".

    One streaming GROUP BY in the order of ``ix_as_run_aired_station`` (SQLite: no sort); at most
    days × stations × sessions rows, which the caller rolls up by station and by day.
    """
    ms = _aired_ms()
    cchc = _cchc(AsRun.category_code)
    flags = [func.max(_flag(AsRun.category_code == code)).label(f"t{i}") for i, code in enumerate(session_codes)]
    stmt = (
        select(AsRun.air_date.label("d"), AsRun.station_id.label("s"), AsRun.session_code.label("q"),
               func.count().label("n"), func.sum(ms).label("ms"),
               func.sum(_flag(cchc)).label("cn"), func.sum(case((cchc, ms), else_=0)).label("cms"), *flags)
        .where(_where(scope), _status_in(AIRED))
        .group_by(AsRun.air_date, AsRun.station_id, AsRun.session_code)
    )
    return session.execute(stmt).all()


def _not_aired_rows(session: Session, scope: Scope):
    """Rows that did not air (a few per cent of the log, from ``ix_as_run_not_aired`` alone): by (day,
    station, session), and by category."""
    where = and_(_where(scope), _status_in(NOT_AIRED))
    by_session = session.execute(
        select(AsRun.air_date, AsRun.station_id, AsRun.session_code, func.count())
        .where(where).group_by(AsRun.air_date, AsRun.station_id, AsRun.session_code)).all()
    by_category = session.execute(
        select(AsRun.category_code, func.count()).where(where).group_by(AsRun.category_code)).all()
    return by_session, by_category


def _bulletin_rows(session: Session, scope: Scope):
    """Aired items by (bulletin, title, category, department): airings, airtime, manual airings and airtime,
    interrupted airings, first and last airing.

    PostgreSQL: one parallel hash aggregate (the ``st_as_run_item`` statistics tell the planner the key has a
    few hundred values).  SQLite (no hash aggregate: a GROUP BY out of index order sorts every row): per day
    first, streaming in the order of ``ix_as_run_aired_item``, then the few rows per bulletin over the period.
    """
    ms = _aired_ms()
    manual = AsRun.source == literal_column("'manual'")
    figures = (
        func.count().label("n"), func.sum(ms).label("ms"),
        func.sum(_flag(manual)).label("mn"), func.sum(case((manual, ms), else_=0)).label("mms"),
        func.sum(_flag(AsRun.status == literal_column("'interrupted'"))).label("intr"),
        func.min(AsRun.actual_start).label("first"), func.max(AsRun.actual_start).label("last"),
    )
    item = (AsRun.bulletin_id, AsRun.title, AsRun.category_code, AsRun.department_code)
    where = and_(_where(scope), _status_in(AIRED))
    if session.get_bind().dialect.name != "sqlite":
        return session.execute(select(*item, *figures).where(where).group_by(*item)).mappings().all()
    per_day = select(AsRun.air_date, *item, *figures).where(where).group_by(AsRun.air_date, *item).subquery()
    d = per_day.c
    stmt = (
        select(d.bulletin_id, d.title, d.category_code, d.department_code,
               func.sum(d.n).label("n"), func.sum(d.ms).label("ms"), func.sum(d.mn).label("mn"),
               func.sum(d.mms).label("mms"), func.sum(d.intr).label("intr"),
               func.min(d.first).label("first"), func.max(d.last).label("last"))
        .group_by(d.bulletin_id, d.title, d.category_code, d.department_code)
    )
    return session.execute(stmt).mappings().all()


def _period_totals(session: Session, scope: Scope, period: Period) -> dict:
    ms = _aired_ms()
    cchc = _cchc(AsRun.category_code)
    row = session.execute(
        select(
            func.count().label("n"),
            func.coalesce(func.sum(ms), 0).label("ms"),
            func.coalesce(func.sum(_flag(cchc)), 0).label("cn"),
            func.coalesce(func.sum(case((cchc, ms), else_=0)), 0).label("cms"),
        ).where(_where(scope, period), _status_in(AIRED))
    ).mappings().one()
    return {"airings": int(row["n"]), "duration_s": _s(row["ms"]), "cchc_airings": int(row["cn"]),
            "cchc_duration_s": _s(row["cms"])}


def _s(ms) -> int:
    """Milliseconds -> whole seconds (rounded)."""
    return int(round(int(ms or 0) / 1000))


def _min(seconds: int) -> float:
    return round(seconds / 60, 1)


def _figures(row) -> dict:
    """The figures of one aggregated row; manual/interrupted/not-aired only where the row has them."""
    duration = _s(row["ms"])
    out = {"airings": int(row["n"] or 0), "duration_s": duration, "minutes": _min(duration),
           "cchc_airings": int(row["cn"] or 0), "cchc_duration_s": _s(row["cms"])}
    if "mn" in row:
        out.update(manual_airings=int(row["mn"] or 0), manual_duration_s=_s(row["mms"]),
                   interrupted=int(row["intr"] or 0))
    if "na" in row:
        out["not_aired"] = int(row["na"] or 0)
    return out


ZERO = {"n": 0, "ms": 0, "cn": 0, "cms": 0, "mn": 0, "mms": 0, "intr": 0, "na": 0}


def _local(ts: datetime | None, tz) -> str | None:
    if ts is None:
        return None
    if ts.tzinfo is None:  # SQLite MIN()/MAX() bypass the column type
        from datetime import timezone

        ts = ts.replace(tzinfo=timezone.utc)
    return ts.astimezone(tz).isoformat(timespec="minutes")


def _parse_ts(value):
    if isinstance(value, str):
        return datetime.fromisoformat(value)
    return value


def _change(current: int, previous: int) -> dict:
    delta = current - previous
    return {"current": current, "previous": previous, "delta": delta,
            "percent": round(delta * 100 / previous, 1) if previous else None}


def _target_rows(plan: Plan | None, period: Period, achieved_for) -> list[dict]:
    if plan is None:
        return []
    rows = []
    for t in plan.targets:
        if t.per == "day":
            factor = period.days
        elif t.per == "week":
            factor = period.days / 7
        else:
            factor = period.months / PER_MONTHS.get(t.per, 1.0)
        target = round(float(t.value) * factor, 1)
        achieved = achieved_for(t.metric, t.category_code)
        percent = round(achieved * 100 / target, 1) if target else None
        rows.append({
            "id": t.id, "label": t.label or default_target_label(t.metric, t.category_code),
            "metric": t.metric, "unit": METRIC_LABELS.get(t.metric, ""), "category_code": t.category_code,
            "per": t.per, "value": float(t.value), "target": target, "achieved": achieved, "percent": percent,
            "met": bool(target) and achieved >= target,
        })
    return rows


def default_target_label(metric: str, category_code: str | None) -> str:
    what = {"minutes": "Số phút", "airings": "Số lượt phát", "column_sessions": "Số buổi có chuyên mục"}.get(
        metric, metric)
    if category_code is None:
        scope = "tất cả chuyên mục"
    elif category_code == CCHC_GROUP:
        scope = "tin CCHC"
    else:
        cat = next((c for c in CATEGORIES if c.code == category_code), None)
        scope = cat.name if cat else category_code
    return f"{what} ({scope})"


def airtime_report(session: Session, period: Period, *, station: str | Station | None = None,
                   tz=None, plan: Plan | None = None, include_previous: bool = True) -> dict:
    """The airtime report for ``period`` and one station (code) or all stations, as a JSON-ready dict."""
    from .plans import plan_for_period

    if isinstance(station, str) or station is None:
        station = resolve_station(session, station)
    ward = station.ward if station is not None else session.scalar(select(Ward).order_by(Ward.id).limit(1))
    scope = Scope(period, station, ward, (station.id,) if station is not None else None)
    if tz is None:
        from zoneinfo import ZoneInfo

        tz = ZoneInfo("Asia/Ho_Chi_Minh")
    if plan is None and ward is not None:
        plan = plan_for_period(session, ward.id, period)

    categories = list(session.scalars(select(Category).order_by(Category.sort_order, Category.id)))
    departments = {d.code: d.name for d in session.scalars(select(Department))}
    stations = {s.id: s for s in session.scalars(select(Station).order_by(Station.code))}

    # Column-session targets for one category need to know, per session, whether it aired that category.
    session_codes = tuple(dict.fromkeys(
        t.category_code for t in (plan.targets if plan is not None else ())
        if t.metric == "column_sessions" and t.category_code not in (None, CCHC_GROUP)))

    # Roll the small grouped results up (bounded by days × stations × sessions and by bulletins, never by
    # the number of as-run rows).
    by_station_acc: dict[int, list[int]] = {}    # station -> [airings, ms, CCHC airings, CCHC ms, not aired]
    by_day_acc: dict[date, list[int]] = {}
    sessions: dict[int, list[int]] = {}           # station -> [aired, missed, with CCHC]
    aired_sessions: set = set()
    flags = [0] * len(session_codes)
    for d, sid, q, n, ms, cn, cms, *t in _session_rows(session, scope, session_codes):
        n, ms, cn, cms = int(n), int(ms or 0), int(cn or 0), int(cms or 0)
        for acc in (by_station_acc.setdefault(sid, [0, 0, 0, 0, 0]), by_day_acc.setdefault(d, [0, 0, 0, 0, 0])):
            acc[0] += n
            acc[1] += ms
            acc[2] += cn
            acc[3] += cms
        if q is None:
            continue
        aired_sessions.add((d, sid, q))
        srow = sessions.setdefault(sid, [0, 0, 0])
        srow[0] += 1
        srow[2] += cn > 0
        for i, flag in enumerate(t):
            flags[i] += int(flag or 0)
    sessions_by_category = dict(zip(session_codes, flags))
    not_aired_by_session, not_aired_by_category = _not_aired_rows(session, scope)
    for d, sid, q, n in not_aired_by_session:
        by_station_acc.setdefault(sid, [0, 0, 0, 0, 0])[4] += int(n)
        if q is not None and (d, sid, q) not in aired_sessions:
            sessions.setdefault(sid, [0, 0, 0])[1] += 1
    keys = ("n", "ms", "cn", "cms", "na")
    cube: dict[str, dict] = {"station": {k: {**ZERO, **dict(zip(keys, v))} for k, v in by_station_acc.items()},
                             "day": {k: {**ZERO, **dict(zip(keys, v))} for k, v in by_day_acc.items()}}
    sessions = {sid: {"aired": a, "missed": m, "cchc": c} for sid, (a, m, c) in sessions.items()}
    not_aired = {code: int(n) for code, n in not_aired_by_category}
    bulletins = _bulletin_rows(session, scope)

    # By category and by department: from the aired items (a few rows per bulletin), never the log itself.
    item_cat: dict[str, dict] = {}
    dept_rows: dict[str, dict] = {}
    for row in bulletins:
        is_cchc = (row["category_code"] or "") in CCHC_CODES
        for acc in (item_cat.setdefault(row["category_code"], dict(ZERO)),
                    dept_rows.setdefault(row["department_code"] or "", dict(ZERO))):
            for key in ("n", "ms", "mn", "mms", "intr"):
                acc[key] += int(row[key] or 0)
            if is_cchc:
                acc["cn"] += int(row["n"] or 0)
                acc["cms"] += int(row["ms"] or 0)
    for code, n in not_aired.items():
        item_cat.setdefault(code, dict(ZERO))["na"] = n
    cube["cat"] = item_cat

    def cat_figures(code):
        return _figures(cube["cat"].get(code, ZERO))

    # --- by category: every known category, CCHC areas first, plus codes only the log knows.
    by_category = []
    known = set()
    for cat in sorted(categories, key=lambda c: (not c.is_cchc, c.sort_order, c.id)):
        known.add(cat.code)
        by_category.append({"code": cat.code, "name": cat.name, "is_cchc": cat.is_cchc,
                            "group": CCHC_GROUP if cat.is_cchc else "other", "colour": cat.colour,
                            **cat_figures(cat.code)})
    for code, row in sorted(cube["cat"].items(), key=lambda kv: kv[0] or ""):
        if code in known:
            continue
        name = UNCATEGORISED[1] if not code else code
        by_category.append({"code": code or "", "name": name, "is_cchc": code in CCHC_CODES, "group": "other",
                            "colour": "#6e7781", **cat_figures(code)})

    def group_total(code, name, rows):
        keys = ("airings", "duration_s", "cchc_airings", "cchc_duration_s", "manual_airings",
                "manual_duration_s", "interrupted", "not_aired")
        total = {k: sum(r[k] for r in rows) for k in keys}
        total["minutes"] = _min(total["duration_s"])
        return {"code": code, "name": name, **total}

    cchc_rows = [r for r in by_category if r["group"] == CCHC_GROUP]
    other_rows = [r for r in by_category if r["group"] != CCHC_GROUP]
    category_groups = [
        {**group_total(CCHC_GROUP, "Cải cách hành chính (CCHC)", cchc_rows), "categories": [r["code"] for r in cchc_rows]},
        {**group_total("other", "Các chuyên mục khác", other_rows), "categories": [r["code"] for r in other_rows]},
    ]

    # --- by department: from the aired items (a handful of rows per bulletin, never the log itself)
    by_department = []
    for code, row in dept_rows.items():
        f = _figures({k: v for k, v in row.items() if k != "na"})
        by_department.append({"code": code, "name": departments.get(code, code) if code else NO_DEPARTMENT[1], **f})
    by_department.sort(key=lambda r: (-r["duration_s"], r["code"]))

    # --- by station: every station in scope, sessions beside airtime
    by_station = []
    for sid, st in stations.items():
        if scope.station_ids is not None and sid not in scope.station_ids:
            continue
        srow = sessions.get(sid, {})
        figures = _figures({k: v for k, v in dict(cube["station"].get(sid, ZERO)).items()
                            if k not in ("mn", "mms", "intr")})
        by_station.append({"code": st.code, "name": st.name, **figures,
                           "sessions_aired": int(srow.get("aired") or 0),
                           "sessions_missed": int(srow.get("missed") or 0),
                           "cchc_sessions": int(srow.get("cchc") or 0)})

    # --- by day: every date of the period
    by_day = []
    for day in period.dates():
        row = cube["day"].get(day, ZERO)
        f = _figures(row)
        by_day.append({"date": day.isoformat(), "airings": f["airings"], "duration_s": f["duration_s"],
                       "minutes": f["minutes"], "cchc_airings": f["cchc_airings"],
                       "cchc_duration_s": f["cchc_duration_s"]})

    # --- by bulletin
    cat_names = {c.code: c.name for c in categories}
    by_bulletin = []
    for row in bulletins:
        duration = _s(row["ms"])
        by_bulletin.append({
            "bulletin_id": row["bulletin_id"], "title": row["title"] or "",
            "category": row["category_code"] or "", "category_name": cat_names.get(row["category_code"] or "",
                                                                                  UNCATEGORISED[1]),
            "is_cchc": (row["category_code"] or "") in CCHC_CODES,
            "department": row["department_code"] or "",
            "department_name": departments.get(row["department_code"] or "", NO_DEPARTMENT[1]),
            "airings": int(row["n"]), "duration_s": duration, "minutes": _min(duration),
            "manual_airings": int(row["mn"] or 0), "interrupted": int(row["intr"] or 0),
            "first_airing": _local(_parse_ts(row["first"]), tz), "last_airing": _local(_parse_ts(row["last"]), tz),
        })
    by_bulletin.sort(key=lambda r: (-r["duration_s"], -r["airings"], r["title"]))

    # --- totals
    all_cats = group_total("all", "Tổng cộng", by_category)
    totals = {
        "airings": all_cats["airings"], "duration_s": all_cats["duration_s"], "minutes": all_cats["minutes"],
        "cchc_airings": all_cats["cchc_airings"], "cchc_duration_s": all_cats["cchc_duration_s"],
        "cchc_minutes": _min(all_cats["cchc_duration_s"]),
        "bulletins": len({r["bulletin_id"] for r in by_bulletin if r["bulletin_id"] is not None}),
        "items": len(by_bulletin),
        "sessions_aired": sum(r["sessions_aired"] for r in by_station),
        "sessions_missed": sum(r["sessions_missed"] for r in by_station),
        "cchc_sessions": sum(r["cchc_sessions"] for r in by_station),
        "manual_airings": all_cats["manual_airings"], "manual_duration_s": all_cats["manual_duration_s"],
        "interrupted": all_cats["interrupted"], "not_aired": all_cats["not_aired"],
    }
    totals["cchc_share_percent"] = (round(totals["cchc_duration_s"] * 100 / totals["duration_s"], 1)
                                    if totals["duration_s"] else None)

    # --- targets
    cat_by_code = {r["code"]: r for r in by_category}

    def achieved_for(metric, code):
        if metric == "column_sessions":
            if code is None:
                return totals["sessions_aired"]
            if code == CCHC_GROUP:
                return totals["cchc_sessions"]
            return sessions_by_category.get(code, 0)
        if code is None:
            src = {"airings": totals["airings"], "minutes": totals["minutes"]}
        elif code == CCHC_GROUP:
            src = {"airings": totals["cchc_airings"], "minutes": totals["cchc_minutes"]}
        else:
            row = cat_by_code.get(code)
            src = {"airings": row["airings"] if row else 0, "minutes": row["minutes"] if row else 0.0}
        return src.get(metric, 0)

    targets = _target_rows(plan, period, achieved_for)

    # --- change against the previous period of the same length
    previous = period.previous()
    change = None
    if include_previous:
        prev = _period_totals(session, scope, previous)
        change = {"period": {"code": previous.code, "label": previous.label, "start": previous.start.isoformat(),
                             "end": previous.end.isoformat()},
                  "airings": _change(totals["airings"], prev["airings"]),
                  "duration_s": _change(totals["duration_s"], prev["duration_s"]),
                  "cchc_airings": _change(totals["cchc_airings"], prev["cchc_airings"]),
                  "cchc_duration_s": _change(totals["cchc_duration_s"], prev["cchc_duration_s"])}

    report = {
        "report": "airtime",
        "generated_at": utcnow().astimezone(tz).isoformat(timespec="seconds"),
        "timezone": str(tz),
        "ward": {"code": ward.code, "name": ward.name, "province": ward.province,
                 "district": ward.district} if ward else None,
        "station": {"code": station.code, "name": station.name} if station else None,
        "period": period.as_dict(),
        "plan": ({"id": plan.id, "title": plan.title, "number": plan.number,
                  "issued_on": plan.issued_on.isoformat() if plan.issued_on else None} if plan else None),
        "totals": totals,
        "category_groups": category_groups,
        "by_category": by_category,
        "by_department": by_department,
        "by_station": by_station,
        "by_bulletin": by_bulletin,
        "by_day": by_day,
        "targets": targets,
        "change": change,
    }
    from .narrative import narrative

    report["narrative"] = narrative(report)
    return report
