"""Which rows a report covers, and the constants shared by its parts."""

from __future__ import annotations

import json
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ... import tenancy
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
    """Which rows a report covers: a period, one station or all stations of one ward, several wards or the
    province, and optionally only what one cluster heard (then ``station_ids`` are the stations having that
    cluster).  ``wards`` are the wards covered (``ward`` is the only one, None when there are several)."""

    period: Period
    station: Station | None
    ward: Ward | None
    station_ids: tuple[int, ...] | None  # None: every station of the installation
    cluster: ClusterFilter | None = None
    wards: tuple[Ward, ...] = ()

    @property
    def multi_ward(self) -> bool:
        """The report spans more than one ward: it gets the ``by_ward`` and ``compliance`` sections."""
        return len(self.wards) > 1


def resolve_station(session: Session, code: str | None, ward_ids: tuple[int, ...] | None = None) -> Station | None:
    """The station of ``code`` (any case, spaces ignored), None for "every station"; an unknown code is refused
    as a bad report parameter (400 on ``station``), like a bad period.  A station outside the session's ward
    (or outside ``ward_ids``) gets exactly the same answer: a ward user learns nothing of other wards."""
    if code is None or not str(code).strip():
        return None
    station = station_by_code(session, code, required=False)
    own = tenancy.ward_id(session)
    if (
        station is None
        or (own is not None and station.ward_id != own)
        or (ward_ids is not None and station.ward_id not in ward_ids)
    ):
        raise ValidationError(f"Không có đài truyền thanh mã {str(code).strip()!r}.", field="station")
    return station


def ward_codes(values) -> list[str]:
    """Ward codes from ``ward=A&ward=B`` and/or ``ward=A,B`` (any case, spaces ignored), in order, once each."""
    if values is None:
        return []
    if isinstance(values, str):
        values = [values]
    codes = (part.strip().upper() for value in values for part in str(value or "").split(","))
    return list(dict.fromkeys(code for code in codes if code))


def resolve_wards(session: Session, codes) -> tuple[Ward, ...]:
    """The wards a report covers.  With ``codes``: those wards (400 on ``ward`` for a code that is not a ward
    the session may see — another ward's code gets the answer of an unknown one).  Without: the session's
    ward, or for a province user or an unscoped session every ward of the installation."""
    own = tenancy.ward_id(session)
    wanted = ward_codes(codes)
    query = select(Ward).order_by(Ward.code)
    if own is not None:
        query = query.where(Ward.id == own)  # explicit: Core callers never rely on the ORM criteria alone
    if wanted:
        query = query.where(Ward.code.in_(wanted))
    wards = tuple(session.scalars(query))
    missing = [code for code in wanted if code not in {w.code for w in wards}]
    if missing:
        raise ValidationError(f"Không có phường, xã mã {missing[0]!r}.", field="ward")
    return wards


def resolve_cluster(
    session: Session, code: str | None, station: Station | None, station_ids: tuple[int, ...] | None = None
) -> ClusterFilter | None:
    """The cluster filter of ``code`` (any case, spaces ignored) within ``station`` or, with None, any station;
    None for "no filter".  Only a code some cluster really has gets into the SQL (400 on ``cluster`` else)."""
    if code is None or not str(code).strip():
        return None
    code = str(code).strip().upper()
    query = select(Cluster).where(Cluster.code == code).order_by(Cluster.station_id)
    if station is not None:
        query = query.where(Cluster.station_id == station.id)
    elif station_ids is not None:
        query = query.where(Cluster.station_id.in_(station_ids))
    clusters = list(session.scalars(query))
    if not clusters:
        where = f"ở đài {station.code}" if station is not None else "ở đài nào của phường"
        raise ValidationError(f"Không có cụm loa mã {code!r} {where}.", field="cluster")
    station_ids = tuple(c.station_id for c in clusters)
    devices = session.execute(select(Device.id, Device.clusters).where(Device.station_id.in_(station_ids))).all()
    # A device with no cluster list serves the whole station, so it is heard in every cluster of it.
    heard = tuple(sorted(d_id for d_id, served in devices if not served or code in served))
    return ClusterFilter(code, clusters[0].name, station_ids, heard)


def _station_ids(session: Session, wards: tuple[Ward, ...]) -> tuple[int, ...] | None:
    """The stations of ``wards``, or None when they are every ward an unscoped or province session sees (the
    report's SQL then has no station list, as a one-ward installation always had)."""
    if tenancy.ward_id(session) is None:
        everyone = session.scalar(select(func.count()).select_from(Ward))
        if len(wards) == everyone:
            return None
    ids = [w.id for w in wards]
    return tuple(session.scalars(select(Station.id).where(Station.ward_id.in_(ids)).order_by(Station.id)))


def make_scope(
    session: Session,
    period: Period,
    station: str | Station | None,
    cluster: str | None = None,
    wards=None,
) -> Scope:
    """The scope of a report of ``period`` for a station (code or row) or, with None, every station of the
    wards covered: ``wards`` (codes, a list or a comma list), else the session's ward, else the province;
    with ``cluster`` (a cluster code) only the rows heard in that cluster.  The ward list is explicit in the
    scope (``station_ids``) so the Core SQL of the report is narrowed without the ORM's criteria."""
    covered = resolve_wards(session, wards)
    if isinstance(station, str) or station is None:
        station = resolve_station(session, station, tuple(w.id for w in covered))
    if station is not None:
        covered = tuple(w for w in covered if w.id == station.ward_id) or (station.ward,)
        station_ids = (station.id,)
    else:
        station_ids = _station_ids(session, covered)
    ward = covered[0] if len(covered) == 1 else None
    heard = resolve_cluster(session, cluster, station, station_ids)
    if heard is not None:
        return Scope(period, station, ward, heard.station_ids, heard, covered)
    return Scope(period, station, ward, station_ids, None, covered)
