"""The shared core lookups: a station by its code, a date from a form, role and state names."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from broadcast.dates import parse_day
from broadcast.domain.labels import PRIORITY_LABELS, STATUS_LABELS, status_label
from broadcast.domain.models import BulletinStatus, Priority, Role
from broadcast.errors import NotFound, ValidationError
from broadcast.roles import ALL_ROLES, EDIT_ROLES, ROLE_LABELS, STAFF_ROLES, role_label
from broadcast.stations import station_by_code


def test_station_by_code_forgives_case_and_spaces(session, demo):
    assert station_by_code(session, " molao ").code == "MOLAO"
    assert station_by_code(session, "NOPE", required=False) is None
    assert station_by_code(session, None, required=False) is None
    with pytest.raises(NotFound) as err:
        station_by_code(session, " nope")
    assert err.value.code == "unknown_station" and err.value.field == "station"
    assert err.value.message == "Không có đài mã 'NOPE'."


def test_parse_day():
    assert parse_day(" 2025-10-01 ") == date(2025, 10, 1)
    assert parse_day(date(2025, 10, 1)) == date(2025, 10, 1)
    day = parse_day(datetime(2025, 10, 1, 6, 30))
    assert day == date(2025, 10, 1) and type(day) is date
    assert parse_day(None) is None and parse_day("  ") is None
    for bad in ("2025-02-30", "01/10/2025", "2025-13-01"):
        with pytest.raises(ValidationError) as err:
            parse_day(bad, "valid_from")
        assert err.value.field == "valid_from" and "YYYY-MM-DD" in err.value.message


def test_labels_cover_every_stored_value():
    assert set(STATUS_LABELS) == {s.value for s in BulletinStatus}
    assert set(PRIORITY_LABELS) == {p.value for p in Priority}
    assert status_label("submitted") == "Chờ duyệt" and status_label("khác") == "khác"
    assert set(ALL_ROLES) == set(ROLE_LABELS) == {r.value for r in Role}
    assert set(STAFF_ROLES) | set(EDIT_ROLES) <= set(ALL_ROLES)
    assert role_label("approver") == "Lãnh đạo duyệt tin"
