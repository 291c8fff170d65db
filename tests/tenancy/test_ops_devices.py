"""Devices in a province: an emergency of a ward's bulletin "for all stations" reaches only that ward's devices,
whoever approves it and on whatever session; a ward operator's command naming another ward's device or
bulletin is "not found" and queues nothing; the province commands every ward's devices."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from broadcast import tenancy
from broadcast.domain.models import Bulletin, DeviceCommand, Station, User
from broadcast.network.commands import emergencies_waiting, emergency_to_devices

from .ops_fixtures import api, ops_token_fixture, ops_world_fixture, snapshot  # noqa: F401


@pytest.fixture
def molao_emergency(runtime, ops_world, tmp_path) -> int:
    """A Mộ Lao bulletin for all stations with a recording; every station aired by its agents."""
    audio = tmp_path / "khan.wav"
    audio.write_bytes(b"tin khan cap " * 500)
    with runtime.unit() as s:
        for station in s.scalars(select(Station)):
            station.sink = "agent"
        bulletin = s.scalars(
            select(Bulletin).join(Bulletin.department).where(Bulletin.status == "approved").order_by(Bulletin.id)
        ).first()
        assert bulletin.department.ward.code == "MOLAO"
        bulletin.recording_path, bulletin.all_stations, bulletin.priority = str(audio), True, "emergency"
        return bulletin.id


def _devices_of(commands) -> list[str]:
    return sorted(c.device.code for c in commands)


@pytest.mark.parametrize("acting_for", [None, "admin", "tp.admin"])
def test_a_wards_emergency_for_all_stations_stays_in_the_ward(runtime, molao_emergency, acting_for):
    with runtime.unit() as s:
        if acting_for is not None:  # the web approves on a session acting for the approver
            tenancy.apply(s, s.scalar(select(User).where(User.username == acting_for)))
        commands = emergency_to_devices(s, s.get(Bulletin, molao_emergency))
        assert _devices_of(commands) == ["LOA-MOLAO"]


def test_the_playout_loop_waits_only_for_the_wards_devices(runtime, molao_emergency):
    from datetime import timedelta

    from broadcast.domain.types import utcnow

    since = utcnow() - timedelta(minutes=5)
    with runtime.unit() as s:
        s.get(Bulletin, molao_emergency).approved_at = utcnow()
    with runtime.unit() as s:
        assert [b.id for b in emergencies_waiting(s, since)] == [molao_emergency]
        # without a Mộ Lao device serving, nothing waits: Đông Thử's device does not count
        s.scalar(select(Station).where(Station.code == "MOLAO")).sink = "null"
        s.flush()
        assert emergencies_waiting(s, since) == []


def test_a_ward_operator_cannot_send_an_emergency_of_another_wards_bulletin(
    runtime, app, ops_world, ops_token, molao_emergency
):
    client = app.test_client()
    before = snapshot(runtime)
    body = {"action": "emergency", "args": {"bulletin_id": molao_emergency}}
    other = api(client, ops_token("dx.vanhanh"), "POST", "/devices/LOA-DONGXA1/commands", body)
    missing = api(
        client,
        ops_token("dx.vanhanh"),
        "POST",
        "/devices/LOA-DONGXA1/commands",
        body | {"args": {"bulletin_id": 99999}},
    )
    assert other.status_code == missing.status_code == 404 and other.get_json() == missing.get_json()
    assert snapshot(runtime) == before
    own = api(client, ops_token("vanhanh"), "POST", "/devices/LOA-MOLAO/commands", body)
    assert own.status_code == 202
    with runtime.unit() as s:
        assert [c.device.code for c in s.scalars(select(DeviceCommand))] == ["LOA-MOLAO"]
