"""`broadcast agent` as a real process: SIGKILLed (the broker's last will says offline, the outbox keeps its
rows) and started again (online, every row delivered once); SIGTERM stops it cleanly."""

from __future__ import annotations

import signal
import subprocess
import sys
import time

from sqlalchemy import func, select

from broadcast.agent.outbox import Outbox
from broadcast.domain.models import AsRun, Device
from broadcast.network.bridge import ServerBridge


def wait_for(predicate, timeout=10.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.1)
    raise AssertionError("condition not met in time")


class StateWatch:
    """The device's retained MQTT state as the broker has it: a kill only fires the last will once the agent
    is connected over MQTT (before that it may already be online through its HTTP heartbeat)."""

    def __init__(self, broker):
        import json

        import paho.mqtt.client as mqtt

        self.online = None
        self.client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id="test-state-watch")
        self.client.on_connect = lambda c, *a: c.subscribe("loaphuong/MOLAO/LOA01/state", qos=1)
        self.client.on_message = lambda c, u, m: setattr(self, "online", json.loads(m.payload).get("online"))
        self.client.connect("127.0.0.1", broker.port)
        self.client.loop_start()

    def stop(self):
        self.client.disconnect()
        self.client.loop_stop()


def _rows(network, positions):
    return [
        {
            "date": network["date"],
            "session": network["session"],
            "position": p,
            "aired_ms": 1000,
            "actual_start": "2026-11-28T01:00:00Z",
            "status": "aired",
        }
        for p in positions
    ]


def test_agent_killed_and_restarted(runtime, network, live_server, broker, tmp_path, project_root):
    data = tmp_path / "agent"
    box = Outbox(data / "outbox.db")
    for row in _rows(network, (0, 1, 2)):
        box.add(row)
    box.close()
    bridge = ServerBridge(runtime, broker.url).start()
    state = StateWatch(broker)
    command = [
        sys.executable,
        "-m",
        "broadcast",
        "agent",
        "--server",
        live_server.url,
        "--token",
        network["token"],
        "--data-dir",
        str(data),
        "--mqtt",
        broker.url,
    ]

    def online():
        with runtime.unit() as s:
            return s.scalar(select(Device.online).where(Device.code == "LOA01"))

    def stored():
        with runtime.unit() as s:
            return s.scalar(select(func.count(AsRun.id)).where(AsRun.source == "agent"))

    try:
        proc = subprocess.Popen(command, cwd=project_root, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wait_for(lambda: online() and stored() == 3 and state.online is True)
        proc.send_signal(signal.SIGKILL)
        proc.wait(5)
        wait_for(lambda: not online() and state.online is False)  # the last will
        box = Outbox(data / "outbox.db")  # rows the dead agent had written
        for row in _rows(network, (0, 1)):
            box.add(row)
        box.close()
        proc = subprocess.Popen(command, cwd=project_root, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wait_for(lambda: online() and stored() == 5 and state.online is True)
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(10) == 0
        wait_for(lambda: not online())
    finally:
        if proc.poll() is None:
            proc.kill()
        bridge.stop()
        state.stop()
