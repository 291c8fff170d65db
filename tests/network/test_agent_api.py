"""The agent API with the app's test client: a device token can do its own station's sync, as-run and
status and nothing else; as-run rows are stored once."""

from __future__ import annotations

import hashlib
import uuid

import pytest
from sqlalchemy import func, select

from broadcast.domain.models import AsRun, DeviceCommand, DeviceEvent

AGENT = "/api/v1/agent"


def bearer(token):
    return {"Authorization": f"Bearer {token}"}


def row(net, position=0, uid=None, **over):
    base = {
        "uid": uid or uuid.uuid4().hex,
        "date": net["date"],
        "session": net["session"],
        "position": position,
        "actual_start": "2026-11-28T01:00:00Z",
        "actual_end": "2026-11-28T01:00:01Z",
        "aired_ms": 1000,
        "status": "aired",
    }
    return base | over


def test_manifest_lists_sessions_and_media(client, network):
    answer = client.get(f"{AGENT}/manifest?days=3", headers=bearer(network["token"]))
    assert answer.status_code == 200, answer.json
    body = answer.json
    assert body["station"] == "MOLAO" and body["device"] == "LOA01" and body["clusters"] == ["TDP01", "TDP02"]
    assert body["aired_by"] == "agent"
    session = next(s for s in body["sessions"] if s["session"] == "thu")
    assert [i["position"] for i in session["items"]] == [0, 1, 2]
    assert {i["sha256"] for i in session["items"]} == set(network["files"])
    again = client.get(f"{AGENT}/manifest", headers=bearer(network["token"])).json
    assert again["version"] == body["version"]
    item = session["items"][1]
    media = client.get(item["media"], headers=bearer(network["token"]))
    assert media.status_code == 200 and hashlib.sha256(media.data).hexdigest() == item["sha256"]


def test_media_of_another_station_is_not_served(client, network):
    sha = next(iter(network["files"]))
    assert client.get(f"{AGENT}/media/{sha}", headers=bearer(network["other_token"])).status_code == 404
    assert client.get(f"{AGENT}/media/..%2e%2e", headers=bearer(network["token"])).status_code == 404
    assert client.get(f"{AGENT}/media/{'0' * 64}", headers=bearer(network["token"])).status_code == 404


def test_same_batch_twice_is_stored_once(client, network, runtime):
    rows = [row(network, p) for p in range(3)]
    first = client.post(f"{AGENT}/asrun", json={"rows": rows}, headers=bearer(network["token"])).json
    assert first["stored"] == [r["uid"] for r in rows] and first["rejected"] == []
    second = client.post(f"{AGENT}/asrun", json={"rows": rows + rows[:1]}, headers=bearer(network["token"])).json
    assert second["stored"] == [] and sorted(second["already_stored"]) == sorted(
        [r["uid"] for r in rows] + [rows[0]["uid"]]
    )
    with runtime.unit() as s:
        stored = s.scalars(select(AsRun).where(AsRun.source == "agent").order_by(AsRun.position)).all()
        assert [r.position for r in stored] == [0, 1, 2]
        assert stored[0].title == "Mục 0" and stored[0].sink == "agent:LOA01" and stored[0].device_id is not None


def test_rows_for_sessions_the_station_lacks_are_rejected(client, network, runtime):
    good = row(network, 0)
    rows = [
        good,
        row(network, 0, session="toi"),
        row(network, 9),
        row(network, 0, status="airing"),
        row(network, 0, actual_start="hôm qua"),
        {"session": "thu"},
    ]
    answer = client.post(f"{AGENT}/asrun", json={"rows": rows}, headers=bearer(network["token"])).json
    assert answer["stored"] == [good["uid"]]
    assert len(answer["rejected"]) == 5 and all(r["reason"] for r in answer["rejected"])
    reasons = {r["uid"]: r["reason"] for r in answer["rejected"]}
    assert "không có buổi toi" in reasons[rows[1]["uid"]] and "uid" in reasons[None]
    # the other station's device cannot deliver rows for MOLAO's session
    other = client.post(f"{AGENT}/asrun", json={"rows": [row(network, 1)]}, headers=bearer(network["other_token"])).json
    assert other["stored"] == [] and len(other["rejected"]) == 1
    with runtime.unit() as s:
        assert s.scalar(select(func.count(AsRun.id)).where(AsRun.source == "agent")) == 1
        assert s.scalar(select(func.count(DeviceEvent.id)).where(DeviceEvent.kind == "refused")) == 2


def test_device_token_refusals(client, network, api_token, runtime):
    token = bearer(network["token"])
    for path in ("/api/v1/bulletins", "/api/v1/stations", "/api/v1/devices", "/api/v1/airtime"):
        answer = client.get(path, headers=token)
        assert answer.status_code == 403 and answer.json["error"]["code"] == "device_token", path
    named = client.get(f"{AGENT}/manifest?station=KHAC", headers=token)
    assert named.status_code == 403 and "MOLAO" in named.json["error"]["message"]
    assert client.post(f"{AGENT}/asrun", json={"station": "KHAC", "rows": []}, headers=token).status_code == 403
    assert client.get(f"{AGENT}/manifest", headers=bearer("lpd_sai")).status_code == 401
    assert client.get(f"{AGENT}/manifest").status_code == 401
    user = client.get(f"{AGENT}/manifest", headers=bearer(api_token("admin")))
    assert user.status_code == 403 and user.json["error"]["code"] == "device_only"
    from broadcast.network.devices import revoke_device

    with runtime.unit() as s:
        revoke_device(s, "LOA01")
    assert client.get(f"{AGENT}/manifest", headers=token).status_code == 401


def test_status_commands_and_ack(client, network, api_token):
    staff = bearer(api_token("vanhanh"))
    queued = client.post(
        "/api/v1/devices/LOA01/commands", json={"action": "volume", "args": {"level": 60}}, headers=staff
    )
    assert queued.status_code == 202
    assert client.post("/api/v1/devices/KHONGCO/commands", json={"action": "stop"}, headers=staff).status_code == 404
    token = bearer(network["token"])
    status = client.post(
        f"{AGENT}/status",
        json={
            "now_playing": "Mục 1",
            "volume": 60,
            "disk_free": 10**10,
            "clock": "2026-01-01T00:00:00Z",
            "version": "1.0.0",
            "temperature": "nóng",
        },
        headers=token,
    ).json
    assert status["commands"] == 1
    pending = client.get(f"{AGENT}/commands", headers=token).json["items"]
    assert pending[0]["action"] == "volume" and pending[0]["args"] == {"level": 60}
    assert (
        client.post(
            f"{AGENT}/commands/{pending[0]['id']}/ack", json={"ok": True}, headers=bearer(network["other_token"])
        ).status_code
        == 404
    )
    ack = client.post(f"{AGENT}/commands/{pending[0]['id']}/ack", json={"ok": True}, headers=token)
    assert ack.json["status"] == "done"
    assert client.get(f"{AGENT}/commands", headers=token).json["items"] == []
    devices = {d["code"]: d for d in client.get("/api/v1/devices", headers=staff).json["items"]}
    loa = devices["LOA01"]
    assert loa["online"] and loa["now_playing"] == "Mục 1" and loa["version"] == "1.0.0"
    assert loa["temperature"] is None and loa["clock_offset_ms"] < 0
    kinds = [e["kind"] for e in client.get("/api/v1/devices/LOA01/events", headers=staff).json["items"]]
    assert kinds == ["command", "connect"]
    assert client.get("/api/v1/devices", headers=bearer(api_token("vanhoa"))).status_code == 403


def test_rows_of_a_station_the_server_airs_are_rejected(client, network, runtime):
    from broadcast.domain.models import Station

    with runtime.unit() as s:
        s.scalar(select(Station).where(Station.code == "MOLAO")).sink = "null"
    token = bearer(network["token"])
    assert client.get(f"{AGENT}/manifest", headers=token).json["aired_by"] == "server"
    answer = client.post(f"{AGENT}/asrun", json={"rows": [row(network, 0)]}, headers=token).json
    assert answer["stored"] == [] and "không phát qua thiết bị" in answer["rejected"][0]["reason"]


@pytest.mark.parametrize(
    "args,field",
    [({"session": "khong-co"}, "session"), ({"session": "sang", "date": "30/11"}, "date"), ({}, "session")],
)
def test_a_play_command_for_a_session_the_station_lacks_is_refused(client, network, api_token, runtime, args, field):
    staff = bearer(api_token("vanhanh"))
    refused = client.post("/api/v1/devices/LOA01/commands", json={"action": "play", "args": args}, headers=staff)
    assert refused.status_code == 400 and refused.json["error"]["field"] == field
    with runtime.unit() as s:
        assert s.scalar(select(func.count(DeviceCommand.id))) == 0  # nothing queued
    ok = client.post(
        "/api/v1/devices/LOA01/commands", json={"action": "play", "args": {"session": "sang"}}, headers=staff
    )
    assert ok.status_code == 202
