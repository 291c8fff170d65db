"""Which sessions a station airs on a date; dates and stations as the user types them."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import select

from broadcast.domain.models import DateOverride, Station
from broadcast.errors import NotFound, ValidationError
from broadcast.programme.calendar import (
    get_station,
    next_session_dates,
    parse_date,
    session_codes,
    sessions_on,
    sessions_on_many,
)


@pytest.mark.parametrize(
    "value, parsed",
    [
        ("2025-10-01", date(2025, 10, 1)),
        (" 2025-10-01 ", date(2025, 10, 1)),
        (date(2025, 1, 2), date(2025, 1, 2)),
        (datetime(2025, 10, 1, 6), date(2025, 10, 1)),
    ],
)
def test_parse_date(value, parsed):
    assert parse_date(value) == parsed


@pytest.mark.parametrize("value", ["01/10/2025", "2025-13-01", "", "  ", None])
def test_parse_date_refused(value):
    with pytest.raises(ValidationError) as err:
        parse_date(value)
    assert err.value.field == "date" and "YYYY-MM-DD" in err.value.message


def test_get_station(session, demo):
    assert get_station(session, " molao ").code == "MOLAO"
    with pytest.raises(NotFound) as err:
        get_station(session, "XYZ")
    # The demo province has four stations: an unscoped session lists them all.
    assert "các đài hiện có: CHUONGMY, KIENHUNG, MOLAO, VANPHUC." in err.value.message and err.value.field == "station"


def test_sessions_on_holidays_and_many(session, demo):
    station = session.scalar(select(Station).where(Station.code == "MOLAO"))
    monday, saturday = date(2025, 10, 6), date(2025, 10, 11)
    assert [s.code for s in sessions_on(session, station, monday)] == ["sang", "chieu"]
    assert sessions_on(session, station, saturday) == []
    assert session_codes(session, station) == {"sang", "chieu"}
    session.add(DateOverride(station_id=station.id, on_date=monday, kind="holiday", session_code="chieu"))
    session.add(DateOverride(station_id=station.id, on_date=saturday, kind="extra", session_code="sang", note="Bầu cử"))
    session.flush()
    assert [s.code for s in sessions_on(session, station, monday)] == ["sang"]
    extra = sessions_on(session, station, saturday)
    assert [(s.code, s.extra, s.notes) for s in extra] == [("sang", True, ["Bầu cử"])]
    for day in (monday, saturday, monday + timedelta(days=1)):
        assert sessions_on_many(session, [station], day) == {station.id: sessions_on(session, station, day)}


def test_next_session_dates(session, demo):
    station = session.scalar(select(Station).where(Station.code == "MOLAO"))
    friday = date(2025, 10, 10)
    assert next_session_dates(session, station, friday, friday + timedelta(days=10)) == [date(2025, 10, 13)]
    assert next_session_dates(session, station, friday, friday + timedelta(days=2)) == []
