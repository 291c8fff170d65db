"""Station by code and a day from a form, with Vietnamese errors naming the field."""

from __future__ import annotations

from datetime import date

import pytest

from broadcast.errors import NotFound, ValidationError
from broadcast.playout.lookups import find_station, parse_day, station_by_code
from tests.playout.conftest import make_station


def test_station_by_code_forgives_case_and_spaces(runtime):
    with runtime.unit() as s:
        make_station(s)
    with runtime.unit() as s:
        assert station_by_code(s, " molao ").code == "MOLAO"
        assert find_station(s, "NOWHERE") is None
        with pytest.raises(NotFound) as err:
            station_by_code(s, "NOWHERE")
        assert err.value.field == "station"


def test_parse_day():
    assert parse_day("2025-10-01") == date(2025, 10, 1) == parse_day(date(2025, 10, 1))
    assert parse_day("") is None and parse_day(None) is None
    with pytest.raises(ValidationError) as err:
        parse_day("01/10/2025", "from")
    assert err.value.field == "from" and "YYYY-MM-DD" in err.value.message
