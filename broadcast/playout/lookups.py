"""Lookups shared by the operator-facing playout modules: a station by its code, a day from a form."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from ..domain.models import Station
from ..errors import NotFound, ValidationError


def find_station(session, code: str) -> Station | None:
    """The station with this code (case and spaces forgiven), or None."""
    return session.scalar(select(Station).where(Station.code == (code or "").strip().upper()))


def station_by_code(session, code: str) -> Station:
    """The station with this code (case and spaces forgiven); ``NotFound`` naming the field otherwise."""
    station = find_station(session, code)
    if station is None:
        raise NotFound(f"Không có đài {code!r}.", field="station")
    return station


def parse_day(value, field: str = "date") -> date | None:
    """``YYYY-MM-DD`` (or a date) -> date; empty -> None; anything else a ``ValidationError`` on ``field``."""
    if value in (None, ""):
        return None
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        raise ValidationError(f"Ngày {value!r} không hợp lệ: dùng dạng YYYY-MM-DD.", field=field) from None
