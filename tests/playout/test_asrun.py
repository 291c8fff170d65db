"""The as-run log object: row values, start / heartbeat / complete, final rows, session rows, bulletins counted."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from broadcast.domain.models import AsRun, Bulletin, PlayoutRun
from broadcast.domain.types import utcnow
from broadcast.playout.asrun import AsRunLog, bulletin_aired, existing_rows
from broadcast.playout.claims import claim_run
from broadcast.playout.items import Item
from broadcast.playout.writer import LogWriter
from tests.playout.conftest import make_station


@pytest.fixture
def setup(runtime):
    with runtime.unit() as s:
        st = make_station(s)
        sid = st.id
    run_id = claim_run(
        runtime,
        station_id=sid,
        claim_key="asrun-test",
        kind="manual",
        air_date=date(2025, 10, 1),
        session_code="sang",
        programme_id=None,
        scheduled_start=utcnow(),
        holder="t",
        sink="null",
    )
    writer = LogWriter(runtime)
    yield AsRunLog(writer, sid, "file:/tmp/" + "x" * 300), run_id, writer
    writer.close()


def _values(asrun, run_id, **item):
    item = Item(**{"position": 2, "title": "Tin " * 100, "audio_path": None, "duration_ms": 1500, **item})
    return asrun.row_values(
        item, run_id=run_id, programme_id=None, session_code="sang", air_date=date(2025, 10, 1), scheduled=None
    )


def _all(runtime):
    with runtime.unit() as s:
        out = s.scalars(select(AsRun).order_by(AsRun.id)).all()
        s.expunge_all()
        return out


def test_row_values_trim_title_and_sink(setup):
    asrun, run_id, _ = setup
    values = _values(asrun, run_id, kind="asset")
    assert len(values["title"]) == 300 and len(values["sink"]) == 200
    assert (values["position"], values["kind"], values["planned_ms"], values["source"]) == (2, "asset", 1500, "playout")
    assert (
        asrun.row_values(
            Item(0, "t", None, 0),
            run_id=run_id,
            programme_id=None,
            session_code=None,
            air_date=date(2025, 10, 1),
            scheduled=None,
            kind="emergency",
        )["kind"]
        == "emergency"
    )


def test_start_heartbeat_complete(runtime, setup):
    asrun, run_id, writer = setup
    start = utcnow()
    key = asrun.start(_values(asrun, run_id), start=start, lateness_ms=12, note=None)
    asrun.heartbeat(key, run_id, 700)
    writer.flush()
    (row,) = _all(runtime)
    assert (row.status, row.aired_ms, row.lateness_ms) == ("airing", 700, 12)
    asrun.complete(key, status="aired", aired_ms=1500, end=start + timedelta(seconds=1.5), note="", bulletin_id=None)
    writer.flush()
    (row,) = _all(runtime)
    assert (row.status, row.aired_ms, row.note) == ("aired", 1500, None)
    assert abs((row.actual_end - row.actual_start).total_seconds() - 1.5) < 0.01
    with runtime.unit() as s:
        assert s.get(PlayoutRun, run_id).heartbeat_at is not None


def test_complete_leaves_a_row_recovery_closed(runtime, setup):
    asrun, run_id, writer = setup
    key = asrun.start(_values(asrun, run_id), start=utcnow(), lateness_ms=None, note=None)
    writer.flush()
    with runtime.unit() as s:
        s.scalar(select(AsRun)).status = "interrupted"
    asrun.complete(key, status="aired", aired_ms=1500, end=utcnow(), note=None, bulletin_id=None)
    writer.flush()
    assert _all(runtime)[0].status == "interrupted"


def test_final_and_session_rows(runtime, setup):
    asrun, run_id, writer = setup
    asrun.final(_values(asrun, run_id), status="missed", start=utcnow(), note="Lỡ giờ phát.")
    asrun.session_row(
        run_id=run_id,
        programme_id=None,
        session_code="sang",
        air_date=date(2025, 10, 1),
        scheduled_start=None,
        status="failed",
        note="Không phát.",
    )
    writer.flush()
    missed, session_row = _all(runtime)
    assert (missed.status, missed.aired_ms, missed.note) == ("missed", 0, "Lỡ giờ phát.")
    assert (session_row.kind, session_row.title, session_row.status) == ("session", "Buổi phát sang", "failed")


def test_an_aired_bulletin_counts_once_and_completes_at_zero(runtime, demo, setup):
    asrun, run_id, writer = setup
    with runtime.unit() as s:
        b = s.scalar(select(Bulletin).where(Bulletin.status == "approved").order_by(Bulletin.id))
        b.airings_left = 2
        bid = b.id
    key = asrun.start(_values(asrun, run_id, bulletin_id=bid), start=utcnow(), lateness_ms=None, note=None)
    asrun.complete(key, status="aired", aired_ms=10, end=utcnow(), note=None, bulletin_id=bid)
    writer.flush()
    with runtime.unit() as s:
        assert s.get(Bulletin, bid).airings_left == 1
        bulletin_aired(s, bid)
    with runtime.unit() as s:
        b = s.get(Bulletin, bid)
        assert (b.airings_left, b.status) == (0, "completed")
        bulletin_aired(s, bid)  # never below zero
    with runtime.unit() as s:
        assert s.get(Bulletin, bid).airings_left == 0


def test_existing_rows_are_the_items_a_run_logged(runtime, setup):
    asrun, run_id, writer = setup
    asrun.final(_values(asrun, run_id), status="missed", start=utcnow(), note=None)
    writer.flush()
    with runtime.unit() as s:
        assert existing_rows(s, run_id) == set()  # no programme item behind it
