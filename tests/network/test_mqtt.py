"""Agent and server over the suite's own Mosquitto: online state with last will, heartbeats, commands
acknowledged once, malformed and foreign messages ignored."""

from __future__ import annotations

import json
import time

import paho.mqtt.client as mqtt
import pytest
from sqlalchemy import select

from broadcast.domain.models import Device, DeviceCommand, DeviceEvent
from broadcast.network.bridge import ServerBridge
from broadcast.network.commands import queue_command
from broadcast.network.topics import device_key, dumps, sign


def wait_for(predicate, timeout=5.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError("condition not met in time")


@pytest.fixture
def bridge(runtime, broker):
    b = ServerBridge(runtime, broker.url).start()
    assert b.connected.wait(5)
    yield b
    b.stop()


def device(runtime, code="LOA01"):
    with runtime.unit() as s:
        d = s.scalar(select(Device).where(Device.code == code))
        s.expunge(d)
        return d


def command(runtime, cmd_id):
    with runtime.unit() as s:
        c = s.get(DeviceCommand, cmd_id)
        s.expunge(c)
        return c


def online_agent(make_agent, broker):
    agent = make_agent(mqtt_url=broker.url)
    assert agent.sync_once()
    assert agent.mqtt.connected.wait(5)
    return agent


def test_online_heartbeat_and_last_will(make_agent, broker, bridge, runtime):
    agent = online_agent(make_agent, broker)
    wait_for(lambda: device(runtime).online)
    agent.now_playing = "Mục 1"
    agent.report_once()  # over MQTT, since the broker is there
    wait_for(lambda: device(runtime).now_playing == "Mục 1")
    d = device(runtime)
    assert d.version and d.disk_free > 0 and abs(d.clock_offset_ms) < 5000
    # The link dies without a goodbye: the broker publishes the last will.
    agent.mqtt.client.loop_stop()
    agent.mqtt.client.socket().close()
    wait_for(lambda: not device(runtime).online)
    with runtime.unit() as s:
        kinds = list(s.scalars(select(DeviceEvent.kind).order_by(DeviceEvent.id)))
    assert kinds == ["connect", "disconnect"]
    agent.mqtt = None  # already gone


def test_command_is_carried_out_once_and_acknowledged(make_agent, broker, bridge, runtime):
    agent = online_agent(make_agent, broker)
    wait_for(lambda: device(runtime).online)
    with runtime.unit() as s:  # committed before it is sent, as the API does
        cmd_id = queue_command(s, "LOA01", "volume", {"level": 35}).id
    with runtime.unit() as s:
        cmd = s.get(DeviceCommand, cmd_id)
        bridge.send(cmd).wait_for_publish(5)
        bridge.send(cmd).wait_for_publish(5)  # delivered twice: run once, acknowledged again
    wait_for(lambda: command(runtime, cmd_id).status == "done")
    assert agent.volume == 35 and list(agent.mqtt.done) == [cmd_id]
    with runtime.unit() as s:
        stop_id = queue_command(s, "LOA01", "stop").id
    with runtime.unit() as s:
        bridge.send(s.get(DeviceCommand, stop_id)).wait_for_publish(5)
    failed = wait_for(lambda: (c := command(runtime, stop_id)).status == "failed" and c)
    assert failed.result  # the agent says why (no player yet), in Vietnamese


def test_malformed_and_foreign_messages_are_ignored(make_agent, broker, bridge, runtime):
    agent = online_agent(make_agent, broker)
    wait_for(lambda: device(runtime).online)
    raw = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id="intruder")
    raw.connect("127.0.0.1", broker.port)
    raw.loop_start()
    try:
        forged = dumps(sign({"id": 999, "action": "volume", "args": {"level": 1}}, device_key("lpd_doan-mo")))
        for payload in (b"\xff\xfe", b"[1, 2]", b'{"id": 998, "action": "stop"}', b"{" * 100, forged):
            raw.publish(agent.mqtt.topic("cmd"), payload, qos=1).wait_for_publish(5)
        wait_for(lambda: agent.mqtt.ignored >= 5)
        assert agent.volume == 100 and agent.mqtt.done == {}
        before = bridge.handled
        raw.publish("loaphuong/MOLAO/KHONGCO/heartbeat", b'{"now_playing": "x"}', qos=1).wait_for_publish(5)
        raw.publish("loaphuong/KHAC/LOA01/heartbeat", b'{"now_playing": "gia mao"}', qos=1).wait_for_publish(5)
        raw.publish("loaphuong/MOLAO/LOA01/heartbeat", b"not json", qos=1).wait_for_publish(5)
        raw.publish("loaphuong/MOLAO/LOA01/heartbeat", b'{"now_playing": "gia mao"}', qos=1).wait_for_publish(5)
        wait_for(lambda: bridge.handled >= before + 4)
    finally:
        raw.loop_stop()
        raw.disconnect()
    assert device(runtime).now_playing is None
    with runtime.unit() as s:
        assert s.scalar(select(Device.id).where(Device.code == "KHONGCO")) is None
        refused = s.scalars(select(DeviceEvent).where(DeviceEvent.kind == "refused")).all()
        assert [e.detail["reason"] for e in refused] == ["station", "signature"]
    assert bridge.handle("loaphuong/MOLAO/KHONGCO/ack", b'{"id": 1}') == "unknown-device"
    # still working afterwards
    agent.report_once()
    wait_for(lambda: device(runtime).version is not None)


def test_programme_notice_asks_for_a_resync(make_agent, broker, bridge):
    agent = online_agent(make_agent, broker)
    agent.resync.clear()
    bridge.programme_changed("MOLAO", "v2").wait_for_publish(5)
    assert agent.resync.wait(5)


def test_without_a_broker_commands_arrive_by_polling(make_agent, runtime):
    agent = make_agent()
    assert agent.sync_once() and agent.mqtt is None
    with runtime.unit() as s:
        cmd_id = queue_command(s, "LOA01", "resync").id
    agent.report_once()
    assert command(runtime, cmd_id).status == "done" and agent.resync.is_set()


def test_reboot_is_told_from_a_new_boot_time(bridge, network, runtime):
    for booted, online in (
        ("2026-11-01T00:00:00+00:00", True),
        (None, False),
        ("2026-11-01T00:00:00+00:00", True),
        (None, False),
        ("2026-11-28T07:00:00+00:00", True),
    ):
        body = sign({"online": online} | ({"booted_at": booted} if booted else {}), device_key(network["token"]))
        assert bridge.handle("loaphuong/MOLAO/LOA01/state", json.dumps(body).encode()) == "ok"
    with runtime.unit() as s:
        kinds = list(s.scalars(select(DeviceEvent.kind).order_by(DeviceEvent.id)))
    assert kinds == ["connect", "disconnect", "connect", "disconnect", "reboot", "connect"]


def test_commands_sent_while_offline_arrive_on_reconnect(make_agent, broker, bridge, runtime):
    agent = online_agent(make_agent, broker)
    wait_for(lambda: device(runtime).online)
    agent.mqtt.client.loop_stop()
    agent.mqtt.client.socket().close()
    wait_for(lambda: not device(runtime).online)
    with runtime.unit() as s:
        cmd_id = queue_command(s, "LOA01", "volume", {"level": 7}).id
    with runtime.unit() as s:
        bridge.send(s.get(DeviceCommand, cmd_id)).wait_for_publish(5)
    agent.mqtt.connected.clear()
    agent.mqtt.client.reconnect()
    agent.mqtt.client.loop_start()
    wait_for(lambda: command(runtime, cmd_id).status == "done")
    assert agent.volume == 7 and list(agent.mqtt.done) == [cmd_id]  # queued by the broker and re-sent: run once
    assert device(runtime).online


def test_broker_restart_mid_session(make_agent, broker, bridge, runtime):
    agent = online_agent(make_agent, broker)
    wait_for(lambda: device(runtime).online)
    broker.restart()
    wait_for(lambda: agent.mqtt.connected.is_set() and bridge.connected.is_set(), timeout=10)
    with runtime.unit() as s:
        cmd_id = queue_command(s, "LOA01", "resync").id
    with runtime.unit() as s:
        bridge.send(s.get(DeviceCommand, cmd_id)).wait_for_publish(5)
    wait_for(lambda: command(runtime, cmd_id).status == "done", timeout=10)


def test_the_pump_sends_queued_commands_and_announces_programme_changes(make_agent, broker, runtime, client, api_token):
    from broadcast.domain.models import Programme

    pump = ServerBridge(runtime, broker.url, client_id="pump", poll_s=0.05, programme_check_s=0.1).start(pump=True)
    try:
        assert pump.connected.wait(5)
        agent = online_agent(make_agent, broker)
        wait_for(lambda: "MOLAO" in pump.versions)
        queued = client.post(
            "/api/v1/devices/LOA01/commands",
            json={"action": "volume", "args": {"level": 55}},
            headers={"Authorization": f"Bearer {api_token('vanhanh')}"},
        )
        assert queued.status_code == 202
        wait_for(lambda: command(runtime, queued.json["id"]).status == "done")
        assert agent.volume == 55
        agent.resync.clear()
        with runtime.unit() as s:  # the operator edits the programme
            programme = s.scalar(select(Programme).where(Programme.session_code == "thu"))
            programme.items[0].title = "Nhạc hiệu mới"
        assert agent.resync.wait(5)
    finally:
        pump.stop()


def test_replayed_command_is_refused(make_agent, broker, runtime, network):
    from datetime import UTC, datetime, timedelta

    agent = online_agent(make_agent, broker)
    key = device_key(network["token"])
    old = sign({"id": 997, "action": "volume", "args": {"level": 3}}, key, datetime.now(UTC) - timedelta(hours=1))
    fresh = sign({"id": 996, "action": "volume", "args": {"level": 4}}, key)
    raw = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id="replay")
    raw.connect("127.0.0.1", broker.port)
    raw.loop_start()
    try:
        raw.publish(agent.mqtt.topic("cmd"), dumps(old), qos=1).wait_for_publish(5)
        raw.publish(agent.mqtt.topic("cmd"), dumps(fresh), qos=1).wait_for_publish(5)
        wait_for(lambda: agent.volume == 4)
    finally:
        raw.loop_stop()
        raw.disconnect()
    assert 997 not in agent.mqtt.done and agent.mqtt.ignored == 1
