"""The playout service: ``start_scheduler(runtime)`` returns it running; ``.shutdown()`` stops it.

One per database (the lease).  On start it closes what a crashed process left
airing, resumes runs interrupted within the grace period, derives the jobs
and starts APScheduler's ``BackgroundScheduler`` on a SQLAlchemy job store in
the project's database.  A control thread renews the lease, re-derives jobs
when sessions or programmes change, carries out operator commands
(``commands``) and dispatches emergencies (``emergency``).  Each session
job (``fire_session``) claims its run (``claims``) and airs it on the
station's channel (``channels``) through the player.
"""

from __future__ import annotations

import logging
import threading
import time
from datetime import date, datetime, timedelta

from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers.background import BackgroundScheduler

from ..bulletins.workflow import expire_overdue
from ..domain.models import PlayoutRun, Programme, Station
from ..domain.types import utcnow
from ..errors import BroadcastError
from ..relay.sources import check_programme_sources
from ..stations import station_by_code
from . import commands, emergency, lease, live, recovery
from .asrun import AsRunLog, run_update
from .channels import Channel
from .claims import claim_key, claim_run, reclaim_run
from .config import PlayoutConfig
from .items import load_programme, programme_items
from .run import air_run
from .scheduler import build_programme, derive_jobs, fingerprint, set_service
from .sinks import SinkError, is_live, open_sink
from .writer import LogWriter

log = logging.getLogger("broadcast.playout")


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
        self._expired_on: date | None = None  # the local day bulletins were last expired
        self.lost_lease = False
        # Emergencies whose audio could not be made for devices: bulletin id -> when to try again.
        self.device_retry: dict[int, datetime] = {}
        self.started = False

    # ------------------------------------------------------------ lifecycle
    def start(self) -> PlayoutService:
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
                self.spawn(self.resume_run, run_id, name=f"resume-{run_id}")
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
                channel.wait_idle(deadline)
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

    def spawn(self, fn, *args, name: str) -> threading.Thread:
        """Run ``fn(*args)`` in a daemon thread that logs, never raises."""
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
                commands.process(self)
                emergency.poll(self)
                live.poll(self)
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
        if self._expired_on == today:
            return 0
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

    def release(self, channel: Channel) -> None:
        """Free the channel; an emergency that arrived as the airing ended airs first."""
        while (leftover := channel.release_or_take_emergency()) is not None:
            emergency.air_alone(self, channel, leftover)

    def _air(
        self, channel: Channel, station_sink: str, run_id: int, *, join_ms: int = 0, start_at: datetime | None = None
    ) -> str:
        """Air a claimed run on a channel this thread holds."""
        channel.run_id = run_id
        try:
            sink = open_sink(station_sink)
        except BroadcastError as exc:
            self.close_run(run_id, "failed", exc.message)
            return "failed"
        try:
            result = air_run(
                self.runtime,
                run_id,
                sink=sink,
                config=self.config,
                writer=self.writer,
                control=channel.control,
                holder=self.holder,
                join_ms=join_ms,
                start_at=start_at,
                on_player=lambda p: setattr(channel, "player", p),
            )
            return result.status
        except SinkError as exc:
            self.close_run(run_id, "failed", str(exc))
            return "failed"
        finally:
            sink.close()

    def close_run(self, run_id: int, status: str, error: str | None = None) -> None:
        """Close a run that could not air (no sink, sink failed), waiting for the row to be written."""
        run_update(self.writer, run_id, status=status, ended_at=utcnow(), last_error=error[:2000] if error else None)
        self.writer.flush(30)

    # ------------------------------------------------------------ sessions
    def prerender(self, station_code: str, on_date: date, session_code: str) -> None:
        with self.runtime.unit() as session:
            built = load_programme(session, station_code, on_date, session_code) is not None
        if not built:
            build_programme(self.runtime, station_code, on_date, session_code)
        try:  # the sources it relays, probed now: the operator sees a dead one before its slot
            with self.runtime.unit() as session:
                programme = load_programme(session, station_code, on_date, session_code)
                states = check_programme_sources(session, programme) if programme is not None else {}
            if any(state != "ok" for state in states.values()):
                log.warning("relay sources of %s %s %s: %s", station_code, on_date, session_code, states)
        except Exception:  # a probe must never keep the session from airing
            log.exception("checking the relay sources of %s %s %s", station_code, on_date, session_code)

    def fire_session(self, station_code: str, on_date: date, session_code: str, start: datetime) -> str:
        """The session job: start on time, join late within grace, else log missed. Returns what happened."""
        cfg = self.config
        with self.runtime.unit() as session:
            station = station_by_code(session, station_code, required=False)
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
        key = claim_key("scheduled", station.id, on_date, session_code)
        common = dict(
            station_id=station.id,
            claim_key=key,
            kind="scheduled",
            air_date=on_date,
            session_code=session_code,
            programme_id=programme.id if programme else None,
            scheduled_start=start,
            holder=self.holder,
            sink=station.sink[:200],
        )
        lateness_s = (self.clock() - start).total_seconds()
        if lateness_s > cfg.grace_s:
            return self._log_missed(station, programme, common, lateness_s)
        if programme is None:
            run_id = claim_run(
                self.runtime, status="failed", note="Chưa có chương trình cho buổi phát này lúc đến giờ phát.", **common
            )
            if run_id is not None:
                self._session_row(station, common, run_id, "failed", "Không phát: chưa có chương trình cho buổi này.")
            return "no-programme"
        channel = self.channel(station)
        if not channel.acquire(timeout=cfg.grace_s - lateness_s):
            return self._log_missed(
                station,
                programme,
                common,
                (self.clock() - start).total_seconds(),
                reason="đài đang bận phát buổi khác suốt thời gian cho phép",
            )
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
            self.release(channel)

    def _session_row(self, station, common: dict, run_id: int, status: str, note: str) -> None:
        AsRunLog(self.writer, station.id, station.sink).session_row(
            run_id=run_id,
            programme_id=common["programme_id"],
            session_code=common["session_code"],
            air_date=common["air_date"],
            scheduled_start=common["scheduled_start"],
            status=status,
            note=note,
        )
        self.writer.flush(30)

    def _log_missed(self, station, programme, common: dict, lateness_s: float, reason: str | None = None) -> str:
        why = (
            reason
            or f"bộ lập lịch không chạy đúng giờ (trễ {lateness_s:.0f} giây, quá thời gian cho phép "
            f"{self.config.grace_s:.0f} giây)"
        )
        run_id = claim_run(self.runtime, status="missed", note=f"Lỡ giờ phát: {why}.", **common)
        if run_id is None:
            return "already-aired"
        if programme is None:
            self._session_row(station, common, run_id, "missed", f"Lỡ giờ phát: {why}.")
            return "missed"
        with self.runtime.unit() as session:
            items = programme_items(session, session.get(Programme, programme.id))
        # The rows name the station's own output: nothing was opened.
        asrun = AsRunLog(self.writer, station.id, station.sink)
        for item in items:
            scheduled = common["scheduled_start"] + timedelta(milliseconds=item.offset_ms)
            values = asrun.row_values(
                item,
                run_id=run_id,
                programme_id=programme.id,
                session_code=common["session_code"],
                air_date=common["air_date"],
                scheduled=scheduled,
            )
            asrun.final(values, status="missed", start=utcnow(), note=f"Lỡ giờ phát: {why}.")
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
            self.release(channel)

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
            run_id = claim_run(
                self.runtime,
                station_id=station.id,
                kind="manual",
                air_date=on_date,
                claim_key=claim_key("manual", station.id, command_id or now.timestamp()),
                session_code=session_code,
                programme_id=programme.id,
                scheduled_start=now,
                holder=self.holder,
                sink=station.sink[:200],
                note="Phát ngay theo lệnh cán bộ đài.",
            )
        except BaseException:
            self.release(channel)
            raise
        if run_id is None:
            self.release(channel)
            raise BroadcastError("Lệnh phát này đã được thực hiện.")

        def go():
            try:
                self._air(channel, station.sink, run_id)
            finally:
                self.release(channel)

        self.spawn(go, name=f"play-{run_id}")
        return run_id


def start_scheduler(runtime, config: PlayoutConfig | None = None, **overrides) -> PlayoutService:
    """Start the playout scheduler for this database (raises ``LeaseHeld`` if one already runs)."""
    config = config or PlayoutConfig.load(runtime, **overrides)
    return PlayoutService(runtime, config).start()
