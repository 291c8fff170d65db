"""A province emergency on agent stations: approval queues one ``emergency`` command per device of the target
stations (the existing path), the agent airs it over the suite's Mosquitto and delivers its row, and the
province's board says where it aired."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from broadcast.domain.models import Device, DeviceCommand, Station
from broadcast.network.bridge import ServerBridge
from broadcast.province.deliveries import station_states
from tests.network.airing_helpers import server_rows, tone, wait_for
from tests.network.conftest import broker, live_server, make_agent, network  # noqa: F401  (fixtures)

from .conftest import deliveries, send_down


@pytest.fixture
def bridge(runtime, broker):  # noqa: F811
    b = ServerBridge(runtime, broker.url).start()
    assert b.connected.wait(5)
    yield b
    b.stop()


def command_done(runtime, cmd_id):
    with runtime.unit() as s:
        cmd = s.get(DeviceCommand, cmd_id)
        return cmd.status == "done" and cmd.result


@pytest.mark.once
def test_a_province_emergency_airs_on_the_agent_of_every_target_station(
    runtime,
    province,
    make_agent,  # noqa: F811
    broker,  # noqa: F811
    bridge,
    tmp_path,
):
    agent = make_agent(mqtt_url=broker.url)
    agent.config.sink = "null"
    assert agent.sync_once() and agent.mqtt.connected.wait(5)
    audio = tone(tmp_path / "khan.wav", 1200, 880)
    bid = send_down(runtime, wards=["MOLAO"], priority="emergency", recording=str(audio))
    # MOLAO's ward has two agent stations (MOLAO with LOA01, KHAC with KHAC01): one command per device
    assert set(deliveries(runtime, bid)) == {"MOLAO", "KHAC"}
    with runtime.unit() as s:
        commands = s.execute(
            select(Device.code, DeviceCommand.id)
            .join(Device, Device.id == DeviceCommand.device_id)
            .where(DeviceCommand.action == "emergency")
        ).all()
    assert sorted(code for code, _id in commands) == ["KHAC01", "LOA01"]
    loa01 = next(cid for code, cid in commands if code == "LOA01")
    with runtime.unit() as s:
        bridge.send(s.get(DeviceCommand, loa01)).wait_for_publish(5)
    wait_for(lambda: command_done(runtime, loa01))
    wait_for(lambda: [r.status for r in agent.playout.aired_rows()] == ["aired"])
    # The row reaches the outbox once the emergency's thread has exported it, a moment after it is written.
    (stored,) = wait_for(lambda: agent.deliver_once() and server_rows(runtime))
    assert stored.kind == "emergency" and stored.bulletin_id == bid and stored.status == "aired"
    with runtime.unit() as s:
        codes = dict(s.execute(select(Station.id, Station.code)).all())
        states = {codes[r["station_id"]]: r["state"] for r in station_states(s, bulletin_ids=[bid])}
    assert states == {"MOLAO": "aired", "KHAC": "accepted"}  # KHAC01 has not aired it yet
