"""The delivery board of one province bulletin: per target station, grouped by ward, its state, the ward's
reason, its times, and the totals ("đã phát trên 87/95 đài").  The page and the API give the same dict.

On a ward user's session the rows are that ward's stations only (the tenancy scope of the session), and
the totals count those rows.  Three grouped statements whatever the number of stations
(``deliveries.station_states``).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from ..domain.models import Bulletin
from .deliveries import STATES, station_states, totals

ROW_KEYS = (
    "delivery_id",
    "station_id",
    "station_code",
    "station_name",
    "level",
    "state",
    "stored_state",
    "reason",
    "decided_at",
    "position",
    "airings",
    "first_aired_at",
    "last_aired_at",
    "first_scheduled_at",
    "last_scheduled_at",
)


def _iso(value):
    return value.isoformat() if isinstance(value, datetime) else value


def board(session: Session, bulletin: Bulletin) -> dict:
    """``{"bulletin", "totals", "wards": [{"code", "name", "totals", "stations": [...]}, ...]}``."""
    states = station_states(session, bulletin_ids=[bulletin.id])
    wards: dict[int, dict] = {}
    for s in states:
        ward = wards.setdefault(s["ward_id"], {"code": s["ward_code"], "name": s["ward_name"], "rows": []})
        ward["rows"].append(s)
    return {
        "bulletin": {
            "id": bulletin.id,
            "title": bulletin.title,
            "level": bulletin.priority,
            "status": bulletin.status,
            "valid_from": bulletin.valid_from.isoformat(),
            "valid_until": bulletin.valid_until.isoformat(),
        },
        "totals": totals(states),
        "states": list(STATES),
        "wards": [
            {
                "code": w["code"],
                "name": w["name"],
                "totals": totals(w["rows"]),
                "stations": [{k: _iso(r[k]) for k in ROW_KEYS} for r in w["rows"]],
            }
            for w in wards.values()
        ],
    }
