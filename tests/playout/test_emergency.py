"""Emergency break-in: cut at a pause and resume, or air alone on an idle station, once."""

from __future__ import annotations

import time
from datetime import timedelta

from sqlalchemy import select

from broadcast.domain.models import Bulletin
from broadcast.domain.types import utcnow
from tests.playout.conftest import make_programme, make_station, rows, runs, wait_for


def test_emergency_breaks_in_and_the_session_resumes(runtime, demo, tones, service_factory):
    with runtime.unit() as s:
        st = make_station(s)
        make_programme(s, st, [tones["long"], tones["short"]], starts_at=utcnow() + timedelta(seconds=1))
        b = s.scalar(select(Bulletin).order_by(Bulletin.id))
        b.priority, b.status, b.approved_at = "emergency", "approved", None
        bid = b.id
        b.recording_path = str(tones["short"])
    service_factory(emergency_break="pause")
    wait_for(lambda: rows(runtime, status="airing"), timeout=5)
    time.sleep(0.3)
    with runtime.unit() as s:
        s.get(Bulletin, bid).approved_at = utcnow()  # approved now, from the "web process"
    wait_for(
        lambda: runs(runtime, kind="scheduled") and runs(runtime, kind="scheduled")[0].status == "done", timeout=15
    )
    got = rows(runtime)
    kinds = [(r.kind, r.status) for r in got]
    assert ("asset", "interrupted") in kinds
    assert [k for k in kinds if k[0] == "emergency"] == [("emergency", "aired"), ("emergency", "aired")]
    cut = next(r for r in got if r.status == "interrupted")
    assert "khẩn cấp" in cut.note
    first_emergency = next(i for i, r in enumerate(got) if r.kind == "emergency")
    # resumed: the cut item again from its start, then the rest
    assert [(r.position, r.status) for r in got[first_emergency + 2 :]] == [(0, "aired"), (1, "aired")]
    assert runs(runtime, kind="emergency")[0].status == "done"


def test_emergency_on_an_idle_station_airs_alone_once(runtime, demo, tones, service_factory):
    with runtime.unit() as s:
        make_station(s)
        b = s.scalar(select(Bulletin).order_by(Bulletin.id))
        b.priority, b.status, b.approved_at, b.recording_path = "emergency", "approved", utcnow(), str(tones["short"])
    service_factory()
    wait_for(lambda: runs(runtime, kind="emergency", status="done"), timeout=10)
    time.sleep(0.5)
    assert len(runs(runtime, kind="emergency")) == 1
    assert [r.status for r in rows(runtime, kind="emergency")] == ["aired", "aired"]


def test_a_recorded_reading_kept_relative_to_the_data_folder_airs_as_recorded(runtime, demo, tones, monkeypatch):
    """Uploads store "recordings/<name>" (relative to the data folder): the emergency airs that file, never a
    text-to-speech reading in its place."""
    import shutil

    from broadcast.playout import emergency

    folder = runtime.settings.subdir("recordings")
    shutil.copy(tones["short"], folder / "khan-cap.mp3")
    monkeypatch.setattr("broadcast.speech.render.render_text", lambda *a, **k: (_ for _ in ()).throw(AssertionError))
    with runtime.unit() as s:
        b = s.scalar(select(Bulletin).order_by(Bulletin.id))
        b.recording_path = "recordings/khan-cap.mp3"
        assert emergency.bulletin_audio(runtime, b, s) == str(folder / "khan-cap.mp3")
