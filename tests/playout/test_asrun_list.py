"""The as-run log as a list: JSON-ready rows filtered by station and dates."""

from __future__ import annotations

import pytest

from broadcast.errors import NotFound, ValidationError
from broadcast.playout.asrun_list import airtime
from tests.playout.conftest import air_programme, make_programme, make_station


def test_rows_by_station_and_dates(runtime, tones):
    with runtime.unit() as s:
        st = make_station(s)
        p = make_programme(s, st, [tones["short"]])
        pid, sid, day = p.id, st.id, p.on_date
    result = air_programme(runtime, pid, sid)
    with runtime.unit() as s:
        (row,) = airtime(s, station="molao", date_from=day.isoformat(), date_to=day)
        assert (row["station"], row["run_id"], row["status"], row["air_date"]) == (
            "MOLAO",
            result.run_id,
            "aired",
            day.isoformat(),
        )
        assert row["actual_start"].endswith("+00:00")
        assert airtime(s, date_to=day.replace(year=day.year - 1)) == []
        with pytest.raises(ValidationError):
            airtime(s, date_from=day, date_to=day.replace(year=day.year - 1))
        with pytest.raises(ValidationError):
            airtime(s, date_from="hôm qua")
        with pytest.raises(NotFound):
            airtime(s, station="NOWHERE")
