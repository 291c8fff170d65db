"""Live operator views: the JSON the playout page and the dashboard panel poll, and the static script."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from broadcast.domain.models import AsRun, PlayoutRun, Programme
from broadcast.domain.types import utcnow
from tests.playout.conftest import make_programme, make_station


def _airing(runtime, tones, *, seconds_in: int = 12, error: str | None = None):
    """A running session on MOLAO with its first item airing for ``seconds_in`` seconds."""
    with runtime.unit() as s:
        st = make_station(s, sink="null")
        p = make_programme(
            s, st, [tones["short"], tones["a"], tones["short"]], starts_at=utcnow() - timedelta(seconds=seconds_in)
        )
        run = PlayoutRun(
            claim_key="live-test",
            station_id=st.id,
            programme_id=p.id,
            session_code="sang",
            air_date=p.on_date,
            kind="manual",
            status="running",
            started_at=p.starts_at,
            scheduled_start=p.starts_at,
            sink="null",
            last_error=error,
        )
        s.add(run)
        s.flush()
        first = p.items[0]
        s.add(
            AsRun(
                station_id=st.id,
                programme_id=p.id,
                programme_item_id=first.id,
                session_code="sang",
                air_date=p.on_date,
                position=0,
                kind="asset",
                title=first.title,
                actual_start=p.starts_at,
                scheduled_start=p.starts_at,
                planned_ms=60_000,
                status="airing",
                run_id=run.id,
                sink="null",
            )
        )
        return p.id


def _molao(data):
    return next(s for s in data["stations"] if s["code"] == "MOLAO")


def test_status_json_reports_item_elapsed_and_next(runtime, demo, tones, login_as):
    _airing(runtime, tones, seconds_in=12, error="Icecast không trả lời")
    client = login_as("vanhanh")
    r = client.get("/playout/status.json")
    assert r.status_code == 200 and r.mimetype == "application/json"
    assert r.headers["Cache-Control"] == "no-store"
    data = r.get_json()
    assert data["scheduler_running"] is False and data["now"]
    molao = _molao(data)
    assert molao["item"]["title"] == "Mục 1"
    assert 12 <= molao["item"]["elapsed_s"] <= 20 and molao["item"]["planned_s"] == 60
    assert molao["next"] == "Mục 2"
    assert molao["run"]["session_code"] == "sang" and molao["run"]["started_at"].endswith("+00:00")
    assert molao["last_error"]["message"] == "Icecast không trả lời"


def test_status_json_follows_the_next_item(runtime, demo, tones, login_as):
    pid = _airing(runtime, tones)
    with runtime.unit() as s:
        row = s.scalar(select(AsRun).where(AsRun.status == "airing"))
        row.status, row.actual_end = "aired", utcnow()
        second = s.get(Programme, pid).items[1]
        s.add(
            AsRun(
                station_id=row.station_id,
                programme_id=pid,
                programme_item_id=second.id,
                session_code="sang",
                air_date=row.air_date,
                position=1,
                kind="asset",
                title=second.title,
                actual_start=utcnow(),
                planned_ms=5_000,
                status="airing",
                run_id=row.run_id,
                sink="null",
            )
        )
    molao = _molao(login_as("vanhanh").get("/playout/status.json").get_json())
    assert molao["item"]["title"] == "Mục 2" and molao["next"] == "Mục 3"
    with runtime.unit() as s:
        s.scalar(select(PlayoutRun)).status = "done"
    molao = _molao(login_as("vanhanh").get("/playout/status.json").get_json())
    assert molao["item"] is None and molao["run"] is None and molao["next"] is None


def test_status_json_roles(runtime, demo, client, login_as):
    assert client.get("/playout/status.json").status_code in (302, 401)
    assert login_as("lanhdao").get("/playout/status.json").status_code == 200  # sees the dashboard panel
    assert login_as("vanhoa").get("/playout/status.json").status_code == 403
    assert login_as("xem").get("/playout/status.json").status_code == 403


def test_pages_load_the_live_script(runtime, demo, tones, login_as):
    _airing(runtime, tones)
    client = login_as("vanhanh")
    for url in ("/playout", "/"):
        html = client.get(url).get_data(as_text=True)
        assert 'src="/static/live.js"' in html, url
        assert 'data-live-url="/playout/status.json"' in html, url
        assert 'data-station="MOLAO"' in html and 'data-live="elapsed"' in html and 'data-live="next"' in html
        assert "<script>" not in html  # CSP: no inline script
    assert client.get("/static/live.js").status_code == 200
