"""Which rows a report covers, and the constants shared by its parts."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from ...domain.models import Station, Ward
from ...errors import ValidationError
from ...stations import station_by_code
from ..periods import Period

AIRED = ("aired", "interrupted")
NOT_AIRED = ("failed", "skipped", "missed")
UNCATEGORISED = ("", "Chưa phân loại")
NO_DEPARTMENT = ("", "Không ghi đơn vị")


@dataclass(frozen=True)
class Scope:
    """Which rows a report covers: a period, and one station or all stations of the ward."""

    period: Period
    station: Station | None
    ward: Ward | None
    station_ids: tuple[int, ...] | None  # None: every station


def resolve_station(session: Session, code: str | None) -> Station | None:
    """The station of ``code`` (any case, spaces ignored), None for "every station"; an unknown code is refused
    as a bad report parameter (400 on ``station``), like a bad period."""
    if code is None or not str(code).strip():
        return None
    station = station_by_code(session, code, required=False)
    if station is None:
        raise ValidationError(f"Không có đài truyền thanh mã {str(code).strip()!r}.", field="station")
    return station


def make_scope(session: Session, period: Period, station: str | Station | None) -> Scope:
    """The scope of a report of ``period`` for a station (code or row) or, with None, every station of the ward."""
    if isinstance(station, str) or station is None:
        station = resolve_station(session, station)
    ward = station.ward if station is not None else session.scalar(select(Ward).order_by(Ward.id).limit(1))
    return Scope(period, station, ward, (station.id,) if station is not None else None)
