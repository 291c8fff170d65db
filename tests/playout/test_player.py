"""The player: as-run rows per item, bulletins counted, bad files skipped, late joins, stop, pacing."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from broadcast.domain.models import Bulletin, PlayoutRun
from broadcast.domain.types import utcnow
from broadcast.playout.claims import claim_run
from broadcast.playout.config import PlayoutConfig
from broadcast.playout.run import air_run
from broadcast.playout.sinks import open_sink
from tests.playout.conftest import air_programme, make_programme, make_station, run_rows


def test_airs_each_item_and_logs_it(runtime, demo, tones):
    with runtime.unit() as s:
        st = make_station(s)
        b = s.scalar(select(Bulletin).where(Bulletin.status == "approved").order_by(Bulletin.id))
        left = b.airings_left
        p = make_programme(s, st, [tones["a"], tones["b"]], bulletin_ids=[None, b.id])
        ids = (p.id, st.id, b.id)
    result = air_programme(runtime, ids[0], ids[1])
    rows = run_rows(runtime, result.run_id)
    assert [r.status for r in rows] == ["aired", "aired"]
    assert all(900 <= r.aired_ms <= 1100 for r in rows)
    assert rows[1].bulletin_id == ids[2] and rows[1].category_code and rows[1].department_code
    assert all(r.actual_start.tzinfo and r.actual_end and r.sink == "null" and r.source == "playout" for r in rows)
    assert rows[0].session_code == "sang" and rows[0].lateness_ms is not None
    with runtime.unit() as s:
        assert s.get(Bulletin, ids[2]).airings_left == left - 1
        assert s.get(PlayoutRun, result.run_id).status == "done"


def test_last_airing_completes_the_bulletin(runtime, demo, tones):
    with runtime.unit() as s:
        st = make_station(s)
        b = s.scalar(select(Bulletin).where(Bulletin.status == "approved").order_by(Bulletin.id))
        b.airings_left = 1
        p = make_programme(s, st, [tones["short"]], bulletin_ids=[b.id])
        ids = (p.id, st.id, b.id)
    air_programme(runtime, ids[0], ids[1])
    with runtime.unit() as s:
        b = s.get(Bulletin, ids[2])
        assert (b.airings_left, b.status) == (0, "completed")


def test_missing_and_corrupt_files_are_skipped_with_reason(runtime, tones, tmp_path):
    corrupt = tmp_path / "corrupt.mp3"
    corrupt.write_bytes(b"\x00\x01not an mp3 at all" * 200)
    with runtime.unit() as s:
        st = make_station(s)
        p = make_programme(s, st, [tones["short"], tmp_path / "missing.mp3", corrupt, tones["short"]])
        ids = (p.id, st.id)
    result = air_programme(runtime, *ids)
    rows = run_rows(runtime, result.run_id)
    assert [r.status for r in rows] == ["aired", "skipped", "skipped", "aired"]
    assert "không tìm thấy" in rows[1].note and "hỏng" in rows[2].note
    assert result.status == "done"


def test_late_start_joins_where_the_programme_would_be(runtime, tones):
    with runtime.unit() as s:
        st = make_station(s)
        p = make_programme(s, st, [tones["a"], tones["b"], tones["c"]])
        ids = (p.id, st.id)
    result = air_programme(runtime, *ids, join_ms=1500, scheduled=utcnow() - timedelta(milliseconds=1500))
    rows = run_rows(runtime, result.run_id)
    assert [(r.position, r.status) for r in rows] == [(0, "missed"), (1, "aired"), (2, "aired")]
    assert 400 <= rows[1].aired_ms <= 600, rows[1].aired_ms  # joined half-way through item 1
    assert "giữa chừng" in rows[1].note
    assert rows[1].lateness_ms >= 400


def test_real_time_speed_takes_real_time(runtime, tones):
    import time

    with runtime.unit() as s:
        st = make_station(s)
        p = make_programme(s, st, [tones["a"]])
        ids = (p.id, st.id)
    t0 = time.monotonic()
    air_programme(runtime, *ids, speed=1.0)
    assert 0.9 <= time.monotonic() - t0 < 2.0


def test_rms_tells_silence_from_sound():
    import array

    from broadcast.playout.levels import SILENCE_RMS, rms

    assert rms(b"") == 0.0
    assert rms(bytes(8820)) < SILENCE_RMS
    loud = array.array("h", [8000, -8000] * 2205).tobytes()
    assert rms(loud) == 8000


def test_stop_before_the_first_item_skips_everything(runtime, tones):
    from broadcast.playout.channels import Control

    with runtime.unit() as s:
        st = make_station(s)
        p = make_programme(s, st, [tones["short"], tones["short"]])
        day, ids = p.on_date, (p.id, st.id)
    run_id = claim_run(
        runtime,
        station_id=ids[1],
        claim_key=f"test:{utcnow().timestamp()}",
        kind="manual",
        air_date=day,
        session_code="sang",
        programme_id=ids[0],
        scheduled_start=utcnow(),
        holder="t",
        sink="null",
    )
    control = Control()
    control.stop.set()
    result = air_run(runtime, run_id, sink=open_sink("null"), config=PlayoutConfig(speed=0), control=control)
    assert result.status == "stopped"
    assert [r.status for r in run_rows(runtime, run_id)] == ["skipped", "skipped"]
