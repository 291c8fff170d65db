"""One builder per section of the report, from the rolled-up figures to the JSON-ready rows.

Each builder is pure (no session): the figures and the reference rows (categories, departments, stations) in,
the section's list or dict out, keys in the order the API has always sent them.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import UTC, date, datetime

from ...domain.categories import CCHC_CODES, CCHC_GROUP
from ..periods import Period
from .figures import Figures, SessionCounts, minutes
from .scope import NO_DEPARTMENT, UNCATEGORISED

UNKNOWN_COLOUR = "#6e7781"
GROUP_KEYS = (
    "airings",
    "duration_s",
    "cchc_airings",
    "cchc_duration_s",
    "manual_airings",
    "manual_duration_s",
    "interrupted",
    "not_aired",
)


def ordered_categories(categories: Iterable) -> list:
    """The report's category order: CCHC areas first, then by sort order (the airtime and listens tables)."""
    return sorted(categories, key=lambda c: (not c.is_cchc, c.sort_order, c.id))


def category_rows(categories: Iterable, figures: Mapping[str | None, Figures]) -> list[dict]:
    """Every known category (CCHC areas first, then by sort order), then the codes only the log knows (by
    code; an empty or missing code is "Chưa phân loại")."""
    rows = []
    known = set()
    for cat in ordered_categories(categories):
        known.add(cat.code)
        rows.append(
            {
                "code": cat.code,
                "name": cat.name,
                "is_cchc": cat.is_cchc,
                "group": CCHC_GROUP if cat.is_cchc else "other",
                "colour": cat.colour,
                **figures.get(cat.code, Figures()).as_dict(),
            }
        )
    for code, f in sorted(figures.items(), key=lambda kv: kv[0] or ""):
        if code in known:
            continue
        rows.append(
            {
                "code": code or "",
                "name": code if code else UNCATEGORISED[1],
                "is_cchc": code in CCHC_CODES,
                "group": "other",
                "colour": UNKNOWN_COLOUR,
                **f.as_dict(),
            }
        )
    return rows


def group_total(code: str, name: str, rows: list[dict]) -> dict:
    """The sum of category rows (their whole seconds, so a subtotal is the sum of the lines above it)."""
    total = {k: sum(r[k] for r in rows) for k in GROUP_KEYS}
    total["minutes"] = minutes(total["duration_s"])
    return {"code": code, "name": name, **total}


def category_groups(by_category: list[dict]) -> list[dict]:
    """The CCHC subtotal and the subtotal of every other category, each naming its categories."""
    cchc = [r for r in by_category if r["group"] == CCHC_GROUP]
    other = [r for r in by_category if r["group"] != CCHC_GROUP]
    return [
        {**group_total(CCHC_GROUP, "Cải cách hành chính (CCHC)", cchc), "categories": [r["code"] for r in cchc]},
        {**group_total("other", "Các chuyên mục khác", other), "categories": [r["code"] for r in other]},
    ]


def department_rows(figures: Mapping[str, Figures], names: Mapping[str, str]) -> list[dict]:
    """Departments that aired something, longest airtime first (no not-aired count: a failed item is the
    station's, not the department's)."""
    rows = [
        {"code": code, "name": names.get(code, code) if code else NO_DEPARTMENT[1], **f.as_dict(not_aired=False)}
        for code, f in figures.items()
    ]
    rows.sort(key=lambda r: (-r["duration_s"], r["code"]))
    return rows


def station_rows(
    stations: Iterable,
    station_ids: tuple[int, ...] | None,
    figures: Mapping[int, Figures],
    sessions: Mapping[int, SessionCounts],
) -> list[dict]:
    """Every station in scope (``station_ids`` None: all), in the given order, with its sessions."""
    rows = []
    for st in stations:
        if station_ids is not None and st.id not in station_ids:
            continue
        counts = sessions.get(st.id, SessionCounts())
        rows.append(
            {
                "code": st.code,
                "name": st.name,
                **figures.get(st.id, Figures()).as_dict(manual=False),
                "sessions_aired": counts.aired,
                "sessions_missed": counts.missed,
                "cchc_sessions": counts.cchc,
            }
        )
    return rows


def day_rows(dates: Iterable[date], figures: Mapping[date, Figures]) -> list[dict]:
    """Every date of the period, zero where nothing aired."""
    return [
        {"date": day.isoformat(), **figures.get(day, Figures()).as_dict(manual=False, not_aired=False)} for day in dates
    ]


def local_minute(ts: datetime | str | None, tz) -> str | None:
    """A timestamp as local ISO time to the minute (SQLite's MIN()/MAX() return naive UTC text)."""
    if isinstance(ts, str):
        ts = datetime.fromisoformat(ts)
    if ts is None:
        return None
    if ts.tzinfo is None:
        ts = ts.replace(tzinfo=UTC)
    return ts.astimezone(tz).isoformat(timespec="minutes")


def bulletin_rows(
    rows: Iterable[Mapping], category_names: Mapping[str, str], department_names: Mapping[str, str], tz
) -> list[dict]:
    """One line per aired item (bulletin, title, category, department), longest airtime first."""
    out = []
    for row in rows:
        f = Figures()
        f.add_item_row(row)
        category, department = row["category_code"] or "", row["department_code"] or ""
        d = f.as_dict(not_aired=False)
        out.append(
            {
                "bulletin_id": row["bulletin_id"],
                "title": row["title"] or "",
                "category": category,
                "category_name": category_names.get(category, UNCATEGORISED[1]),
                "is_cchc": category in CCHC_CODES,
                "department": department,
                "department_name": department_names.get(department, NO_DEPARTMENT[1]),
                "airings": d["airings"],
                "duration_s": d["duration_s"],
                "minutes": d["minutes"],
                "manual_airings": d["manual_airings"],
                "interrupted": d["interrupted"],
                "first_airing": local_minute(row["first"], tz),
                "last_airing": local_minute(row["last"], tz),
            }
        )
    out.sort(key=lambda r: (-r["duration_s"], -r["airings"], r["title"]))
    return out


def totals(by_category: list[dict], by_station: list[dict], by_bulletin: list[dict]) -> dict:
    """The period's totals: airtime as the sum of the category lines, sessions as the sum of the stations."""
    all_cats = group_total("all", "Tổng cộng", by_category)
    out = {
        "airings": all_cats["airings"],
        "duration_s": all_cats["duration_s"],
        "minutes": all_cats["minutes"],
        "cchc_airings": all_cats["cchc_airings"],
        "cchc_duration_s": all_cats["cchc_duration_s"],
        "cchc_minutes": minutes(all_cats["cchc_duration_s"]),
        "bulletins": len({r["bulletin_id"] for r in by_bulletin if r["bulletin_id"] is not None}),
        "items": len(by_bulletin),
        "sessions_aired": sum(r["sessions_aired"] for r in by_station),
        "sessions_missed": sum(r["sessions_missed"] for r in by_station),
        "cchc_sessions": sum(r["cchc_sessions"] for r in by_station),
        "manual_airings": all_cats["manual_airings"],
        "manual_duration_s": all_cats["manual_duration_s"],
        "interrupted": all_cats["interrupted"],
        "not_aired": all_cats["not_aired"],
    }
    out["cchc_share_percent"] = (
        round(out["cchc_duration_s"] * 100 / out["duration_s"], 1) if out["duration_s"] else None
    )
    return out


def change(current: int, previous: int) -> dict:
    delta = current - previous
    return {
        "current": current,
        "previous": previous,
        "delta": delta,
        "percent": round(delta * 100 / previous, 1) if previous else None,
    }


def change_section(totals_: Mapping, previous: Period, prev: Figures) -> dict:
    """The totals against the previous period of the same length."""
    before = prev.as_dict(manual=False, not_aired=False)
    return {
        "period": {
            "code": previous.code,
            "label": previous.label,
            "start": previous.start.isoformat(),
            "end": previous.end.isoformat(),
        },
        **{
            key: change(totals_[key], before[key])
            for key in ("airings", "duration_s", "cchc_airings", "cchc_duration_s")
        },
    }


def ward_section(ward) -> dict | None:
    return (
        {"code": ward.code, "name": ward.name, "province": ward.province, "district": ward.district} if ward else None
    )


def province_keys(wards) -> dict:
    """``province`` (code, name, the issuer of its reports) and ``wards`` (the codes and names covered) of a
    report spanning several wards."""
    province = wards[0].province_ref if wards else None
    return {
        "province": {"code": province.code, "name": province.name, "issuer": province.issuer} if province else None,
        "wards": [{"code": w.code, "name": w.name} for w in wards],
    }


def station_section(station) -> dict | None:
    return {"code": station.code, "name": station.name} if station else None


def plan_section(plan) -> dict | None:
    return (
        {
            "id": plan.id,
            "title": plan.title,
            "number": plan.number,
            "issued_on": plan.issued_on.isoformat() if plan.issued_on else None,
        }
        if plan
        else None
    )
