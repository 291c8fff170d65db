"""Which loudspeaker clusters (residential groups, tổ dân phố) of its stations a bulletin is meant for.

A bulletin goes to some stations (or to all); within them it may be meant for a few clusters only ("only
TDP 5 and 7": a water cut, a vaccination day). Clusters are named by code, and a code is unique within a
station, not across stations, so a code names that cluster at each of the bulletin's stations that has it.
The rule is per station: at a station where the bulletin names none of its clusters, the bulletin is meant
for the whole station; a bulletin naming no cluster at all is meant for everyone its stations reach.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from ..domain.models import Bulletin, Cluster, Station
from ..errors import ValidationError

MAX_CLUSTERS = 200  # more than any ward has; a bound on what one request may ask us to look up
EXAMPLE = '["TDP05", "TDP07"]'


def _codes(value) -> list[str]:
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ValidationError(f"Cụm loa phải là danh sách mã cụm, ví dụ {EXAMPLE}.", field="clusters")
    codes = list(dict.fromkeys(v.strip().upper() for v in value if v.strip()))
    if len(codes) > MAX_CLUSTERS:
        raise ValidationError(f"Chỉ chọn được tối đa {MAX_CLUSTERS} cụm loa.", field="clusters")
    return codes


def parse_clusters(session: Session, value, stations: Iterable[Station] | None) -> list[Cluster]:
    """``value`` (a list of cluster codes; None or [] = every cluster) -> the clusters of those codes at the
    bulletin's ``stations`` (None = every station). A code no cluster has, or one that only stations the
    bulletin does not go to have, is refused with the reason; nothing is looked up beyond those codes."""
    codes = _codes(value)
    if not codes:
        return []
    found = session.scalars(
        select(Cluster).where(Cluster.code.in_(codes)).options(selectinload(Cluster.station)).order_by(Cluster.id)
    ).all()
    allowed = None if stations is None else {s.id for s in stations}
    chosen = [c for c in found if allowed is None or c.station_id in allowed]
    for code in codes:
        if any(c.code == code for c in chosen):
            continue
        elsewhere = sorted({c.station.code for c in found if c.code == code})
        if not elsewhere:
            raise ValidationError(f"Không có cụm loa mã «{code[:40]}».", code="unknown_cluster", field="clusters")
        raise ValidationError(
            f"Cụm loa {code} thuộc đài {', '.join(elsewhere)}, nhưng tin không phát ở đài đó: "
            "hãy chọn thêm đài đó hoặc bỏ cụm này.",
            code="cluster_not_in_stations",
            field="clusters",
        )
    return sorted(chosen, key=lambda c: (c.station_id, c.code))


def cluster_codes(bulletin: Bulletin) -> list[str]:
    """The bulletin's cluster codes, each once (the API's ``clusters``); [] = every cluster."""
    return sorted({c.code for c in bulletin.clusters})


def station_clusters(bulletin: Bulletin | None, station_id: int) -> list[str] | None:
    """What a programme item of ``bulletin`` at this station carries: its cluster codes there, or None when
    the bulletin is meant for the whole station (it names none of this station's clusters)."""
    if bulletin is None:
        return None
    codes = sorted(c.code for c in bulletin.clusters if c.station_id == station_id)
    return codes or None


def same_clusters(bulletin: Bulletin, clusters: list[Cluster]) -> bool:
    return sorted(c.id for c in bulletin.clusters) == sorted(c.id for c in clusters)
