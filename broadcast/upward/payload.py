"""The upward export's content: what the province's source-information system receives for a period.

Schema version 1.0 (``schema/v1.json``, JSON Schema draft 2020-12, every field described there):
the province; the period; the wards covered, each with its totals and its stations; per station the airtime
(airings, seconds, minutes, CCHC seconds, sessions aired and missed), the airtime per category (with the CCHC
flag) and the availability of its devices (``null`` for a station the server airs itself); and the deliveries
of province bulletins (per bulletin its level and, per target station, the delivery's state).

Every figure is counted as the airtime report counts it (the same scope, the same SQL): a ward's totals are the
sums of its stations' lines, and equal the report's ``by_ward`` lines for the same period and wards.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..domain.models import Bulletin, Category, Department, Station
from ..domain.types import utcnow
from ..province.deliveries import station_states, totals
from ..reports.airtime import queries
from ..reports.airtime.figures import minutes, roll_sessions
from ..reports.airtime.scope import make_scope
from ..reports.airtime.sections import station_rows
from ..reports.airtime.wards import availability, category_lines, station_categories
from ..reports.periods import Period

SCHEMA_ID = "https://loaphuong.vn/schema/upward/v1.json"
SCHEMA_VERSION = "1.0"
REQUIRED_KEYS = ("schema", "schema_version", "generated_at", "province", "period", "totals", "wards", "deliveries")
STATION_KEYS = ("airings", "duration_s", "cchc_airings", "cchc_duration_s", "sessions_aired", "sessions_missed")


def _iso(value) -> str | None:
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


def _summed(lines: list[dict]) -> dict:
    out = {key: sum(line[key] for line in lines) for key in STATION_KEYS}
    out["minutes"] = minutes(out["duration_s"])
    return out


def _station(line: dict, station: Station, categories: list, per_category: dict, devices: dict) -> dict:
    return {
        "code": station.code,
        "name": station.name,
        **{key: line[key] for key in STATION_KEYS},
        "minutes": line["minutes"],
        "categories": category_lines(categories, per_category.get(station.id, {})),
        "devices": devices.get(station.id),
    }


def _deliveries(session: Session, station_ids: Iterable[int] | None, period: Period) -> list[dict]:
    """Province bulletins delivered to the stations covered, grouped by bulletin (oldest first)."""
    states = station_states(session, station_ids=station_ids, start=period.start, end=period.end)
    if not states:
        return []
    ids = sorted({s["bulletin_id"] for s in states})
    rows = session.execute(
        select(Bulletin.id, Bulletin.title, Department.code)
        .outerjoin(Department, Department.id == Bulletin.department_id)
        .where(Bulletin.id.in_(ids))
    )
    about = {bid: (title, dept) for bid, title, dept in rows}
    out = []
    for bid in ids:
        mine = [s for s in states if s["bulletin_id"] == bid]
        title, dept = about.get(bid, ("", None))
        out.append(
            {
                "bulletin_id": bid,
                "title": title,
                "department": dept,
                "level": mine[0]["level"],
                "totals": totals(mine),
                "stations": [
                    {
                        "station": s["station_code"],
                        "ward": s["ward_code"],
                        "state": s["state"],
                        "reason": s["reason"],
                        "airings": s["airings"],
                        "decided_at": _iso(s["decided_at"]),
                        "first_aired_at": _iso(s["first_aired_at"]),
                        "last_aired_at": _iso(s["last_aired_at"]),
                    }
                    for s in mine
                ],
            }
        )
    return out


def build_payload(session: Session, period: Period, *, tz, wards=None, now: datetime | None = None) -> dict:
    """The export of ``period`` for ``wards`` (codes; by default the session's ward or every ward), as a dict
    matching ``schema/v1.json``."""
    now = now or utcnow()
    scope = make_scope(session, period, None, None, wards)
    rolled = roll_sessions(queries.session_figures(session, scope, ()), ())
    stations = list(session.scalars(select(Station).order_by(Station.code)))
    lines = {r["code"]: r for r in station_rows(stations, scope.station_ids, rolled.by_station, rolled.sessions)}
    per_category = station_categories(queries.station_category_rows(session, scope))
    categories = list(session.scalars(select(Category)))
    devices = availability(session, scope, tz, now)
    ward_entries = []
    for ward in scope.wards:
        mine = [s for s in stations if s.ward_id == ward.id and s.code in lines]
        entries = [_station(lines[s.code], s, categories, per_category, devices) for s in mine]
        ward_entries.append({"code": ward.code, "name": ward.name, "totals": _summed(entries), "stations": entries})
    province = scope.wards[0].province_ref if scope.wards else None
    return {
        "schema": SCHEMA_ID,
        "schema_version": SCHEMA_VERSION,
        "generated_at": now.astimezone(tz).isoformat(timespec="seconds"),
        "timezone": str(tz),
        "province": {"code": province.code, "name": province.name, "issuer": province.issuer} if province else None,
        "period": {k: _iso(v) for k, v in period.as_dict().items()},
        "totals": _summed([w["totals"] for w in ward_entries]),
        "wards": ward_entries,
        "deliveries": _deliveries(session, scope.station_ids, period),
    }
