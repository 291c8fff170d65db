"""Which rows a report covers, and the constants shared by its parts."""

from __future__ import annotations

import json
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from ...domain.models import Cluster, Device, Station, Ward
from ...errors import ValidationError
from ...stations import station_by_code
from ..periods import Period

AIRED = ("aired", "interrupted")
NOT_AIRED = ("failed", "skipped", "missed")
UNCATEGORISED = ("", "Chưa phân loại")
NO_DEPARTMENT = ("", "Không ghi đơn vị")


@dataclass(frozen=True)
class ClusterFilter:
    """Rows heard in one loudspeaker cluster: the stations that have a cluster of that code, and of their
    devices the ones that serve it (the whole station, or a list naming it)."""

    code: str
    name: str
    station_ids: tuple[int, ...]
    device_ids: tuple[int, ...]

    @property
    def json_code(self) -> str:
        """The code as it appears inside a stored cluster list (``JSONText`` writes ``["TDP01", "TDP05"]``)."""
        return json.dumps(self.code, ensure_ascii=False)

    def as_dict(self) -> dict:
        return {"code": self.code, "name": self.name}


@dataclass(frozen=True)
class Scope:
    """Which rows a report covers: a period, one station or all stations of the ward, and optionally only
    what one cluster heard (then ``station_ids`` are the stations having that cluster)."""

    period: Period
    station: Station | None
    ward: Ward | None
    station_ids: tuple[int, ...] | None  # None: every station
    cluster: ClusterFilter | None = None


def resolve_station(session: Session, code: str | None) -> Station | None:
    """The station of ``code`` (any case, spaces ignored), None for "every station"; an unknown code is refused
    as a bad report parameter (400 on ``station``), like a bad period."""
    if code is None or not str(code).strip():
        return None
    station = station_by_code(session, code, required=False)
    if station is None:
        raise ValidationError(f"Không có đài truyền thanh mã {str(code).strip()!r}.", field="station")
    return station


def resolve_cluster(session: Session, code: str | None, station: Station | None) -> ClusterFilter | None:
    """The cluster filter of ``code`` (any case, spaces ignored) within ``station`` or, with None, any station;
    None for "no filter".  Only a code some cluster really has gets into the SQL (400 on ``cluster`` else)."""
    if code is None or not str(code).strip():
        return None
    code = str(code).strip().upper()
    query = select(Cluster).where(Cluster.code == code).order_by(Cluster.station_id)
    if station is not None:
        query = query.where(Cluster.station_id == station.id)
    clusters = list(session.scalars(query))
    if not clusters:
        where = f"ở đài {station.code}" if station is not None else "ở đài nào của phường"
        raise ValidationError(f"Không có cụm loa mã {code!r} {where}.", field="cluster")
    station_ids = tuple(c.station_id for c in clusters)
    devices = session.execute(select(Device.id, Device.clusters).where(Device.station_id.in_(station_ids))).all()
    # A device with no cluster list serves the whole station, so it is heard in every cluster of it.
    heard = tuple(sorted(d_id for d_id, served in devices if not served or code in served))
    return ClusterFilter(code, clusters[0].name, station_ids, heard)


def make_scope(session: Session, period: Period, station: str | Station | None, cluster: str | None = None) -> Scope:
    """The scope of a report of ``period`` for a station (code or row) or, with None, every station of the ward;
    with ``cluster`` (a cluster code) only the rows heard in that cluster."""
    if isinstance(station, str) or station is None:
        station = resolve_station(session, station)
    ward = station.ward if station is not None else session.scalar(select(Ward).order_by(Ward.id).limit(1))
    heard = resolve_cluster(session, cluster, station)
    if heard is not None:
        return Scope(period, station, ward, heard.station_ids, heard)
    return Scope(period, station, ward, (station.id,) if station is not None else None)
