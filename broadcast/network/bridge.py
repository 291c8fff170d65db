"""The server's side of MQTT: devices' online state, heartbeats and command acknowledgements into the
database; commands and "programme changed" notices out.

A message naming an unknown device, a device of another station or a revoked device, or one that is
not a JSON object, is logged and ignored (a known device gets a ``refused`` event); nothing else
changes. The broker's own access control (per-device credentials and ACLs) is the deployment's job.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from datetime import timedelta

import paho.mqtt.client as mqtt
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from ..domain.models import Device, DeviceCommand, Station
from ..domain.types import utcnow
from ..errors import BroadcastError
from ..runtime import Runtime
from . import commands as device_commands
from .devices import apply_status, iso, record_event, set_online
from .manifest import station_sessions
from .topics import (
    ROOT,
    device_topic,
    dumps,
    parse_mqtt_url,
    parse_payload,
    parse_topic,
    programme_topic,
    redact_mqtt_url,
    sign,
    verify,
)

log = logging.getLogger(__name__)
# Commands older than this are not pushed by the pump (the agent would refuse them as replays); they are
# re-sent, freshly signed, when their device comes back online, and stay offered to HTTP polling.
RECENT_COMMAND_S = 600
INFLIGHT = 1000


class ServerBridge:
    """``start(pump=True)`` also runs the pump: the bridge process is then the one MQTT publisher, and the
    web (or CLI) only writes command rows. Every ``poll_s`` it publishes commands it has not sent yet; every
    ``programme_check_s`` it fingerprints the programme of each station with devices and announces a change
    on ``loaphuong/STATION/programme``."""

    def __init__(
        self,
        runtime: Runtime,
        url: str,
        client_id: str = "loaphuong-server",
        *,
        poll_s: float = 0.1,  # an emergency waits at most this long for the pump
        programme_check_s: float = 30.0,
    ):
        self.runtime = runtime
        self.poll_s, self.programme_check_s = poll_s, programme_check_s
        self.sent: set[int] = set()
        self.versions: dict[str, str] = {}
        self._stop = threading.Event()
        self._pump_thread: threading.Thread | None = None
        self.target = parse_mqtt_url(url)
        self.client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id=client_id)
        self.target.apply(self.client)
        self.client.on_connect = self._on_connect
        self.client.on_message = self._on_message
        self.client.on_disconnect = lambda *a: self.connected.clear()
        self.client.reconnect_delay_set(1, 30)
        # A fan-out publishes hundreds of QoS 1 commands at once: let them be in flight together.
        self.client.max_inflight_messages_set(INFLIGHT)
        self.connected = threading.Event()
        self.handled = 0  # messages processed (tests wait on it)
        # Incoming messages are applied on a worker thread, in order: a burst of acks (a database
        # transaction each) on paho's network thread would hold back the commands going out.
        self._inbox: queue.Queue = queue.Queue()
        self._worker: threading.Thread | None = None

    def start(self, pump: bool = False) -> ServerBridge:
        self._worker = threading.Thread(target=self._work, name="mqtt-inbox", daemon=True)
        self._worker.start()
        self.client.connect_async(self.target.host, self.target.port, keepalive=30)
        self.client.loop_start()
        if pump:
            self._pump_thread = threading.Thread(target=self._pump_loop, name="mqtt-pump", daemon=True)
            self._pump_thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        if self._pump_thread is not None:
            self._pump_thread.join(5)
        self.client.disconnect()
        self.client.loop_stop()
        self._inbox.put(None)  # after what is queued: nothing received is dropped
        if self._worker is not None:
            self._worker.join(10)

    def _pump_loop(self) -> None:
        next_check = 0.0
        while not self._stop.wait(self.poll_s):
            if not self.connected.is_set():
                continue
            try:
                self.send_new_commands()
                if time.monotonic() >= next_check:
                    self.announce_programme_changes()
                    next_check = time.monotonic() + self.programme_check_s
            except Exception:  # the database may be away for a moment; try again at the next tick
                log.exception("MQTT pump")

    def send_new_commands(self) -> int:
        """Publish pending commands not sent yet (queued by the web, the CLI, an emergency). Remembered by id,
        not by the highest id: two transactions may commit their commands out of id order."""
        since = utcnow() - timedelta(seconds=RECENT_COMMAND_S)
        with self.runtime.unit() as session:
            rows = session.scalars(
                select(DeviceCommand)
                .where(DeviceCommand.status == "pending", DeviceCommand.created_at >= since)
                .options(joinedload(DeviceCommand.device).joinedload(Device.station))  # one query for a fan-out
                .order_by(DeviceCommand.id)
            ).all()
            fresh = [cmd for cmd in rows if cmd.id not in self.sent]
            for cmd in fresh:
                self.send(cmd)
            self.sent = {cmd.id for cmd in rows}  # acknowledged or old ones are forgotten
            return len(fresh)

    def announce_programme_changes(self) -> list[str]:
        """Stations whose programme fingerprint changed since the last check (the first check announces all)."""
        changed = []
        with self.runtime.unit() as session:
            stations = session.scalars(
                select(Station).where(Station.id.in_(select(Device.station_id).where(Device.revoked_at.is_(None))))
            ).all()
            for station in stations:
                _, version = station_sessions(session, self.runtime.settings, station.id)
                if self.versions.get(station.code) != version:
                    self.versions[station.code] = version
                    self.programme_changed(station.code, version)
                    changed.append(station.code)
        return changed

    def _on_connect(self, client, userdata, flags, reason_code, properties):
        if reason_code.is_failure:
            log.warning("MQTT: broker refused the server bridge: %s", reason_code)
            return
        for kind in ("state", "heartbeat", "ack"):
            client.subscribe(f"{ROOT}/+/+/{kind}", qos=1)
        self.connected.set()

    def _on_message(self, client, userdata, message):
        self._inbox.put((message.topic, message.payload))

    def _work(self) -> None:
        while (item := self._inbox.get()) is not None:
            topic, payload = item
            try:
                self.handle(topic, payload)
            except Exception:  # a bad message must never stop the worker
                log.exception("MQTT: message on %s not handled", topic)
            finally:
                self.handled += 1

    def handle(self, topic: str, payload: bytes) -> str:
        """Apply one message; returns what happened (``ok`` or why it was ignored)."""
        parsed = parse_topic(topic)
        if parsed is None or parsed[1] is None:
            return "ignored"
        station_code, device_code, kind = parsed
        body = parse_payload(payload)
        with self.runtime.unit() as session:
            device = session.scalar(select(Device).where(Device.code == device_code))
            if device is None or device.revoked_at is not None:
                log.warning("MQTT: %s from unknown or revoked device %s ignored", kind, device_code)
                return "unknown-device"
            if device.station.code != station_code:
                record_event(session, device, "refused", {"topic": topic, "reason": "station"})
                log.warning("MQTT: device %s wrote under station %s, ignored", device_code, station_code)
                return "wrong-station"
            if body is None:
                log.warning("MQTT: malformed %s from %s ignored", kind, device_code)
                return "malformed"
            if not verify(body, device.token_hash):
                record_event(session, device, "refused", {"topic": topic, "reason": "signature"})
                log.warning("MQTT: %s for %s without a valid signature ignored", kind, device_code)
                return "bad-signature"
            if kind == "state":
                came_online = body.get("online") is True
                detail = {"via": "mqtt", "boot_id": body.get("boot_id"), "booted_at": body.get("booted_at")}
                if (
                    set_online(session, device, came_online, {k: v for k, v in detail.items() if v is not None})
                    and came_online
                ):
                    session.flush()
                    self._resend_pending(session, device)
            elif kind == "heartbeat":
                apply_status(session, device, body | {"via": "mqtt"})
            elif kind == "ack":
                try:
                    device_commands.acknowledge(
                        session, device, body.get("id"), body.get("ok") is True, body.get("result")
                    )
                except BroadcastError as exc:  # unknown id: logged, nothing changes
                    log.warning("MQTT: ack from %s refused: %s", device_code, exc)
                    return "bad-ack"
            return "ok"

    def _resend_pending(self, session, device: Device) -> None:
        # Commands queued while the device was away; the agent ignores an id it has already carried out.
        for cmd in device_commands.pending(session, device):
            self._publish_command(device, cmd)

    def _publish_command(self, device: Device, cmd: DeviceCommand):
        body = sign(device_commands.command_json(cmd), device.token_hash)
        return self.client.publish(device_topic(device.station.code, device.code, "cmd"), dumps(body), qos=1)

    def send(self, cmd: DeviceCommand):
        """Publish a queued command (QoS 1, signed for its device); HTTP polling offers it too until acked."""
        return self._publish_command(cmd.device, cmd)

    def programme_changed(self, station_code: str, version: str | None = None):
        return self.client.publish(
            programme_topic(station_code), dumps({"version": version, "at": iso(utcnow())}), qos=1, retain=True
        )


def start_configured(runtime: Runtime) -> ServerBridge | None:
    """The bridge with its pump for ``broadcast serve`` and ``broadcast scheduler`` when ``BROADCAST_MQTT_URL``
    is set (``runtime.settings.mqtt_url``). Started beside the playout scheduler, which runs once per
    database (its lease), so the server has one bridge; None without MQTT (agents then poll over HTTP).
    The broker may be down: the client connects (and reconnects) on its own."""
    url = runtime.settings.mqtt_url
    if not url:
        return None
    bridge = ServerBridge(runtime, url).start(pump=True)
    log.info("MQTT bridge started on %s", redact_mqtt_url(url))
    return bridge
