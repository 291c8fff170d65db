"""The report's relay section: the time each upstream (VOV1, the provincial station) was relayed, beside the
station's own content, and how long fallbacks covered for upstreams that failed.

Present only when the period has relay rows in scope.  An upstream's report category (national, province,
other) comes from the named source of that name, when there is one.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from ...domain.models import UpstreamSource
from . import queries
from .figures import minutes, seconds
from .scope import Scope

CATEGORY_NAMES = {"national": "Đài quốc gia (VOV)", "province": "Đài tỉnh", "other": "Nguồn khác"}


def relay_section(session: Session, scope: Scope) -> dict | None:
    rows = queries.relay_rows(session, scope)
    if not rows:
        return None
    names = [r[0] for r in rows if r[0]]
    found = session.execute(select(UpstreamSource.name, UpstreamSource.category).where(UpstreamSource.name.in_(names)))
    categories = {row[0]: row[1] for row in found.all()}
    by_upstream = []
    for upstream, slots, relayed_ms, fallback_ms, not_aired in rows:
        category = categories.get(upstream, "other")
        by_upstream.append(
            {
                "upstream": upstream or "",
                "category": category,
                "category_name": CATEGORY_NAMES.get(category, CATEGORY_NAMES["other"]),
                "slots": int(slots),
                "relayed_s": seconds(int(relayed_ms or 0)),
                "relayed_minutes": minutes(seconds(int(relayed_ms or 0))),
                "fallback_s": seconds(int(fallback_ms or 0)),
                "not_relayed": int(not_aired or 0),
            }
        )
    relayed = sum(r["relayed_s"] for r in by_upstream)
    own = seconds(queries.own_airtime_ms(session, scope))
    return {
        "by_upstream": by_upstream,
        "relayed_s": relayed,
        "own_s": own,
        "relayed_share_percent": round(relayed * 100 / (relayed + own), 1) if relayed + own else None,
    }
