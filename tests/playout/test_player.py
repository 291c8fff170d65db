"""The player: as-run rows per item, bulletins counted, bad files skipped, late joins, sinks."""

from __future__ import annotations

import wave
from datetime import timedelta

from sqlalchemy import select

from broadcast.domain.models import AsRun, Bulletin, PlayoutRun
from broadcast.domain.types import utcnow
from broadcast.playout.config import PlayoutConfig
from broadcast.playout.claims import claim_run
from broadcast.playout.player import air_run
from broadcast.playout.sinks import open_sink
from tests.playout.conftest import make_programme, make_station


def _run(runtime, programme_id, station_id, *, sink="null", speed=0.0, join_ms=0, scheduled=None, **cfg):
    now = utcnow()
    with runtime.unit() as s:
        from broadcast.domain.models import Programme

        p = s.get(Programme, programme_id)
        day, code = p.on_date, p.session_code
    run_id = claim_run(runtime, station_id=station_id, claim_key=f"test:{now.timestamp()}", kind="manual",
                       air_date=day, session_code=code, programme_id=programme_id,
                       scheduled_start=scheduled or now, holder="test", sink=sink)
    out = open_sink(sink)
    try:
        return air_run(runtime, run_id, sink=out, config=PlayoutConfig(speed=speed, heartbeat_s=0.2, **cfg),
                       join_ms=join_ms)
    finally:
        out.close()


def _rows(runtime, run_id):
    with runtime.unit() as s:
        rows = s.scalars(select(AsRun).where(AsRun.run_id == run_id).order_by(AsRun.id)).all()
        s.expunge_all()
        return rows


def test_airs_each_item_and_logs_it(runtime, demo, tones):
    with runtime.unit() as s:
        st = make_station(s)
        b = s.scalar(select(Bulletin).where(Bulletin.status == "approved").order_by(Bulletin.id))
        left = b.airings_left
        p = make_programme(s, st, [tones["a"], tones["b"]], bulletin_ids=[None, b.id])
        ids = (p.id, st.id, b.id)
    result = _run(runtime, ids[0], ids[1])
    rows = _rows(runtime, result.run_id)
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
    _run(runtime, ids[0], ids[1])
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
    result = _run(runtime, *ids)
    rows = _rows(runtime, result.run_id)
    assert [r.status for r in rows] == ["aired", "skipped", "skipped", "aired"]
    assert "không tìm thấy" in rows[1].note and "hỏng" in rows[2].note
    assert result.status == "done"


def test_late_start_joins_where_the_programme_would_be(runtime, tones):
    with runtime.unit() as s:
        st = make_station(s)
        p = make_programme(s, st, [tones["a"], tones["b"], tones["c"]])
        ids = (p.id, st.id)
    result = _run(runtime, *ids, join_ms=1500, scheduled=utcnow() - timedelta(milliseconds=1500))
    rows = _rows(runtime, result.run_id)
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
    _run(runtime, *ids, speed=1.0)
    assert 0.9 <= time.monotonic() - t0 < 2.0


def test_file_sink_writes_what_aired(runtime, tones, tmp_path):
    target = tmp_path / "archive.wav"
    with runtime.unit() as s:
        st = make_station(s)
        p = make_programme(s, st, [tones["a"], tones["short"]])
        ids = (p.id, st.id)
    result = _run(runtime, *ids, sink=f"file:{target}")
    with wave.open(str(target)) as w:
        seconds = w.getnframes() / w.getframerate()
    assert 1.2 <= seconds <= 1.4
    assert _rows(runtime, result.run_id)[0].sink == f"file:{target}"


def test_sink_specs_are_checked():
    import pytest

    from broadcast.errors import ValidationError

    assert open_sink("icecast://source:pw@127.0.0.1:8000/live").label == "icecast://127.0.0.1:8000/live"
    for bad in ("export", "nowhere", "icecast://x", "file:"):
        with pytest.raises(ValidationError):
            open_sink(bad)


def test_device_sink_on_alsa_null(runtime, tones):
    import pytest

    from broadcast.playout.sinks.device import alsa_device_works

    if not alsa_device_works("null"):
        pytest.skip("ALSA không có thiết bị null trên máy này: bỏ qua phép thử card âm thanh.")
    with runtime.unit() as s:
        st = make_station(s)
        p = make_programme(s, st, [tones["short"]])
        ids = (p.id, st.id)
    result = _run(runtime, *ids, sink="device:null", speed=1.0)
    assert [r.status for r in _rows(runtime, result.run_id)] == ["aired"]
