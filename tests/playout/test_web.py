"""Web admin and API: airing now, commands through the database, manual confirmation, airtime."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from broadcast.domain.models import AsRun, AuditLog, PlayoutCommand, Programme
from broadcast.domain.types import utcnow
from tests.conftest import csrf_from
from tests.playout.conftest import make_programme, make_station


def _programme(runtime, tones, sink="null", starts=None):
    with runtime.unit() as s:
        st = make_station(s, sink=sink)
        p = make_programme(s, st, [tones["short"], tones["a"]], starts_at=starts or utcnow() - timedelta(hours=1))
        return p.id, p.on_date, st.code


def test_playout_page_and_play_command_are_audited(runtime, demo, tones, login_as):
    _pid, day, code = _programme(runtime, tones)
    client = login_as("vanhanh")
    page = client.get("/playout")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "Đang phát trên từng đài" in html and "không chạy" in html
    response = client.post(
        "/playout/command",
        data={
            "csrf_token": csrf_from(html),
            "action": "play",
            "station_session": f"{code}|sang",
            "date": day.isoformat(),
        },
    )
    assert response.status_code == 302
    with runtime.unit() as s:
        cmd = s.scalar(select(PlayoutCommand))
        assert (cmd.action, cmd.session_code, cmd.status) == ("play", "sang", "pending")
        assert s.scalar(select(AuditLog.action).order_by(AuditLog.id.desc())) == "playout.play"
    assert "Phát sóng" in client.get("/").get_data(as_text=True)


def test_submitter_cannot_control_playout(demo, login_as):
    client = login_as("vanhoa")
    assert client.get("/playout").status_code == 403


def test_manual_confirmation_for_export_station(runtime, demo, tones, login_as):
    pid, _day, _code = _programme(runtime, tones, sink="export")
    client = login_as("vanhanh")
    html = client.get("/playout").get_data(as_text=True)
    assert "Xác nhận đã phát" in html
    with runtime.unit() as s:
        first_item = s.get(Programme, pid).items[0].id
    response = client.post(
        "/playout/confirm",
        data={"csrf_token": csrf_from(html), "programme": pid, "outcome": "partly", "items": [str(first_item)]},
    )
    assert response.status_code == 302
    with runtime.unit() as s:
        rows = s.scalars(select(AsRun).order_by(AsRun.id)).all()
        assert [(r.status, r.source) for r in rows] == [("aired", "manual"), ("missed", "manual")]
        assert s.scalar(select(AuditLog.action).order_by(AuditLog.id.desc())) == "playout.confirm"
    again = client.post("/playout/confirm", data={"csrf_token": csrf_from(html), "programme": pid, "outcome": "all"})
    assert "đã được xác nhận" in client.get(again.headers["Location"]).get_data(as_text=True)


def test_api_airtime_and_commands(runtime, demo, tones, client, api_token):
    from broadcast.playout.claims import claim_run
    from broadcast.playout.config import PlayoutConfig
    from broadcast.playout.run import air_run
    from broadcast.playout.sinks import open_sink

    pid, day, code = _programme(runtime, tones)
    with runtime.unit() as s:
        station_id = s.get(Programme, pid).station_id
    run_id = claim_run(
        runtime,
        station_id=station_id,
        claim_key="api",
        kind="manual",
        air_date=day,
        session_code="sang",
        programme_id=pid,
        scheduled_start=utcnow(),
        holder="t",
        sink="null",
    )
    air_run(runtime, run_id, sink=open_sink("null"), config=PlayoutConfig(speed=0))
    viewer = {"Authorization": f"Bearer {api_token('xem')}"}
    got = client.get(f"/api/v1/airtime?station={code}&from={day}&to={day}", headers=viewer)
    assert got.status_code == 200
    assert [i["status"] for i in got.json["items"]] == ["aired", "aired"]
    assert got.json["items"][0]["source"] == "playout" and got.json["items"][0]["station"] == code
    assert client.get("/api/v1/airtime?from=2025-13-01", headers=viewer).status_code == 400
    # controls are for operators
    assert (
        client.post("/api/v1/playout/commands", json={"station": code, "action": "stop"}, headers=viewer).status_code
        == 403
    )
    op = {"Authorization": f"Bearer {api_token('vanhanh')}"}
    made = client.post("/api/v1/playout/commands", json={"station": code, "action": "stop"}, headers=op)
    assert made.status_code == 202
    assert client.get(f"/api/v1/playout/commands/{made.json['id']}", headers=op).json["status"] == "pending"
    status = client.get("/api/v1/playout/status", headers=op).json
    assert status["scheduler_running"] is False and status["stations"]
    doc = client.get("/api/v1/openapi.json").json
    assert {"/airtime", "/playout/commands", "/playout/confirm"} <= set(doc["paths"])
