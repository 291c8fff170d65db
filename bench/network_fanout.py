"""``network.emergency_fanout_*``: an emergency approved on the server reaches 1,000 simulated devices.

The real path: 1,000 devices registered in the bench database (``network.devices.add_device``), the
server's MQTT bridge as its own process (``broadcast device bridge``, pump included) on the bench's own
Mosquitto, and an emergency bulletin with audio approved through ``bulletins.workflow.approve``, which
queues one command per device (``network.commands.emergency_to_devices``) for the pump to publish.

Each simulated device is its own MQTT connection, set up as ``broadcast/agent/mqtt.py`` sets up a real
agent: client id ``agent-STATION-DEVICE``, persistent session, signed last will, subscriptions to its
``cmd`` topic and its station's ``programme`` topic, then a signed retained ``online: true``. On a
command it checks the signature and age as an agent does, notes the time, and acknowledges at once
(signed): a real agent acknowledges only after fetching and airing the audio, so the bridge gets its
1,000 acks here sooner than it would in the field (the harder case for the pump publishing beside it).

1,000 connections do not get 1,000 threads: a few threads each drive their share of clients with
paho's ``loop_read`` / ``loop_write`` / ``loop_misc`` over an epoll selector.
"""

from __future__ import annotations

import os
import selectors
import statistics
import sys
import threading
import time
from datetime import UTC, datetime

import paho.mqtt.client as mqtt

from broadcast.network.topics import device_key, device_topic, dumps, parse_payload, programme_topic, sign, verify

DEVICES = 1000
ACKING_ROUND = os.environ.get("BENCH_NETWORK_ACKING") == "1"
THREADS = 4
TARGET_P99_MS = 1000
COMMAND_MAX_AGE_S = 600  # the agent's replay window (broadcast/agent/mqtt.py)


class SimDevice:
    """One device's MQTT connection, driven by a fleet thread (no loop thread of its own)."""

    def __init__(self, fleet: Fleet, station: str, code: str, token: str):
        self.fleet, self.station, self.code = fleet, station, code
        self.key = device_key(token)
        self.received_at: float | None = None
        self.acks: list[int] = []  # command ids received, not acknowledged yet
        self.client = mqtt.Client(
            mqtt.CallbackAPIVersion.VERSION2, client_id=f"agent-{station}-{code}", clean_session=False
        )
        self.client.will_set(self.topic("state"), self.signed({"online": False}), qos=1, retain=True)
        self.client.on_connect = self.on_connect
        self.client.on_subscribe = self.on_subscribe
        self.client.on_message = self.on_message

    def topic(self, kind: str) -> str:
        return device_topic(self.station, self.code, kind)

    def signed(self, body: dict) -> bytes:
        return dumps(sign(body, self.key))

    def on_connect(self, client, userdata, flags, reason_code, properties):
        if reason_code.is_failure:
            self.fleet.note("refused")
            return
        client.subscribe([(self.topic("cmd"), 1), (programme_topic(self.station), 1)])
        online = {"online": True, "boot_id": f"bench-{self.code}", "version": "bench", "booted_at": None}
        client.publish(self.topic("state"), self.signed(online | {"at": datetime.now(UTC).isoformat()}), 1, True)

    def on_subscribe(self, client, userdata, mid, reason_codes, properties):
        self.fleet.note("subscribed")

    def on_message(self, client, userdata, message):
        now = time.time()
        if message.topic != self.topic("cmd"):
            return
        body = parse_payload(message.payload)
        if not verify(body, self.key, max_age_s=COMMAND_MAX_AGE_S) or not isinstance(body.get("id"), int):
            self.fleet.note("bad")
            return
        if self.received_at is None:
            self.received_at = now
            self.fleet.note("received")
        else:
            self.fleet.note("repeated")
        self.acks.append(body["id"])
        if not self.fleet.hold_acks:
            self.send_acks()

    def send_acks(self) -> None:
        while self.acks:
            ack = {"id": self.acks.pop(0), "ok": True, "result": "bench"}
            self.client.publish(self.topic("ack"), self.signed(ack), qos=1)


class Fleet:
    def __init__(self, port: int, devices: list[tuple[str, str, str]], threads: int = THREADS):
        self.port = port
        self.counts: dict[str, int] = {}
        self.lock = threading.Lock()
        self.stopping = threading.Event()
        self.hold_acks = False  # True: acks wait until the round is over (only the server's publishing is timed)
        self.devices = [SimDevice(self, station, code, token) for station, code, token in devices]
        self.threads = [
            threading.Thread(target=self.drive, args=(self.devices[i::threads],), name=f"fleet-{i}", daemon=True)
            for i in range(threads)
        ]

    def note(self, what: str) -> None:
        with self.lock:
            self.counts[what] = self.counts.get(what, 0) + 1

    def count(self, what: str) -> int:
        return self.counts.get(what, 0)

    def start(self) -> Fleet:
        for thread in self.threads:
            thread.start()
        return self

    def stop(self) -> None:
        self.stopping.set()
        for thread in self.threads:
            thread.join(10)

    def drive(self, devices: list[SimDevice]) -> None:
        selector = selectors.DefaultSelector()  # epoll: select() stops at descriptor 1024
        try:
            for device in devices:
                try:
                    device.client.connect("127.0.0.1", self.port, keepalive=60)
                except OSError:
                    self.note("connect_failed")
                    continue
                selector.register(device.client.socket(), selectors.EVENT_READ, device)
            next_misc = 0.0
            while not self.stopping.is_set():
                for key, _ in selector.select(timeout=0.1):
                    client = key.data.client
                    if client.loop_read() != mqtt.MQTT_ERR_SUCCESS:
                        selector.unregister(key.fileobj)
                        self.note("lost_connection")
                    elif client.want_write():
                        client.loop_write()
                if time.monotonic() >= next_misc:  # keepalive pings and anything left to write
                    for device in devices:
                        if device.acks and not self.hold_acks:
                            device.send_acks()
                        if device.client.want_write():
                            device.client.loop_write()
                        device.client.loop_misc()
                    next_misc = time.monotonic() + 0.5
        finally:
            for device in devices:
                device.client.disconnect()
                device.client.loop_write()
            selector.close()


def _wait(predicate, timeout: float, step: float = 0.2) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(step)
    return bool(predicate())


def _counts(runtime, station: str) -> tuple[int, int]:
    """(devices of ``station`` online, their commands acknowledged) as the server's database has them."""
    from sqlalchemy import func, select

    from broadcast.domain.models import Device, DeviceCommand, Station

    with runtime.unit() as s:
        ids = select(Device.id).join(Station).where(Station.code == station)
        online = s.scalar(select(func.count()).where(Device.id.in_(ids), Device.online.is_(True)))
        acked = s.scalar(select(func.count()).where(DeviceCommand.device_id.in_(ids), DeviceCommand.status == "done"))
        return online, acked


def approve_emergency(runtime, bulletin_id: int) -> tuple[float, float]:
    """The approver's click: ``workflow.approve`` and its commit; (started, committed) as ``time.time()``."""
    from sqlalchemy import select

    from broadcast.bulletins import workflow
    from broadcast.domain.models import Bulletin, User

    with runtime.unit() as s:
        bulletin = s.get(Bulletin, bulletin_id)
        approver = s.scalar(select(User).where(User.username == "lanhdao"))
        started = time.time()
        workflow.approve(s, bulletin, approver, "Phát khẩn tới mọi loa.")
    return started, time.time()


def fan_out(runtime, fleet: Fleet, station: str, bulletin_id: int, acked_before: int) -> dict:
    """One approval, timed to each device; waits for the acks to be recorded (so rounds do not overlap)."""
    for device in fleet.devices:
        device.received_at = None
    fleet.counts["received"] = 0
    total = len(fleet.devices)
    started, committed = approve_emergency(runtime, bulletin_id)
    _wait(lambda: fleet.count("received") >= total, 30, step=0.05)
    latencies = [(d.received_at - started) * 1000 for d in fleet.devices if d.received_at is not None]
    approve_ms = (committed - started) * 1000
    fleet.hold_acks = False
    released = time.monotonic()
    all_acked = _wait(lambda: _counts(runtime, station)[1] >= acked_before + total, 45, step=0.2)
    return {
        "latencies": latencies,
        "lost": total - len(latencies),
        "approve_ms": approve_ms,
        "after_commit": [ms - approve_ms for ms in latencies],
        "acked": _counts(runtime, station)[1] - acked_before,
        "acks_s": time.monotonic() - released if all_acked else None,
    }


def measure(runtime, children, env: dict, port: int, station: str, devices, bulletins: list[int]) -> list[dict]:
    """Bridge, fleet, approvals, figures. ``devices``: (station, code, token) of the simulated devices;
    ``bulletins``: two submitted emergency bulletins with audio for ``station``. First round: acks held
    until every device has its command (the server's publishing alone), then released and stored.
    With ``BENCH_NETWORK_ACKING=1`` a second round where each device acks at once (slow: the bridge stores
    acks on its network thread, which then publishes late)."""
    bridge = children.start(
        "bridge", [sys.executable, "-m", "broadcast", "device", "bridge", "--mqtt", f"mqtt://127.0.0.1:{port}"], env
    )
    fleet = Fleet(port, devices).start()
    try:
        ready = time.monotonic()
        _wait(lambda: fleet.count("subscribed") >= len(devices), 60)
        # The bridge records 1,000 "online" states first; the fan-out is measured on a settled network.
        _wait(lambda: _counts(runtime, station)[0] >= len(devices), 90, step=0.5)
        children.check("bridge", bridge)
        online = _counts(runtime, station)[0]
        settle_s = time.monotonic() - ready
        fleet.hold_acks = True
        held = fan_out(runtime, fleet, station, bulletins[0], 0)
        acking = fan_out(runtime, fleet, station, bulletins[1], held["acked"]) if ACKING_ROUND else None
        children.check("bridge", bridge)
    finally:
        fleet.stop()
        children.stop(bridge)
    context = f"{online:,} of {len(devices):,} online after {settle_s:.0f} s; fleet {fleet.counts}"
    return rows(held, acking, len(devices), context)


def _p99(latencies: list[float]) -> float | None:
    return statistics.quantiles(latencies, n=100, method="inclusive")[98] if len(latencies) > 1 else None


def rows(held: dict, acking: dict | None, total: int, context: str) -> list[dict]:
    rnd = lambda v: None if v is None else round(v, 1)  # noqa: E731
    latencies = held["latencies"]
    target = {"name": "target p99", "value": TARGET_P99_MS}
    return [
        {
            "name": "network.emergency_fanout_p99_ms",
            "value": rnd(_p99(latencies)),
            "unit": "ms",
            "limit": target,
            "target": f"< 1,000 ms from the approval to each of {total:,} devices (MQTT, loopback)",
        },
        {
            "name": "network.emergency_fanout_p50_ms",
            "value": rnd(statistics.median(latencies) if latencies else None),
            "unit": "ms",
            "limit": None,
            "target": "median device",
        },
        {
            "name": "network.emergency_fanout_max_ms",
            "value": rnd(max(latencies) if latencies else None),
            "unit": "ms",
            "limit": None,
            "target": "slowest device",
        },
        {
            "name": "network.emergency_lost",
            "value": held["lost"],
            "unit": "devices",
            "limit": {"name": "target", "value": 0},
            "target": f"0 ({context})",
        },
        {
            "name": "network.emergency_approve_ms",
            "value": rnd(held["approve_ms"]),
            "unit": "ms",
            "limit": None,
            "target": f"the approval's transaction ({total:,} commands queued), inside the fan-out time",
        },
        {
            "name": "network.emergency_publish_p99_ms",
            "value": rnd(_p99(held["after_commit"])),
            "unit": "ms",
            "limit": None,
            "target": "from the approval's commit: the bridge's pump and Mosquitto alone",
        },
        {
            "name": "network.emergency_acks_stored_s",
            "value": rnd(held["acks_s"]),
            "unit": "s",
            "limit": None,
            "target": f"the bridge storing {total:,} acks sent at once ({held['acked']:,} stored; - = not all in 45 s)",
        },
    ] + (
        []
        if acking is None
        else [
            {
                "name": "network.emergency_fanout_acking_p99_ms",
                "value": rnd(_p99(acking["latencies"])),
                "unit": "ms",
                "limit": target,
                "target": f"each device acking at once (the bridge stores acks meanwhile); lost {acking['lost']}",
            }
        ]
    )
