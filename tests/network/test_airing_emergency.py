"""An emergency command over the suite's Mosquitto: the agent fetches the bulletin's audio on demand, airs it
alone when idle or breaks into the session airing (cut, air, resume), acknowledges, and delivers the rows."""

from __future__ import annotations

import wave

import pytest
from sqlalchemy import select

from broadcast.domain.models import Bulletin, DeviceCommand, Station
from broadcast.network.bridge import ServerBridge
from broadcast.network.commands import emergency_to_devices

from .airing_helpers import add_session, server_rows, tone, wait_for


@pytest.fixture
def bridge(runtime, broker):
    b = ServerBridge(runtime, broker.url).start()
    assert b.connected.wait(5)
    yield b
    b.stop()


@pytest.fixture
def urgent(runtime, network, tmp_path):
    audio = tone(tmp_path / "khan.wav", 1200, 880)
    with runtime.unit() as s:
        bulletin = s.scalars(select(Bulletin).order_by(Bulletin.id)).first()
        bulletin.recording_path = str(audio)
        bulletin.all_stations = False
        bulletin.stations = [s.scalar(select(Station).where(Station.code == "MOLAO"))]
        return bulletin.id


def send_emergency(runtime, bridge, bulletin_id) -> int:
    with runtime.unit() as s:
        cmd_id = emergency_to_devices(s, s.get(Bulletin, bulletin_id))[0].id
    with runtime.unit() as s:
        bridge.send(s.get(DeviceCommand, cmd_id)).wait_for_publish(5)
    return cmd_id


def done(runtime, cmd_id):
    with runtime.unit() as s:
        cmd = s.get(DeviceCommand, cmd_id)
        return cmd.status == "done" and cmd.result


def online(make_agent, broker, sink):
    agent = make_agent(mqtt_url=broker.url)
    agent.config.sink = sink
    assert agent.sync_once() and agent.mqtt.connected.wait(5)
    return agent


def test_idle_agent_airs_the_bulletin_audio(make_agent, broker, bridge, runtime, urgent, tmp_path):
    agent = online(make_agent, broker, f"file:{tmp_path / 'out'}/")
    cmd_id = send_emergency(runtime, bridge, urgent)
    assert "tin khẩn" in wait_for(lambda: done(runtime, cmd_id))
    wait_for(lambda: [r.status for r in agent.playout.aired_rows()] == ["aired"])
    row = agent.playout.aired_rows()[0]
    assert row.kind == "emergency" and row.aired_ms >= 1100
    (written,) = (tmp_path / "out").iterdir()  # the bulletin's audio went out on the agent's sink
    with wave.open(str(written)) as w:
        assert w.getnframes() >= 44100
    # The row reaches the outbox once the emergency's thread has exported it, a moment after it is written.
    (stored,) = wait_for(lambda: agent.deliver_once() and server_rows(runtime))
    assert stored.kind == "emergency" and stored.bulletin_id == urgent and stored.status == "aired"


def test_emergency_breaks_into_the_session_and_it_resumes(make_agent, broker, bridge, runtime, urgent, tmp_path):
    add_session(runtime, tmp_path / "audio", code="toi", start_in_s=3600, durations=(3000, 1000))
    agent = online(make_agent, broker, "null")
    agent.config.playout = {"emergency_break": "immediate", "emergency_after": "resume"}
    assert agent.run_command({"id": 900, "action": "play", "args": {"session": "toi"}})[0]
    wait_for(lambda: agent.status()["now_playing"] == "toi 0")
    cmd_id = send_emergency(runtime, bridge, urgent)
    wait_for(lambda: done(runtime, cmd_id))
    wait_for(lambda: not agent.playout.channel.active, timeout=20)
    rows = [(r.kind, r.position, r.status) for r in agent.playout.aired_rows()]
    # cut at once, the bulletin, then the cut item again from its start and the rest
    assert rows == [
        ("asset", 0, "interrupted"),
        ("emergency", 0, "aired"),
        ("asset", 0, "aired"),
        ("asset", 1, "aired"),
    ]
    assert agent.deliver_once()
    assert sorted((r.kind, r.status) for r in server_rows(runtime)) == [
        ("asset", "aired"),
        ("asset", "aired"),
        ("asset", "interrupted"),
        ("emergency", "aired"),
    ]
