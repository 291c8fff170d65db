"""The agent's MQTT side: a retained online state with a last will, heartbeats, and commands (QoS 1)
acknowledged on the ack topic. Malformed messages are logged and ignored; a command id already carried
out is acknowledged again but not run twice (QoS 1 may deliver a message more than once)."""

from __future__ import annotations

import logging
import threading
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime

import paho.mqtt.client as mqtt

from ..network.topics import (
    device_topic,
    dumps,
    parse_mqtt_url,
    parse_payload,
    programme_topic,
    sign,
    verify,
)
from . import AGENT_VERSION

log = logging.getLogger(__name__)
DONE_IDS_KEPT = 500
COMMAND_MAX_AGE_S = 600  # an older command is a replay; the server re-signs pending ones when we reconnect
STOP_CONNECT_WAIT_S = 3.0


def booted_at() -> str | None:
    """When the machine booted (Linux ``btime``), to the minute: a change between connects is a reboot."""
    try:
        with open("/proc/stat") as f:
            for line in f:
                if line.startswith("btime "):
                    when = datetime.fromtimestamp(int(line.split()[1]), UTC)
                    return when.replace(second=0).isoformat()
    except (OSError, ValueError):
        pass
    return None


class AgentMqtt:
    """``on_command(cmd) -> (ok, result)`` runs commands; ``on_programme(body)`` asks for a re-sync."""

    def __init__(
        self,
        url: str,
        station: str,
        device: str,
        *,
        key: str,
        on_command: Callable[[dict], tuple[bool, str | None]],
        on_programme: Callable[[dict], None] = lambda body: None,
        keepalive: int = 30,
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
    ):
        self.target = parse_mqtt_url(url)
        self.key, self.now = key, now  # signing key (SHA-256 of the token); the server's time as best known
        self.station, self.device = station, device
        self.on_command, self.on_programme = on_command, on_programme
        self.boot_id = uuid.uuid4().hex[:12]
        self.keepalive = keepalive
        self.done: dict[int, tuple[bool, str | None] | None] = {}
        self._lock = threading.Lock()
        self._worker = ThreadPoolExecutor(max_workers=1, thread_name_prefix="agent-command")
        self.connected = threading.Event()
        # The last attempt to reach the broker failed or the link dropped: a stop then has nothing to wait for.
        self.unreachable = threading.Event()
        self.ignored = 0  # malformed or foreign messages (tests read it)
        # A persistent session: QoS 1 commands sent while the link was down are queued by the broker.
        self.client = mqtt.Client(
            mqtt.CallbackAPIVersion.VERSION2, client_id=f"agent-{station}-{device}", clean_session=False
        )
        self.target.apply(self.client)
        self.client.will_set(self.topic("state"), self._signed({"online": False}), qos=1, retain=True)
        self.client.reconnect_delay_set(1, 30)
        self.client.on_connect = self._on_connect
        self.client.on_disconnect = self._on_disconnect
        self.client.on_connect_fail = lambda *a: self.unreachable.set()
        self.client.on_message = self._on_message
        self.client.on_subscribe = self._on_subscribe

    def topic(self, kind: str) -> str:
        return device_topic(self.station, self.device, kind)

    def start(self) -> AgentMqtt:
        self.client.connect_async(self.target.host, self.target.port, keepalive=self.keepalive)
        self.client.loop_start()
        return self

    def stop(self, clean: bool = True) -> None:
        """A clean stop says offline itself; otherwise the broker's last will does, after the keepalive.
        A stop while still connecting waits a moment for the link: a clean DISCONNECT fires no last will,
        and an HTTP heartbeat may already have said online, so without this the device would stay online."""
        linked = self.connected.is_set() or (not self.unreachable.is_set() and self.connected.wait(STOP_CONNECT_WAIT_S))
        if clean and linked:
            try:
                self.client.publish(
                    self.topic("state"), self._signed({"online": False}), qos=1, retain=True
                ).wait_for_publish(5)
            except (RuntimeError, ValueError):  # the link dropped as we stopped: the last will says offline
                log.info("MQTT: offline not published, the link dropped while stopping")
        self.client.disconnect()
        self.client.loop_stop()
        self._worker.shutdown(wait=False, cancel_futures=True)

    def _on_disconnect(self, *args) -> None:
        self.connected.clear()
        self.unreachable.set()

    def _on_connect(self, client, userdata, flags, reason_code, properties):
        if reason_code.is_failure:
            log.warning("MQTT: broker refused the agent: %s", reason_code)
            self.unreachable.set()
            return
        self.unreachable.clear()
        client.subscribe([(self.topic("cmd"), 1), (programme_topic(self.station), 1)])
        # Published after SUBSCRIBE on the same connection: by the time the server sees "online" and
        # re-sends pending commands, the broker has the subscription.
        client.publish(
            self.topic("state"),
            self._signed(
                {
                    "online": True,
                    "boot_id": self.boot_id,
                    "version": AGENT_VERSION,
                    "booted_at": booted_at(),
                    "at": datetime.now(UTC).isoformat(),
                }
            ),
            qos=1,
            retain=True,
        )

    def _on_subscribe(self, client, userdata, mid, reason_codes, properties):
        self.connected.set()

    def heartbeat(self, status: dict):
        return self.client.publish(self.topic("heartbeat"), self._signed(status), qos=0)

    def _signed(self, body: dict) -> bytes:
        return dumps(sign(body, self.key, self.now()))

    def _on_message(self, client, userdata, message):
        body = parse_payload(message.payload)
        if body is None:
            self.ignored += 1
            log.warning("MQTT: malformed message on %s ignored", message.topic)
            return
        try:
            if message.topic == programme_topic(self.station):
                self.on_programme(body)
            elif message.topic == self.topic("cmd"):
                self._command(body)
            else:
                self.ignored += 1
        except Exception:  # a bad command must never stop the network loop
            log.exception("MQTT: message on %s not handled", message.topic)

    def _command(self, body: dict) -> None:
        if not verify(body, self.key, self.now(), max_age_s=COMMAND_MAX_AGE_S):
            self.ignored += 1
            log.warning("MQTT: command without a valid, recent signature ignored")
            return
        cmd_id = body.get("id")
        if isinstance(cmd_id, bool) or not isinstance(cmd_id, int) or not isinstance(body.get("action"), str):
            self.ignored += 1
            log.warning("MQTT: command without id or action ignored")
            return
        with self._lock:
            known = cmd_id in self.done
            if not known:
                self.done[cmd_id] = None  # taken: a second delivery while it runs is not run again
                while len(self.done) > DONE_IDS_KEPT:
                    self.done.pop(next(iter(self.done)))
        if known:
            if self.done.get(cmd_id) is not None:
                self._ack(cmd_id, *self.done[cmd_id])
            return
        # Off the network thread: an emergency may first download its audio.
        self._worker.submit(self._run, cmd_id, body)

    def _run(self, cmd_id: int, body: dict) -> None:
        try:
            outcome = self.on_command(body)
        except Exception as exc:
            log.exception("command %s failed", cmd_id)
            outcome = (False, f"Lỗi khi thực hiện lệnh: {exc.__class__.__name__}")
        self.done[cmd_id] = outcome
        self._ack(cmd_id, *outcome)

    def _ack(self, cmd_id: int, ok: bool, result: str | None) -> None:
        self.client.publish(self.topic("ack"), self._signed({"id": cmd_id, "ok": ok, "result": result}), qos=1)
