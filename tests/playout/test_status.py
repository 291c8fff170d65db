"""What airs now: per station the run, the item, the next one and the last error, without the Icecast password."""

from __future__ import annotations

from datetime import timedelta

from broadcast.domain.models import PlayoutRun
from broadcast.domain.types import utcnow
from broadcast.playout import status
from broadcast.playout.asrun import AsRunLog
from broadcast.playout.claims import claim_run
from broadcast.playout.items import programme_items
from broadcast.playout.writer import LogWriter
from tests.playout.conftest import make_programme, make_station


def test_idle_stations_and_hidden_passwords(runtime):
    with runtime.unit() as s:
        make_station(s, "MOLAO", sink="icecast://source:bimat@127.0.0.1:8000/molao")
        make_station(s, "USB", sink="export")
    with runtime.unit() as s:
        got = {x["code"]: x for x in status.now_airing(s, runtime)}
        data = status.now_airing_json(s, runtime)
    assert got["MOLAO"]["sink"] == "icecast://127.0.0.1:8000/molao" and got["MOLAO"]["live"]
    assert not got["USB"]["live"] and got["USB"]["run"] is None
    assert "bimat" not in str(data) and data["scheduler_running"] is False


def test_the_item_airing_and_the_next_one(runtime, tones):
    with runtime.unit() as s:
        st = make_station(s)
        p = make_programme(s, st, [tones["a"], tones["b"]])
        sid, pid, day = st.id, p.id, p.on_date
        items = programme_items(s, p)
    run_id = claim_run(
        runtime,
        station_id=sid,
        claim_key="status-test",
        kind="manual",
        air_date=day,
        session_code="sang",
        programme_id=pid,
        scheduled_start=utcnow(),
        holder="t",
        sink="null",
    )
    writer = LogWriter(runtime)
    try:
        asrun = AsRunLog(writer, sid, "null")
        values = asrun.row_values(
            items[0], run_id=run_id, programme_id=pid, session_code="sang", air_date=day, scheduled=None
        )
        asrun.start(values, start=utcnow() - timedelta(seconds=2), lateness_ms=0, note=None)
        asrun.run_update(run_id, last_error="Card âm thanh ngừng phát.")
        writer.flush()
    finally:
        writer.close()
    with runtime.unit() as s:
        (info,) = status.now_airing(s, runtime)
        assert s.get(PlayoutRun, run_id).status == "running"
    assert info["run"]["id"] == run_id and info["item"]["title"] == "Mục 1" and info["item"]["elapsed_s"] >= 2
    assert info["next"] == "Mục 2" and "ngừng phát" in info["last_error"]["message"]
