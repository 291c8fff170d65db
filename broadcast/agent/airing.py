"""The agent airs: its station's sessions from the kept manifest and the local media, on its own clock
(corrected by the offset measured against the server), through the playout core's ``Player`` on the
agent's sink, whether or not the server or the broker can be reached.

The claims and as-run rows live in the agent's local store (``store.py``, the project's schema on a local
SQLite): a session is claimed once (``sched:1:DATE:SESSION``) before its first sound, so a restart does not
air it again; a run a SIGKILL left ``running`` is closed by the playout's recovery and resumed by seek
(``resume``). Every finished row is copied into the outbox, which delivers it (``store.export``).

Times: the Player works on the agent's own clock. Sessions are placed on it by subtracting the clock
offset (server minus agent), and rows go to the outbox with the offset added back, so the server sees
its own time.
"""

from __future__ import annotations

import array
import logging
import threading
from datetime import date, datetime, timedelta

from sqlalchemy import select

from ..domain.models import AsRun, PlayoutRun, Setting
from ..domain.types import utcnow
from ..errors import BroadcastError
from ..network.clusters import device_hears
from ..playout import recovery
from ..playout.asrun import AsRunLog, existing_rows, run_update
from ..playout.channels import Channel, EmergencyRequest
from ..playout.claims import claim_key, claim_run, reclaim_run
from ..playout.config import PlayoutConfig
from ..playout.items import Item, probe_ms, total_ms
from ..playout.lease import process_holder
from ..playout.player import Player
from ..playout.sinks import Sink, SinkError, open_sink
from ..playout.writer import LogWriter
from .store import STATION_ID, export, open_store

log = logging.getLogger(__name__)
SINCE_KEY = "agent.airing_since"


class VolumeSink(Sink):
    """The agent's sink with its volume applied (the playout sinks have none): int16 samples scaled."""

    def __init__(self, inner: Sink, level):
        super().__init__(inner.spec)
        self.inner, self.level, self.lead_s = inner, level, inner.lead_s

    @property
    def label(self) -> str:
        return self.inner.label

    def open(self, *, title: str = "") -> None:
        self.inner.open(title=title)
        self.is_open = True

    def write(self, pcm: bytes) -> bool:
        level = self.level()
        if level < 100:
            factor = max(0, level) / 100
            samples = array.array("h", pcm[: len(pcm) - len(pcm) % 2])
            pcm = array.array("h", (int(s * factor) for s in samples)).tobytes()
        return self.inner.write(pcm)

    def close(self) -> None:
        self.is_open = False
        self.inner.close()

    def take_errors(self) -> list[str]:
        return self.inner.take_errors()


def session_items(entry: dict, media, clusters: list[str]) -> tuple[list[Item], list[tuple[Item, str]]]:
    """(items to air with their offsets, (item, reason) for items meant for other clusters). An item
    whose audio is not here (or fails its hash) keeps no path: the Player logs it skipped, never airs it."""
    items, skipped, offset = [], [], 0
    for raw in sorted(entry.get("items") or [], key=lambda i: i.get("position", 0)):
        path = media.verified(raw["sha256"]) if raw.get("sha256") else None
        duration = raw.get("duration_ms") or probe_ms(str(path) if path else None)
        item = Item(
            position=raw.get("position", 0),
            title=raw.get("title") or "",
            duration_ms=duration,
            audio_path=str(path) if path else None,
            item_id=raw.get("position", 0),
            kind=raw.get("kind") or "asset",
            bulletin_id=raw.get("bulletin_id"),
            category_code=raw.get("category"),
            clusters=[str(c) for c in raw.get("clusters") or []] or None,
            relay=raw["relay"] if isinstance(raw.get("relay"), dict) and raw["relay"].get("url") else None,
        )
        if not device_hears(clusters, item.clusters):
            why = f"Mục dành cho cụm {', '.join(item.clusters)}, thiết bị phục vụ {', '.join(clusters)}."
            skipped.append((item, why))
            continue
        item.offset_ms = offset
        items.append(item)
        offset += duration
    return items, skipped


def _when(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


class AgentPlayout:
    """One agent's airing: a channel (one airing at a time), the local store, the as-run writer."""

    def __init__(self, agent, config: PlayoutConfig | None = None):
        self.agent = agent
        manifest = agent.manifest or {}
        self.runtime, self.store_id = open_store(agent.config.data_dir, manifest.get("timezone"))
        self.config = config or PlayoutConfig(**agent.config.playout)
        self.code = manifest.get("station") or "AGENT"  # a label in logs only
        self.holder = process_holder()
        self.writer = LogWriter(self.runtime, name="agent-asrun")
        self.channel = Channel(STATION_ID, self.code)
        self.done_keys: set[str] = set()
        self._lock = threading.Lock()  # export: one at a time
        self.since = self._since()
        # Runs a killed process left running: closed interrupted now, resumed by seek on the next tick.
        self.crashed = recovery.recover(self.runtime, stale_s=0, me=self.holder)

    def _since(self) -> datetime:
        """When this store began airing: sessions before it were not this device's to miss."""
        with self.runtime.unit() as session:
            row = session.get(Setting, SINCE_KEY)
            if row is None:
                row = Setting(key=SINCE_KEY, value=utcnow().isoformat())
                session.add(row)
            return datetime.fromisoformat(row.value)

    @property
    def device(self) -> str:
        """The device's code, from the latest manifest (the uid's prefix, the rows' ``device``)."""
        return (self.agent.manifest or {}).get("device") or "AGENT"

    # -- clock
    def shift(self) -> timedelta:
        return timedelta(seconds=self.agent.clock_offset_s)

    def export(self) -> int:
        with self._lock:
            count = export(self.runtime, self.store_id, self.device, self.agent.record, self.shift())
        return count

    # -- the loop's step
    def tick(self, manifest: dict) -> None:
        self.export()
        if self.crashed:
            self.resume(manifest)
        if self.channel.active:
            return
        now = utcnow()
        for entry in sorted(manifest.get("sessions") or [], key=lambda s: s["starts_at"]):
            start = _when(entry["starts_at"]) - self.shift()  # on our clock
            late_s = (now - start).total_seconds()
            key = claim_key("scheduled", STATION_ID, entry["date"], entry["session"])
            if late_s < -self.config.preroll_s or key in self.done_keys:
                continue
            if late_s > self.config.grace_s:
                self.done_keys.add(key)
                if start >= self.since:
                    self._missed(entry, key, start, manifest, late_s)
                continue
            if not self.channel.acquire(0):
                return
            run_id = self._claim(entry, key, "scheduled", start)
            self.done_keys.add(key)
            if run_id is None:
                self.release()
                continue
            late_ms = int((utcnow() - start).total_seconds() * 1000)
            self.spawn(
                run_id,
                entry,
                manifest,
                start,
                join_ms=late_ms if late_ms >= 1000 else 0,
                start_at=start if late_ms < 0 else None,
                fresh=True,
            )
            return

    def _claim(
        self, entry: dict, key: str, kind: str, start: datetime, status: str = "running", note: str | None = None
    ) -> int | None:
        return claim_run(
            self.runtime,
            station_id=STATION_ID,
            claim_key=key,
            kind=kind,
            air_date=date.fromisoformat(entry["date"]),
            session_code=entry["session"],
            programme_id=None,
            scheduled_start=start,
            holder=self.holder,
            sink=self.agent.config.sink[:200],
            status=status,
            note=note,
        )

    def _missed(self, entry: dict, key: str, start: datetime, manifest: dict, late_s: float) -> None:
        why = (
            f"Lỡ giờ phát: thiết bị không chạy lúc đến giờ (trễ {late_s:.0f} giây, quá {self.config.grace_s:.0f} giây)."
        )
        run_id = self._claim(entry, key, "scheduled", start, status="missed", note=why)
        if run_id is None:
            return
        player_log = AsRunLog(self.writer, STATION_ID, self.agent.config.sink)  # nothing was opened
        items, other_clusters = session_items(entry, self.agent.media, manifest.get("clusters") or [])
        # Items meant for other clusters were never this device's to air: skipped with their reason, as when
        # the session airs, not missed (and not dropped either).
        rows = [(i, "missed", why) for i in items] + [(i, "skipped", r) for i, r in other_clusters]
        for item, status, note in sorted(rows, key=lambda row: row[0].position):
            values = player_log.row_values(
                item,
                run_id=run_id,
                programme_id=None,
                session_code=entry["session"],
                air_date=date.fromisoformat(entry["date"]),
                scheduled=start + timedelta(milliseconds=item.offset_ms) if status == "missed" else None,
            )
            player_log.final(values, status=status, start=utcnow(), note=note)
        self.writer.flush(30)
        self.export()

    def resume(self, manifest: dict) -> None:
        """Rejoin, by seek, the runs a killed process left airing, if their programme is not over."""
        crashed, self.crashed = self.crashed, []
        for run_id in crashed:
            with self.runtime.unit() as session:
                run = session.get(PlayoutRun, run_id)
                session.expunge(run)
            entry = next(
                (
                    s
                    for s in manifest.get("sessions") or []
                    if s["date"] == run.air_date.isoformat() and s["session"] == run.session_code
                ),
                None,
            )
            start = run.scheduled_start
            if run.kind not in ("scheduled", "manual") or entry is None or start is None:
                continue
            items, _ = session_items(entry, self.agent.media, manifest.get("clusters") or [])
            join_ms = int((utcnow() - start).total_seconds() * 1000)
            if not 0 <= join_ms < total_ms(items) or not self.channel.acquire(0):
                continue
            if not reclaim_run(self.runtime, run_id, self.holder):
                self.release()
                continue
            log.warning(
                "resuming %s %s after a restart, joining at %.1f s", run.air_date, run.session_code, join_ms / 1000
            )
            self.spawn(run_id, entry, manifest, start, join_ms=join_ms, start_at=None, fresh=False)

    # -- airing
    def spawn(
        self,
        run_id: int,
        entry: dict,
        manifest: dict,
        start: datetime,
        *,
        join_ms: int,
        start_at: datetime | None,
        fresh: bool,
    ) -> threading.Thread:
        """Air a claimed run in its own thread on the channel the caller holds (released at the end)."""

        def go():
            try:
                self.air(run_id, entry, manifest, start, join_ms=join_ms, start_at=start_at, fresh=fresh)
            except Exception:
                log.exception("airing run %s failed", run_id)
                run_update(self.writer, run_id, status="failed", ended_at=utcnow())
            finally:
                # rows into the outbox before the channel frees: "idle" then means "all recorded"
                try:
                    self.writer.flush(30)
                    self.export()
                finally:
                    self.release()

        thread = threading.Thread(target=go, name=f"agent-air-{run_id}", daemon=True)
        thread.start()
        return thread

    def open_sink(self, title: str) -> Sink:
        sink = VolumeSink(open_sink(self.agent.config.sink), lambda: self.agent.volume)
        sink.open(title=title)
        return sink

    def air(
        self,
        run_id: int,
        entry: dict,
        manifest: dict,
        start: datetime,
        *,
        join_ms: int,
        start_at: datetime | None,
        fresh: bool,
    ) -> str:
        items, skipped = session_items(entry, self.agent.media, manifest.get("clusters") or [])
        try:
            sink = self.open_sink(f"{self.code} {entry['session']}")
        except (BroadcastError, SinkError) as exc:
            reason = getattr(exc, "message", None) or str(exc)
            run_update(self.writer, run_id, status="failed", ended_at=utcnow(), last_error=reason[:2000])
            skipped = [(item, f"Không mở được đầu ra âm thanh: {reason}") for item in items] + skipped
            items = []
        player = Player(
            self.runtime,
            {"id": STATION_ID, "code": self.code},
            sink if items else open_sink("null"),
            config=self.config,
            writer=self.writer,
            control=self.channel.control,
            holder=self.holder,
        )
        self.channel.player, self.channel.run_id = player, run_id
        air_date = date.fromisoformat(entry["date"])
        try:
            if fresh:  # a resumed run logged these already
                for item, reason in skipped:
                    values = player.log.row_values(
                        item,
                        run_id=run_id,
                        programme_id=None,
                        scheduled=None,
                        session_code=entry["session"],
                        air_date=air_date,
                    )
                    player.log.final(values, status="skipped", start=utcnow(), note=reason)
            if not items:
                return "failed"
            with self.runtime.unit() as session:
                already = existing_rows(session, run_id)
            final = player.air_items(
                items,
                run_id=run_id,
                programme_id=None,
                session_code=entry["session"],
                air_date=air_date,
                scheduled_start=start,
                join_ms=join_ms,
                start_at=start_at,
                already_logged=already,
            )
            player.log.run_update(run_id, status=final, ended_at=utcnow(), position=None)
            return final
        finally:
            if items:
                sink.close()
            player.close()

    def release(self) -> None:
        """Free the channel; an emergency that arrived as the airing ended airs first."""
        while (leftover := self.channel.release_or_take_emergency()) is not None:
            self.air_emergency_alone(leftover)

    def air_emergency_alone(self, request: EmergencyRequest) -> None:
        try:
            sink = self.open_sink(f"{self.code} khẩn cấp")
        except (BroadcastError, SinkError) as exc:
            run_update(
                self.writer,
                request.run_id,
                status="failed",
                ended_at=utcnow(),
                last_error=(getattr(exc, "message", None) or str(exc))[:2000],
            )
            request.done.set()
            return
        player = Player(
            self.runtime,
            {"id": STATION_ID, "code": self.code},
            sink,
            config=self.config,
            writer=self.writer,
            control=self.channel.control,
            holder=self.holder,
        )
        self.channel.player = player
        try:
            player.air_emergency(request)
        finally:
            sink.close()
            player.close()
            self.writer.flush(30)
            self.export()

    def now_playing(self) -> str | None:
        player = self.channel.player
        current = player.current if player is not None else None
        return current["title"] if current else None

    def aired_rows(self) -> list[AsRun]:
        """Every local row, oldest first (tests and inspection)."""
        with self.runtime.unit() as session:
            rows = session.scalars(select(AsRun).order_by(AsRun.id)).all()
            session.expunge_all()
            return rows

    def close(self, timeout: float = 10) -> None:
        """Stop what airs (its rows closed ``interrupted``), write and export every row."""
        import time

        self.channel.control.stop.set()
        self.channel.wait_idle(time.monotonic() + timeout)
        self.writer.close()
        self.export()
        self.runtime.engine.dispose()

    # -- commands (acknowledged with the returned sentence)
    def play_now(self, manifest: dict, command: dict) -> tuple[bool, str | None]:
        args = command.get("args") or {}
        code, day = args.get("session"), args.get("date")
        entries = [
            s for s in manifest.get("sessions") or [] if s["session"] == code and (day is None or s["date"] == day)
        ]
        if not entries:
            return False, f"Thiết bị không có chương trình buổi {code or '?'}{f' ngày {day}' if day else ''}."
        entry = min(entries, key=lambda s: s["date"])  # the nearest day when none is named
        if not self.channel.acquire(0):
            return False, "Thiết bị đang phát; hãy dừng buổi đang phát trước."
        now = utcnow()
        run_id = self._claim(
            entry,
            claim_key("manual", STATION_ID, f"cmd{command.get('id')}"),
            "manual",
            now,
            note="Phát ngay theo lệnh cán bộ đài.",
        )
        if run_id is None:
            self.release()
            return True, "Lệnh phát này đã được thực hiện."
        self.spawn(run_id, entry, manifest, now, join_ms=0, start_at=None, fresh=True)
        return True, f"Đang phát buổi {code} ngày {entry['date']}."

    def control(self, action: str) -> tuple[bool, str | None]:
        with self.channel.cond:
            if not self.channel.active:
                return False, "Thiết bị không có buổi phát nào đang chạy."
            (self.channel.control.stop if action == "stop" else self.channel.control.skip).set()
        return True, "Đã dừng buổi phát." if action == "stop" else "Đã bỏ qua mục đang phát."

    def emergency(self, command: dict, path) -> tuple[bool, str | None]:
        """Break in with the bulletin's audio (as the server's emergency path: cut, air, resume per config),
        or air it alone when nothing airs. Claimed per command, so a re-sent command airs once."""
        args = command.get("args") or {}
        bulletin_id = args.get("bulletin_id") if isinstance(args.get("bulletin_id"), int) else None
        now = utcnow()
        run_id = claim_run(
            self.runtime,
            station_id=STATION_ID,
            kind="emergency",
            bulletin_id=bulletin_id,
            claim_key=claim_key("emergency", bulletin_id, STATION_ID, f"cmd{command.get('id')}"),
            air_date=now.astimezone(self.runtime.settings.tz).date(),
            session_code=None,
            programme_id=None,
            scheduled_start=now,
            holder=self.holder,
            sink=None,
            status="pending",
        )
        if run_id is None:
            return True, "Tin khẩn này đã được phát."
        item = Item(
            position=0,
            title=str(args.get("title") or "Tin khẩn cấp")[:300],
            audio_path=str(path),
            duration_ms=probe_ms(str(path)),
            kind="emergency",
            bulletin_id=bulletin_id,
        )
        request = EmergencyRequest(
            run_id=run_id,
            items=[item],
            break_mode=self.config.emergency_break,
            after=self.config.emergency_after,
            bulletin_id=bulletin_id,
        )
        if self.channel.queue_emergency(request):
            return True, "Đang chen ngang buổi phát để phát tin khẩn."

        def alone():
            try:
                self.air_emergency_alone(request)
            finally:
                self.release()

        threading.Thread(target=alone, name=f"agent-emergency-{run_id}", daemon=True).start()
        return True, "Đang phát tin khẩn."
