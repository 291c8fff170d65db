"""The agent's loops: sync (at start, on a "programme changed" notice, on a timer), outbox delivery with
capped backoff, status (MQTT heartbeat, or HTTP status and command polling without MQTT), and the seam
where airing goes (``air_due``)."""

from __future__ import annotations

import logging
import shutil
import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

from ..network.topics import device_key
from . import AGENT_VERSION
from .client import AgentClient, ServerError
from .live import air_live
from .mqtt import AgentMqtt
from .outbox import Backoff, Outbox
from .sync import MediaStore, load_manifest, sync

log = logging.getLogger(__name__)
THERMAL = Path("/sys/class/thermal/thermal_zone0/temp")
OFFSET_FILE = "clock_offset"


@dataclass
class AgentConfig:
    server: str
    token: str
    data_dir: Path
    mqtt_url: str | None = None
    sink: str = "null"
    days: int = 3
    sync_interval: float = 600.0
    heartbeat_interval: float = 30.0
    delivery_interval: float = 5.0
    playout: dict = field(default_factory=dict)  # PlayoutConfig overrides (grace_s, emergency_break...)


def air_due(agent: Agent) -> None:
    """Air the sessions whose time has come (``airing.AgentPlayout.tick``), from the kept manifest and the
    verified local media, by the agent's corrected clock. Only when ``aired_by`` is ``agent`` (the station's
    output is ``agent``): otherwise the server airs the station and the agent must not. Called by the main
    loop about once a second."""
    manifest = agent.manifest
    if not manifest or manifest.get("aired_by") != "agent":
        return
    playout = agent.player()
    if playout is not None:
        playout.tick(manifest)


def air_emergency(agent: Agent, command: dict, path: Path) -> tuple[bool, str | None]:
    """Break in with ``path`` (already downloaded and verified): ``AgentPlayout.emergency``."""
    playout = agent.player()
    if playout is None:
        return False, "Thiết bị đang dừng, không phát được tin khẩn."
    return playout.emergency(command, path)


def _load_offset(data_dir: Path) -> float:
    try:
        return float((Path(data_dir) / OFFSET_FILE).read_text().strip())
    except (OSError, ValueError):
        return 0.0


def _save_offset(data_dir: Path, offset_s: float) -> None:
    try:
        (Path(data_dir) / OFFSET_FILE).write_text(f"{offset_s:.3f}")
    except OSError:
        log.warning("clock offset not kept on disk")


def _temperature() -> float | None:
    try:
        return int(THERMAL.read_text().strip()) / 1000
    except (OSError, ValueError):
        return None


class Agent:
    def __init__(self, config: AgentConfig):
        self.config = config
        config.data_dir.mkdir(parents=True, exist_ok=True)
        self.client = AgentClient(config.server, config.token)
        self.outbox = Outbox(config.data_dir / "outbox.db")
        self.media = MediaStore(config.data_dir)
        self.manifest = load_manifest(config.data_dir)
        self.last_sync: datetime | None = None
        # server minus local, from the last sync (kept on disk: a restart without the server still airs by it)
        self.clock_offset_s = _load_offset(config.data_dir)
        self.playout = None  # airing.AgentPlayout, made once the station is known (player())
        self._playout_lock = threading.Lock()
        self.volume = 100
        self.now_playing: str | None = None
        self.mqtt: AgentMqtt | None = None
        self.stopping = threading.Event()
        self.resync = threading.Event()
        self.deliver_now = threading.Event()
        self.backoff = Backoff()
        self._threads: list[threading.Thread] = []

    # --- what the loops do, one step each (tests call them directly) ---------------------------

    def sync_once(self) -> bool:
        # Rows marked delivered before the manifest was asked for were committed before the server counted.
        asked_at = datetime.now(UTC).isoformat()
        try:
            result = sync(self.client, self.media, self.config.data_dir, self.config.days)
        except ServerError as exc:
            log.warning("sync failed, working from the local programme: %s", exc)
            return False
        self.manifest = load_manifest(self.config.data_dir)
        self.last_sync = datetime.now(UTC)
        if result.clock_offset_s is not None:
            self.clock_offset_s = result.clock_offset_s
            _save_offset(self.config.data_dir, self.clock_offset_s)
        mark = (self.manifest or {}).get("asrun") or {}
        if isinstance(mark.get("since"), str):
            again = self.outbox.reconcile(mark["since"], mark.get("count"), delivered_before=asked_at)
            if again:
                log.warning("the server lacks %d of our as-run rows (restored from a backup?): sending again", again)
                self.deliver_now.set()
        for line in result.missing:
            log.warning("the server has no audio for %s: that item will not air", line)
        self._start_mqtt()
        return not result.failed

    def server_now(self) -> datetime:
        """The server's time as best known: our clock corrected by the offset measured at the last sync."""
        return datetime.now(UTC) + timedelta(seconds=self.clock_offset_s)

    def deliver_once(self) -> bool:
        """Deliver everything pending; False (rows kept) when the server cannot be reached."""
        try:
            self.outbox.deliver(self.client.deliver)
        except (ServerError, RuntimeError) as exc:
            log.warning("as-run delivery postponed: %s", exc)
            return False
        return True

    def record(self, row: dict) -> str:
        """Keep an as-run row in the outbox (first, always), then wake the delivery loop."""
        uid = self.outbox.add(row)
        self.deliver_now.set()
        return uid

    def status(self) -> dict:
        playing = self.playout.now_playing() if self.playout is not None else None
        return {
            "now_playing": playing or self.now_playing,
            "volume": self.volume,
            "disk_free": shutil.disk_usage(self.config.data_dir).free,
            "last_sync": self.last_sync.isoformat() if self.last_sync else None,
            "clock": datetime.now(UTC).isoformat(),
            "version": AGENT_VERSION,
            "temperature": _temperature(),
            **self.outbox.stats(),
        }

    def report_once(self) -> None:
        if self.mqtt is not None and self.mqtt.connected.is_set():
            self.mqtt.heartbeat(self.status())
            return
        try:  # no broker: HTTP heartbeat and command polling
            if self.client.status(self.status()).get("commands"):
                for cmd in self.client.commands():
                    ok, result = self.run_command(cmd)
                    self.client.ack(cmd["id"], ok, result)
        except ServerError as exc:
            log.warning("status not sent: %s", exc)

    def run_command(self, cmd: dict) -> tuple[bool, str | None]:
        action, args = cmd.get("action"), cmd.get("args") or {}
        if action == "resync":
            self.resync.set()
            return True, None
        if action == "volume" and isinstance(args.get("level"), int) and 0 <= args["level"] <= 100:
            self.volume = args["level"]
            return True, None
        if action == "emergency":
            return self._emergency(cmd)
        if action == "live":
            return self._live(cmd)
        if action in ("play", "stop", "skip"):
            playout = self.player() if self.manifest else None
            if playout is None:
                return False, "Thiết bị chưa có chương trình của đài (chưa đồng bộ lần nào)."
            if self.manifest.get("aired_by") != "agent":
                return False, "Đài này do máy chủ phát, thiết bị không phát."
            return playout.play_now(self.manifest, cmd) if action == "play" else playout.control(action)
        return False, f"Lệnh {action!r} không hợp lệ."

    def player(self):
        """The agent's playout (local store, channel), made on first use (an emergency may come before the
        first sync: it airs all the same)."""
        with self._playout_lock:
            if self.playout is None and not self.stopping.is_set():
                from .airing import AgentPlayout

                self.playout = AgentPlayout(self)
            return self.playout

    def _emergency(self, cmd: dict) -> tuple[bool, str | None]:
        args = cmd.get("args") or {}
        sha, url = args.get("sha256"), args.get("media")
        if not isinstance(sha, str) or not isinstance(url, str):
            return False, "Lệnh phát khẩn thiếu âm thanh (sha256, media)."
        path = self.media.verified(sha)
        if path is None:  # not local yet: fetch it now, verified like any programme audio
            try:
                path = self.media.fetch(self.client, sha, url)
            except ServerError as exc:
                return False, f"Không tải được âm thanh tin khẩn: {exc}"
        return air_emergency(self, cmd, path)

    def _live(self, cmd: dict) -> tuple[bool, str | None]:
        args = cmd.get("args") or {}
        if not isinstance(args.get("live_id"), int) or not isinstance(args.get("audio"), str):
            return False, "Lệnh phát trực tiếp thiếu live_id hoặc địa chỉ âm thanh."
        playout = self.player()
        if playout is None:
            return False, "Thiết bị đang dừng, không phát trực tiếp được."
        chime, sha, url = None, args.get("chime_sha256"), args.get("chime_media")
        if isinstance(sha, str) and isinstance(url, str):
            chime = self.media.verified(sha)
            if chime is None:
                try:
                    chime = self.media.fetch(self.client, sha, url)
                except ServerError:  # the voice goes out without its chime rather than not at all
                    chime = None
        return air_live(playout, self.client, cmd, chime)

    # --- threads -------------------------------------------------------------------------------

    def _start_mqtt(self) -> None:
        if self.mqtt is None and self.config.mqtt_url and self.manifest:
            self.mqtt = AgentMqtt(
                self.config.mqtt_url,
                self.manifest["station"],
                self.manifest["device"],
                key=device_key(self.config.token),
                now=self.server_now,
                on_command=self.run_command,
                on_programme=lambda body: self.resync.set(),
            ).start()

    def _sync_loop(self) -> None:
        while not self.stopping.is_set():
            self.sync_once()
            self.resync.wait(self.config.sync_interval)
            self.resync.clear()

    def _delivery_loop(self) -> None:
        while not self.stopping.is_set():
            if self.deliver_once():
                self.backoff.succeeded()
                self.deliver_now.wait(self.config.delivery_interval)  # a new row wakes it early
                self.deliver_now.clear()
            else:  # backing off: new rows wait for the next try (they are safe in the outbox)
                self.stopping.wait(self.backoff.failed())

    def _status_loop(self) -> None:
        while not self.stopping.is_set():
            self.report_once()
            self.stopping.wait(self.config.heartbeat_interval)

    def start(self) -> Agent:
        self._start_mqtt()  # from the local manifest, before the server answers
        for target in (self._sync_loop, self._delivery_loop, self._status_loop):
            thread = threading.Thread(target=target, name=f"agent-{target.__name__}", daemon=True)
            thread.start()
            self._threads.append(thread)
        return self

    def run_forever(self) -> None:
        while not self.stopping.wait(1.0):
            try:
                air_due(self)
            except Exception:  # the agent keeps running (and delivering) whatever one tick met
                log.exception("airing step failed")

    def stop(self) -> None:
        self.stopping.set()
        with self._playout_lock:
            if self.playout is not None:  # what airs is closed interrupted; every row reaches the outbox
                self.playout.close()
        self.resync.set()
        self.deliver_now.set()
        for thread in self._threads:
            thread.join(timeout=5)
        if self.mqtt is not None:
            self.mqtt.stop()
        self.outbox.close()
