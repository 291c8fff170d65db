"""One parser for the dates people type (forms, API bodies, command-line options).

Every entry point used to carry its own ``date.fromisoformat`` with its own message; one function
keeps the accepted format (``YYYY-MM-DD``) and the Vietnamese error the same everywhere.
"""

from __future__ import annotations

from datetime import date, datetime

from .errors import ValidationError


def parse_day(value, field: str = "date") -> date | None:
    """``YYYY-MM-DD`` (or a date) -> date; empty -> None; anything else a ``ValidationError`` on ``field``.

    Surrounding spaces are forgiven (forms and pasted text carry them). A date object is returned as
    it is; a ``datetime`` (accepted by every parser this one replaced) gives its calendar date, since a
    datetime compares unequal to the date it falls on and would silently miss rows keyed by day."""
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = str(value).strip()
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise ValidationError(
            f"Ngày không hợp lệ ({text[:40]!r}): dùng dạng YYYY-MM-DD, ví dụ 2025-10-01.", field=field
        ) from None
