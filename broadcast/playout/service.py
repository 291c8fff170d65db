"""The playout service: ``start_scheduler(runtime)`` returns it running; ``.shutdown()`` stops it.

One per database (the lease).  On start it closes what a crashed process left
airing, resumes runs interrupted within the grace period, derives the jobs
and starts APScheduler's ``BackgroundScheduler`` on a SQLAlchemy job store in
the project's database.  A control thread renews the lease, re-derives jobs
when sessions or programmes change, carries out operator commands
(``playout_commands``) and dispatches emergencies.
"""

from __future__ import annotations

import logging
import threading
import time
from datetime import date, datetime, timedelta

from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers.background import BackgroundScheduler
from sqlalchemy import select, update

from ..domain.models import AsRun, PlayoutCommand, PlayoutRun, Programme, Station
from ..domain.types import utcnow
from ..errors import BroadcastError
from . import emergency, lease, recovery
from .config import PlayoutConfig
from .player import (Control, EmergencyRequest, Player, air_run, claim_run, load_programme, programme_items,
                     reclaim_run)
from .scheduler import build_programme, claim_key, derive_jobs, fingerprint, set_service
from .sinks import SinkError, is_live, open_sink
from .writer import LogWriter

log = logging.getLogger("broadcast.playout")


class Channel:
    """One station's output: at most one airing at a time."""

    def __init__(self, station_id: int, code: str):
        self.station_id = station_id
        self.code = code
        self.cond = threading.Condition()
        self.active = False
        self.control = Control()
        self.player: Player | None = None
        self.run_id: int | None = None

    def acquire(self, timeout: float) -> bool:
        deadline = time.monotonic() + max(0.0, timeout)
        with self.cond:
            while self.active:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return False
                self.cond.wait(remaining)
            self.active = True
            self.control.stop.clear()
            self.control.skip.clear()
            return True


class PlayoutService:
    def __init__(self, runtime, config: PlayoutConfig | None = None, *, holder: str | None = None, clock=utcnow):
        self.runtime = runtime
        self.config = config or PlayoutConfig.load(runtime)
        self.holder = holder or lease.process_holder()
        self.clock = clock
        self.channels: dict[int, Channel] = {}
        self._channels_lock = threading.Lock()
        self.writer = LogWriter(runtime, name="asrun-writer")
        self.scheduler: BackgroundScheduler | None = None
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        self._fingerprint = None
        self.lost_lease = False
        self.started = False

    # ------------------------------------------------------------ lifecycle
    def start(self) -> "PlayoutService":
        cfg = self.config
        lease.acquire(self.runtime, self.holder, cfg.lease_ttl_s)
        try:
            recovery.recover(self.runtime, stale_s=cfg.stale_s, me=self.holder)
            set_service(self)
            self.scheduler = BackgroundScheduler(
                jobstores={"default": SQLAlchemyJobStore(engine=self.runtime.engine, tablename="apscheduler_jobs")},
                executors={"default": ThreadPoolExecutor(max_workers=32)},
                job_defaults={"coalesce": True, "misfire_grace_time": None, "max_instances": 1},
                timezone=self.runtime.settings.tz,
            )
            self.scheduler.start()
            self.derive(force=True)
            for run_id, _join in recovery.resumable_runs(self.runtime, grace_s=cfg.grace_s, now=self.clock()):
                self._spawn(self.resume_run, run_id, name=f"resume-{run_id}")
            control = threading.Thread(target=self._control_loop, name="playout-control", daemon=True)
            control.start()
            self._threads.append(control)
            self.started = True
            log.info("playout scheduler started (%s)", self.holder)
        except BaseException:
            self._teardown()
            raise
        return self

    def shutdown(self, wait: bool = True, timeout: float = 30) -> None:
        """Stop everything airing (rows closed ``interrupted``), stop the scheduler, release the lease."""
        if self._stop.is_set():
            return
        self._stop.set()
        for channel in list(self.channels.values()):
            channel.control.stop.set()
        if wait:
            deadline = time.monotonic() + timeout
            for channel in list(self.channels.values()):
                with channel.cond:
                    while channel.active and time.monotonic() < deadline:
                        channel.cond.wait(0.1)
        self._teardown()

    def _teardown(self) -> None:
        self._stop.set()
        if self.scheduler is not None and self.scheduler.running:
            self.scheduler.shutdown(wait=False)
        for thread in self._threads:
            thread.join(timeout=5)
        self.writer.close()
        try:
            lease.release(self.runtime, self.holder)
        except Exception:  # the lease expires by itself
            log.warning("could not release the scheduler lease")
        set_service(None)

    def _spawn(self, fn, *args, name: str) -> threading.Thread:
        thread = threading.Thread(target=self._guard, args=(fn, *args), name=name, daemon=True)
        thread.start()
        return thread

    @staticmethod
    def _guard(fn, *args):
        try:
            fn(*args)
        except BroadcastError as exc:
            log.error("%s", exc.message)
        except Exception:
            log.exception("playout task failed")

    # ------------------------------------------------------------ control loop
    def _control_loop(self) -> None:
        cfg = self.config
        last_renew = last_derive = last_recover = time.monotonic()
        while not self._stop.wait(cfg.poll_s):
            now = time.monotonic()
            try:
                if now - last_renew >= cfg.lease_renew_s:
                    last_renew = now
                    if not lease.renew(self.runtime, self.holder, cfg.lease_ttl_s):
                        log.error("the scheduler lease was taken by another process: this scheduler stops")
                        self.lost_lease = True
                        if self.scheduler is not None:
                            self.scheduler.pause()
                        continue
                if self.lost_lease:
                    continue
                self.process_commands()
                emergency.poll(self)
                if now - last_derive >= cfg.derive_s:
                    last_derive = now
                    self.derive()
                if now - last_recover >= max(cfg.stale_s, 5):
                    last_recover = now
                    recovery.recover(self.runtime, stale_s=cfg.stale_s, me=self.holder)
            except Exception:  # a database hiccup: next round
                log.exception("playout control loop")

    def expire_bulletins(self) -> int:
        """Once per local day: approved bulletins whose airing window has ended become ``expired``."""
        today = self.clock().astimezone(self.runtime.settings.tz).date()
        if getattr(self, "_expired_on", None) == today:
            return 0
        from ..bulletins.workflow import expire_overdue

        with self.runtime.unit() as session:
            expired = expire_overdue(session, today)
        self._expired_on = today
        if expired:
            log.info("%d bulletins expired (airing window ended)", len(expired))
        return len(expired)

    def derive(self, force: bool = False) -> dict | None:
        try:
            self.expire_bulletins()
        except Exception:  # housekeeping must never stop the jobs from being derived
            log.exception("expiring bulletins")
        with self.runtime.unit() as session:
            fp = fingerprint(session, self.clock().astimezone(self.runtime.settings.tz).date())
        if not force and fp == self._fingerprint:
            return None
        self._fingerprint = fp
        result = derive_jobs(self.scheduler, self.runtime, self.config, now=self.clock())
        log.info("playout jobs derived: %s", result)
        return result

    # ------------------------------------------------------------ channels
    def channel(self, station) -> Channel:
        with self._channels_lock:
            channel = self.channels.get(station.id)
            if channel is None:
                channel = self.channels[station.id] = Channel(station.id, station.code)
            return channel

    def _release(self, channel: Channel) -> None:
        while True:
            with channel.cond:
                leftover = channel.control.take_emergency()
                if leftover is None:
                    channel.active = False
                    channel.player = None
                    channel.run_id = None
                    channel.cond.notify_all()
                    return
            self._air_emergency_alone(channel, leftover)

    def _air(self, channel: Channel, station_sink: str, run_id: int, *, join_ms: int = 0,
             start_at: datetime | None = None) -> str:
        """Air a claimed run on a channel this thread holds."""
        channel.run_id = run_id
        try:
            sink = open_sink(station_sink)
        except BroadcastError as exc:
            self._close_run(run_id, "failed", exc.message)
            return "failed"
        try:
            result = air_run(self.runtime, run_id, sink=sink, config=self.config, writer=self.writer,
                             control=channel.control, holder=self.holder, join_ms=join_ms, start_at=start_at,
                             on_player=lambda p: setattr(channel, "player", p))
            return result.status
        except SinkError as exc:
            self._close_run(run_id, "failed", str(exc))
            return "failed"
        finally:
            sink.close()

    def _close_run(self, run_id: int, status: str, error: str | None = None) -> None:
        def op(session, ids):
            session.execute(update(PlayoutRun).where(PlayoutRun.id == run_id).values(
                status=status, ended_at=utcnow(), last_error=error[:2000] if error else None))

        self.writer.submit(op)
        self.writer.flush(30)

    # ------------------------------------------------------------ sessions
    def prerender(self, station_code: str, on_date: date, session_code: str) -> None:
        with self.runtime.unit() as session:
            if load_programme(session, station_code, on_date, session_code) is not None:
                return
        build_programme(self.runtime, station_code, on_date, session_code)

    def fire_session(self, station_code: str, on_date: date, session_code: str, start: datetime) -> str:
        """The session job: start on time, join late within grace, else log missed. Returns what happened."""
        cfg = self.config
        with self.runtime.unit() as session:
            station = session.scalar(select(Station).where(Station.code == station_code))
            if station is None or not station.enabled or not is_live(station.sink):
                return "no-station"
            programme = load_programme(session, station_code, on_date, session_code)
            session.expunge_all()
        if programme is None and build_programme(self.runtime, station_code, on_date, session_code):
            with self.runtime.unit() as session:
                programme = load_programme(session, station_code, on_date, session_code)
                session.expunge_all()
        if programme is not None:
            start = programme.starts_at
        key = claim_key(station.id, on_date, session_code)
        common = dict(station_id=station.id, claim_key=key, kind="scheduled", air_date=on_date,
                      session_code=session_code, programme_id=programme.id if programme else None,
                      scheduled_start=start, holder=self.holder, sink=station.sink[:200])
        lateness_s = (self.clock() - start).total_seconds()
        if lateness_s > cfg.grace_s:
            return self._log_missed(station, programme, common, lateness_s)
        if programme is None:
            run_id = claim_run(self.runtime, status="failed",
                               note="Chưa có chương trình cho buổi phát này lúc đến giờ phát.", **common)
            if run_id is not None:
                self._session_row(station, common, run_id, "failed",
                                  "Không phát: chưa có chương trình cho buổi này.")
            return "no-programme"
        channel = self.channel(station)
        if not channel.acquire(timeout=cfg.grace_s - lateness_s):
            return self._log_missed(station, programme, common, (self.clock() - start).total_seconds(),
                                    reason="đài đang bận phát buổi khác suốt thời gian cho phép")
        try:
            run_id = claim_run(self.runtime, **common)
            if run_id is None:
                log.warning("%s %s %s already claimed: not airing twice", station_code, on_date, session_code)
                return "already-aired"
            late_ms = int((self.clock() - start).total_seconds() * 1000)
            join_ms = late_ms if late_ms >= 1000 else 0
            start_at = start if late_ms < 0 else None
            return self._air(channel, station.sink, run_id, join_ms=join_ms, start_at=start_at)
        finally:
            self._release(channel)

    def _session_row(self, station, common: dict, run_id: int, status: str, note: str) -> None:
        def op(session, ids):
            session.add(AsRun(station_id=station.id, run_id=run_id, programme_id=common["programme_id"],
                              session_code=common["session_code"], air_date=common["air_date"], kind="session",
                              title=f"Buổi phát {common['session_code']}", scheduled_start=common["scheduled_start"],
                              actual_start=utcnow(), actual_end=utcnow(), aired_ms=0, status=status,
                              sink=station.sink[:200], note=note, source="playout"))

        self.writer.submit(op)
        self.writer.flush(30)

    def _log_missed(self, station, programme, common: dict, lateness_s: float, reason: str | None = None) -> str:
        why = reason or f"bộ lập lịch không chạy đúng giờ (trễ {lateness_s:.0f} giây, quá thời gian cho phép " \
                        f"{self.config.grace_s:.0f} giây)"
        run_id = claim_run(self.runtime, status="missed", note=f"Lỡ giờ phát: {why}.", **common)
        if run_id is None:
            return "already-aired"
        if programme is None:
            self._session_row(station, common, run_id, "missed", f"Lỡ giờ phát: {why}.")
            return "missed"
        with self.runtime.unit() as session:
            items = programme_items(session, session.get(Programme, programme.id))
        player = Player(self.runtime, {"id": station.id, "code": station.code}, open_sink("null"),
                        config=self.config, writer=self.writer)
        for item in items:
            scheduled = common["scheduled_start"] + timedelta(milliseconds=item.offset_ms)
            values = player._row_values(item, run_id=run_id, programme_id=programme.id,
                                        session_code=common["session_code"], air_date=common["air_date"],
                                        scheduled=scheduled)
            values["sink"] = station.sink[:200]
            player._log_final(values, status="missed", start=utcnow(), note=f"Lỡ giờ phát: {why}.")
        self.writer.flush(30)
        log.warning("%s %s %s missed: %s", station.code, common["air_date"], common["session_code"], why)
        return "missed"

    def resume_run(self, run_id: int) -> str:
        """Resume a run a crash interrupted, joining where the programme would be now."""
        with self.runtime.unit() as session:
            run = session.get(PlayoutRun, run_id)
            station = session.get(Station, run.station_id)
            session.expunge_all()
        channel = self.channel(station)
        if not channel.acquire(timeout=self.config.grace_s):
            return "busy"
        try:
            if not reclaim_run(self.runtime, run_id, self.holder):
                return "taken"
            start = run.scheduled_start or run.started_at
            join_ms = max(0, int((self.clock() - start).total_seconds() * 1000))
            log.warning("resuming run %s on %s, joining at %.1f s", run_id, station.code, join_ms / 1000)
            return self._air(channel, station.sink, run_id, join_ms=join_ms)
        finally:
            self._release(channel)

    def play_now(self, station_id: int, on_date: date, session_code: str, *, command_id: int | None = None) -> int:
        """Operator's "play now": claims a manual run and airs it in a thread; returns the run id."""
        with self.runtime.unit() as session:
            station = session.get(Station, station_id)
            programme = load_programme(session, station.code, on_date, session_code)
            session.expunge_all()
        if programme is None:
            raise BroadcastError(f"Chưa có chương trình {session_code} ngày {on_date:%d/%m/%Y} của đài {station.code}.")
        if not is_live(station.sink):
            raise BroadcastError(f"Đài {station.code} nhận chương trình bằng tệp xuất, không phát trực tiếp được.")
        channel = self.channel(station)
        if not channel.acquire(timeout=0):
            raise BroadcastError(f"Đài {station.code} đang phát; hãy dừng buổi đang phát trước.")
        try:
            now = utcnow()
            run_id = claim_run(self.runtime, station_id=station.id, kind="manual", air_date=on_date,
                               claim_key=f"manual:{station.id}:{command_id or now.timestamp()}",
                               session_code=session_code, programme_id=programme.id, scheduled_start=now,
                               holder=self.holder, sink=station.sink[:200], note="Phát ngay theo lệnh cán bộ đài.")
        except BaseException:
            self._release(channel)
            raise
        if run_id is None:
            self._release(channel)
            raise BroadcastError("Lệnh phát này đã được thực hiện.")

        def go():
            try:
                self._air(channel, station.sink, run_id)
            finally:
                self._release(channel)

        self._spawn(go, name=f"play-{run_id}")
        return run_id

    # ------------------------------------------------------------ emergencies
    def dispatch_emergency(self, station, request: EmergencyRequest) -> None:
        channel = self.channel(station)
        with channel.cond:
            if channel.active:
                channel.control.request_emergency(request)
                return
            channel.active = True  # reserved for the emergency
        self._spawn(self._emergency_then_release, channel, request, name=f"emergency-{request.run_id}")

    def _emergency_then_release(self, channel: Channel, request: EmergencyRequest) -> None:
        try:
            self._air_emergency_alone(channel, request)
        finally:
            self._release(channel)

    def _air_emergency_alone(self, channel: Channel, request: EmergencyRequest) -> None:
        with self.runtime.unit() as session:
            station = session.get(Station, channel.station_id)
            spec = station.sink
        try:
            sink = open_sink(spec)
            sink.open(title=f"{channel.code} khẩn cấp")
        except (BroadcastError, SinkError) as exc:
            self._close_run(request.run_id, "failed", getattr(exc, "message", str(exc)))
            request.done.set()
            return
        player = Player(self.runtime, {"id": channel.station_id, "code": channel.code}, sink, config=self.config,
                        writer=self.writer, control=channel.control, holder=self.holder)
        channel.player = player
        try:
            player._air_emergency(request)
        finally:
            sink.close()
            player.close()
            self.writer.flush(30)

    # ------------------------------------------------------------ operator commands
    def process_commands(self) -> int:
        now = utcnow()
        with self.runtime.unit() as session:
            pending = session.scalars(select(PlayoutCommand).where(PlayoutCommand.status == "pending")
                                      .order_by(PlayoutCommand.id)).all()
            session.expunge_all()
        for cmd in pending:
            with self.runtime.unit() as session:
                taken = session.execute(update(PlayoutCommand).where(PlayoutCommand.id == cmd.id,
                                                                     PlayoutCommand.status == "pending")
                                        .values(status="taken")).rowcount
            if not taken:
                continue
            if cmd.created_at < now - timedelta(seconds=self.config.command_ttl_s):
                self._finish_command(cmd.id, "expired", "Lệnh quá hạn, không thực hiện.")
                continue
            try:
                result = self._carry_out(cmd)
                self._finish_command(cmd.id, "done", result)
            except BroadcastError as exc:
                self._finish_command(cmd.id, "failed", exc.message)
            except Exception as exc:  # report it to the operator rather than crash the loop
                log.exception("command %s", cmd.id)
                self._finish_command(cmd.id, "failed", f"Lỗi: {exc}")
        return len(pending)

    def _carry_out(self, cmd: PlayoutCommand) -> str:
        with self.runtime.unit() as session:
            station = session.get(Station, cmd.station_id)
            session.expunge(station)
        channel = self.channel(station)
        if cmd.action == "play":
            on_date = cmd.air_date or utcnow().astimezone(self.runtime.settings.tz).date()
            run_id = self.play_now(station.id, on_date, cmd.session_code, command_id=cmd.id)
            return f"Đang phát buổi {cmd.session_code} (lượt phát #{run_id})."
        if cmd.action in ("stop", "skip"):
            with channel.cond:
                if not channel.active:
                    raise BroadcastError(f"Đài {station.code} không có buổi phát nào đang chạy.")
                (channel.control.stop if cmd.action == "stop" else channel.control.skip).set()
            return "Đã dừng buổi phát." if cmd.action == "stop" else "Đã bỏ qua mục đang phát."
        raise BroadcastError(f"Lệnh {cmd.action!r} không hợp lệ.")

    def _finish_command(self, command_id: int, status: str, result: str) -> None:
        with self.runtime.unit() as session:
            session.execute(update(PlayoutCommand).where(PlayoutCommand.id == command_id)
                            .values(status=status, result=result[:2000], done_at=utcnow()))


def start_scheduler(runtime, config: PlayoutConfig | None = None, **overrides) -> PlayoutService:
    """Start the playout scheduler for this database (raises ``LeaseHeld`` if one already runs)."""
    config = config or PlayoutConfig.load(runtime, **overrides)
    return PlayoutService(runtime, config).start()
