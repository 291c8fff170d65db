"""Which rows a report covers."""

from __future__ import annotations

import pytest

from broadcast.errors import ValidationError
from broadcast.reports.airtime.scope import make_scope, resolve_station
from broadcast.reports.periods import parse_period


@pytest.mark.parametrize("code", [None, "", "   "])
def test_no_code_means_every_station(session, demo, code):
    assert resolve_station(session, code) is None
    scope = make_scope(session, parse_period("2025-10"), code)
    # an unscoped session (CLI, scheduler) covers the whole province: every station, every ward
    assert scope.station is None and scope.station_ids is None and len(scope.wards) > 1 and scope.ward is None
    one = make_scope(session, parse_period("2025-10"), code, wards="molao")
    assert one.ward.code == "MOLAO" and one.station_ids == tuple(s.id for s in one.ward.stations)


@pytest.mark.parametrize("code", ["MOLAO", " molao "])
def test_station_by_code_any_case(session, demo, code):
    scope = make_scope(session, parse_period("2025-10"), code)
    assert scope.station.code == "MOLAO" and scope.station_ids == (scope.station.id,)
    assert scope.ward is scope.station.ward
    assert make_scope(session, scope.period, scope.station).station is scope.station  # a row is taken as it is


def test_unknown_station(session, demo):
    with pytest.raises(ValidationError) as err:
        resolve_station(session, " khongco ")
    assert err.value.field == "station" and "'khongco'" in err.value.message
