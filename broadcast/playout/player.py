"""Air one programme on one sink, writing the as-run log as it goes.

For each item: an ``AsRun`` row with status ``airing`` when its first audio
goes out (station, session, date, item, bulletin, category, department,
scheduled and actual start, sink, lateness), heartbeats while it plays, and
the final status (``aired``, ``interrupted``, ``failed``, ``skipped``,
``missed``) with the milliseconds actually aired.  A completed airing of a
bulletin decrements its ``airings_left`` (``completed`` at 0).  A missing or
corrupt file is skipped with its reason and the session goes on.  A late
start joins where the programme would be now (the items before are logged
``missed``), seeking into the item under the join point.

Database writes go through a ``LogWriter`` so a locked database never stalls
the audio; only the claim of a run (the guard against airing twice) is
written synchronously, before the first sound.
"""

from __future__ import annotations

import logging
import subprocess
import threading
import time
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from ..domain.models import AsRun, Bulletin, BulletinStatus, PlayoutRun, Programme, ProgrammeItem, Station
from ..domain.types import utcnow
from .config import PlayoutConfig
from .sinks import Sink, SinkError, bytes_to_ms, ms_to_bytes
from .sinks.base import SAMPLE_RATE
from .writer import LogWriter

log = logging.getLogger("broadcast.playout")


# ---------------------------------------------------------------- items

@dataclass
class Item:
    position: int
    title: str
    audio_path: str | None
    duration_ms: int
    offset_ms: int = 0
    item_id: int | None = None
    kind: str = "bulletin"
    bulletin_id: int | None = None
    category_code: str | None = None
    department_code: str | None = None


def probe_ms(path: str | None) -> int:
    if not path:
        return 0
    try:
        out = subprocess.run(["ffprobe", "-v", "error", "-show_entries", "format=duration", "-of", "csv=p=0", path],
                             capture_output=True, text=True, timeout=30)
        return int(float(out.stdout.strip()) * 1000)
    except (OSError, ValueError, subprocess.TimeoutExpired):
        return 0


def programme_items(session, programme: Programme) -> list[Item]:
    """The programme's items with their offsets from the programme's start."""
    rows = session.scalars(
        select(ProgrammeItem).where(ProgrammeItem.programme_id == programme.id)
        .options(selectinload(ProgrammeItem.bulletin).selectinload(Bulletin.department),
                 selectinload(ProgrammeItem.bulletin).selectinload(Bulletin.category))
        .order_by(ProgrammeItem.position)
    ).all()
    items, offset = [], 0
    for row in rows:
        duration = row.duration_ms or probe_ms(row.audio_path)
        bulletin = row.bulletin
        items.append(Item(
            position=row.position, title=row.title or (bulletin.title if bulletin else ""), audio_path=row.audio_path,
            duration_ms=duration, offset_ms=offset, item_id=row.id, kind=row.kind, bulletin_id=row.bulletin_id,
            category_code=row.category_code or (bulletin.category.code if bulletin else None),
            department_code=bulletin.department.code if bulletin else None,
        ))
        offset += duration
    return items


def total_ms(items: list[Item]) -> int:
    return (items[-1].offset_ms + items[-1].duration_ms) if items else 0


# ---------------------------------------------------------------- decoding

class DecodeError(Exception):
    pass


def decode(path: str | None, seek_ms: int = 0) -> bytes:
    """The whole file as PCM (s16le mono 44.1 kHz), from ``seek_ms``; ``DecodeError`` with a reason."""
    import os

    if not path:
        raise DecodeError("mục không có tệp âm thanh")
    if not os.path.exists(path):
        raise DecodeError(f"không tìm thấy tệp {path}")
    cmd = ["ffmpeg", "-hide_banner", "-nostdin", "-v", "error"]
    if seek_ms > 0:
        cmd += ["-ss", f"{seek_ms / 1000:.3f}"]
    cmd += ["-i", path, "-vn", "-f", "s16le", "-acodec", "pcm_s16le", "-ac", "1", "-ar", str(SAMPLE_RATE), "-"]
    try:
        done = subprocess.run(cmd, capture_output=True, timeout=120)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise DecodeError(f"không giải mã được tệp {path} ({exc})") from None
    if done.returncode != 0 or (not done.stdout and seek_ms == 0):
        reason = done.stderr.decode("utf-8", "replace").strip().splitlines()
        raise DecodeError(f"tệp {path} hỏng hoặc không đọc được ({reason[-1][:160] if reason else 'không có âm thanh'})")
    return done.stdout


def _rms(pcm: bytes) -> float:
    import array

    samples = array.array("h", pcm[: len(pcm) - len(pcm) % 2])
    if not samples:
        return 0.0
    step = max(1, len(samples) // 400)
    acc = 0
    n = 0
    for i in range(0, len(samples), step):
        acc += samples[i] * samples[i]
        n += 1
    return (acc / n) ** 0.5


# ---------------------------------------------------------------- controls

@dataclass
class EmergencyRequest:
    run_id: int
    items: list[Item]
    break_mode: str = "pause"
    after: str = "resume"
    bulletin_id: int | None = None
    done: threading.Event = field(default_factory=threading.Event)


class Control:
    """What an operator or an emergency asks of the player currently airing on a station."""

    def __init__(self):
        self.stop = threading.Event()
        self.skip = threading.Event()
        self.emergency: EmergencyRequest | None = None
        self.lock = threading.Lock()

    def request_emergency(self, request: EmergencyRequest) -> None:
        with self.lock:
            self.emergency = request

    def take_emergency(self) -> EmergencyRequest | None:
        with self.lock:
            request, self.emergency = self.emergency, None
            return request


# ---------------------------------------------------------------- runs

def claim_run(runtime, *, station_id: int, claim_key: str, kind: str, air_date: date, session_code: str | None,
              programme_id: int | None, scheduled_start: datetime | None, holder: str, sink: str | None,
              bulletin_id: int | None = None, status: str = "running", note: str | None = None) -> int | None:
    """Insert the run row under its unique claim key; None when it is already claimed (no double airing)."""
    with runtime.unit() as session:
        run = PlayoutRun(claim_key=claim_key, station_id=station_id, kind=kind, air_date=air_date,
                         session_code=session_code, programme_id=programme_id, scheduled_start=scheduled_start,
                         holder=holder, sink=sink, status=status, bulletin_id=bulletin_id, note=note,
                         started_at=utcnow() if status == "running" else None, heartbeat_at=utcnow())
        session.add(run)
        try:
            session.flush()
        except IntegrityError:
            session.rollback()
            return None
        return run.id


def reclaim_run(runtime, run_id: int, holder: str) -> bool:
    """Take over an ``interrupted`` run to resume it; only one process can win."""
    with runtime.unit() as session:
        return session.execute(
            update(PlayoutRun).where(PlayoutRun.id == run_id, PlayoutRun.status == "interrupted")
            .values(status="running", holder=holder, heartbeat_at=utcnow(), attempts=PlayoutRun.attempts + 1)
        ).rowcount == 1


def _bulletin_aired(session, bulletin_id: int) -> None:
    session.execute(update(Bulletin).where(Bulletin.id == bulletin_id, Bulletin.airings_left > 0)
                    .values(airings_left=Bulletin.airings_left - 1))
    bulletin = session.get(Bulletin, bulletin_id)
    if bulletin is not None and bulletin.airings_left <= 0 and bulletin.status != BulletinStatus.completed.value:
        bulletin.status = BulletinStatus.completed.value


# ---------------------------------------------------------------- the player

@dataclass
class AirResult:
    run_id: int
    status: str
    rows: int = 0
    first_start: datetime | None = None
    lateness_ms: int | None = None


class Player:
    """Plays items to a sink at ``config.speed`` and logs each one."""

    def __init__(self, runtime, station: Station | dict, sink: Sink, *, config: PlayoutConfig | None = None,
                 writer: LogWriter | None = None, control: Control | None = None, holder: str = ""):
        self.runtime = runtime
        self.station_id = station["id"] if isinstance(station, dict) else station.id
        self.station_code = station["code"] if isinstance(station, dict) else station.code
        self.sink = sink
        self.config = config or PlayoutConfig()
        self.own_writer = writer is None
        self.writer = writer or LogWriter(runtime)
        self.control = control or Control()
        self.holder = holder
        self._seq = 0
        self._prefetch = ThreadPoolExecutor(max_workers=1, thread_name_prefix="decode")
        # where the timeline is: monotonic time at which the next chunk is due
        self._clock: float | None = None
        self.current: dict | None = None

    # -- timing
    def _pace(self, chunk_ms: float) -> None:
        speed = self.config.speed
        if speed <= 0:
            return
        if self._clock is None:
            self._clock = time.monotonic()
        self._clock += chunk_ms / 1000 / speed
        wait = self._clock - self.sink.lead_s - time.monotonic()
        if wait > 0:
            time.sleep(wait)
        elif wait < -1.0:
            # fell far behind (machine suspended, clock trouble): re-anchor rather than rush
            self._clock = time.monotonic()

    @staticmethod
    def wait_until(when: datetime) -> None:
        """Sleep until wall-clock ``when``, finishing with a short spin for millisecond accuracy."""
        while True:
            remaining = (when - utcnow()).total_seconds()
            if remaining <= 0:
                return
            time.sleep(remaining - 0.002 if remaining > 0.003 else 0)

    # -- log rows
    def _key(self) -> str:
        self._seq += 1
        return f"{self.station_id}:{id(self)}:{self._seq}"

    def _row_values(self, item: Item, *, run_id: int, programme_id, session_code, air_date, scheduled: datetime | None,
                    kind: str | None = None) -> dict:
        return dict(station_id=self.station_id, run_id=run_id, programme_id=programme_id,
                    programme_item_id=item.item_id, session_code=session_code, air_date=air_date,
                    position=item.position, kind=kind or item.kind, bulletin_id=item.bulletin_id,
                    title=item.title[:300], category_code=item.category_code, department_code=item.department_code,
                    scheduled_start=scheduled, planned_ms=item.duration_ms, sink=self.sink.label[:200],
                    source="playout")

    def _log_final(self, values: dict, *, status: str, start: datetime, note: str | None,
                   aired_ms: int = 0, lateness_ms: int | None = None) -> None:
        def op(session, ids, values=dict(values)):
            row = AsRun(**values, actual_start=start, actual_end=start + timedelta(milliseconds=aired_ms),
                        aired_ms=aired_ms, status=status, note=note, lateness_ms=lateness_ms, heartbeat_at=start)
            session.add(row)
            session.flush()
            return row.id

        self.writer.submit(op)

    def _run_update(self, run_id: int, **values) -> None:
        def op(session, ids):
            session.execute(update(PlayoutRun).where(PlayoutRun.id == run_id).values(**values))

        self.writer.submit(op)

    # -- one item
    def _play_item(self, item: Item, pcm: bytes, *, run_id: int, values: dict, scheduled: datetime | None,
                   seek_ms: int, allow_emergency: bool) -> tuple[str, str | None, EmergencyRequest | None]:
        """Write ``pcm`` to the sink; returns (status, note, emergency request that cut it)."""
        cfg = self.config
        chunk = ms_to_bytes(cfg.chunk_ms)
        key = self._key()
        start = utcnow()
        lateness = int((start - scheduled).total_seconds() * 1000) if scheduled else None
        note = f"Vào giữa chừng, từ giây {seek_ms / 1000:.1f}." if seek_ms else None
        self.current = {"run_id": run_id, "title": item.title, "position": item.position, "started": start,
                        "duration_ms": max(0, item.duration_ms - seek_ms), "bulletin_id": item.bulletin_id}

        def create(session, ids, values=dict(values)):
            row = AsRun(**values, actual_start=start, heartbeat_at=start, status="airing", aired_ms=0,
                        lateness_ms=lateness, note=note)
            session.add(row)
            session.flush()
            return row.id

        self.writer.submit(create, key=key)
        self._run_update(run_id, position=item.position, heartbeat_at=start)

        delivered = lost = 0
        silent_ms = 0
        status, reason, emergency = "aired", None, None
        last_beat = time.monotonic()
        pending_emergency: EmergencyRequest | None = None
        pos = 0
        while pos < len(pcm):
            if self.control.stop.is_set():
                status, reason = "interrupted", "Cán bộ đài dừng phát."
                break
            if self.control.skip.is_set():
                self.control.skip.clear()
                status, reason = "skipped", "Cán bộ đài bỏ qua mục này."
                break
            if allow_emergency and pending_emergency is None:
                pending_emergency = self.control.take_emergency()
            if pending_emergency is not None:
                mode = pending_emergency.break_mode
                if mode == "immediate" or (mode == "pause" and silent_ms >= cfg.pause_ms):
                    emergency = pending_emergency
                    status, reason = "interrupted", "Ngắt để phát tin khẩn cấp."
                    break
            piece = pcm[pos:pos + chunk]
            pos += len(piece)
            piece_ms = bytes_to_ms(len(piece))
            try:
                ok = self.sink.write(piece)
            except SinkError as exc:
                status, reason = "failed", str(exc)
                lost += bytes_to_ms(len(pcm) - pos + len(piece))
                break
            if ok:
                delivered += piece_ms
            else:
                lost += piece_ms
            if pending_emergency is not None and pending_emergency.break_mode == "pause":
                silent_ms = silent_ms + piece_ms if _rms(piece) < 120 else 0
            self._pace(piece_ms)
            if time.monotonic() - last_beat >= cfg.heartbeat_s:
                last_beat = time.monotonic()
                self._heartbeat(key, run_id, delivered)
        if pending_emergency is not None and emergency is None:
            emergency = pending_emergency  # the item ended: that is a segment end too
        errors = self.sink.take_errors()
        if status == "aired" and lost:
            status = "failed"
            reason = "; ".join(dict.fromkeys(errors)) or "Đầu ra phát sóng bị gián đoạn."
            reason += f" (mất {lost / 1000:.1f} giây, phát được {delivered / 1000:.1f} giây)"
        elif errors:
            self._run_update(run_id, last_error="; ".join(dict.fromkeys(errors))[:2000])
        if status == "failed" and errors:
            self._run_update(run_id, last_error=reason[:2000])
        end = start + timedelta(milliseconds=delivered) if self.config.speed <= 0 else utcnow()
        self._complete(key, status=status, aired_ms=delivered, end=end, note=" ".join(filter(None, [note, reason])),
                       bulletin_id=item.bulletin_id, whole=seek_ms == 0)
        self.current = None
        return status, reason, emergency

    def _heartbeat(self, key: str, run_id: int, aired_ms: int) -> None:
        now = utcnow()

        def op(session, ids):
            row_id = ids.get(key)
            if row_id is not None:
                session.execute(update(AsRun).where(AsRun.id == row_id, AsRun.status == "airing")
                                .values(heartbeat_at=now, aired_ms=aired_ms))
            session.execute(update(PlayoutRun).where(PlayoutRun.id == run_id).values(heartbeat_at=now))

        self.writer.submit(op)

    def _complete(self, key: str, *, status: str, aired_ms: int, end: datetime, note: str | None,
                  bulletin_id: int | None, whole: bool) -> None:
        def op(session, ids):
            row_id = ids.get(key)
            if row_id is None:
                return
            # Only a row still airing is closed: recovery may already have closed it.
            done = session.execute(update(AsRun).where(AsRun.id == row_id, AsRun.status == "airing").values(
                status=status, aired_ms=aired_ms, actual_end=end, heartbeat_at=end, note=note or None)).rowcount
            if done and status == "aired" and bulletin_id is not None:
                _bulletin_aired(session, bulletin_id)

        self.writer.submit(op)

    # -- a list of items
    def air_items(self, items: list[Item], *, run_id: int, programme_id: int | None, session_code: str | None,
                  air_date: date, scheduled_start: datetime | None, join_ms: int = 0, start_at: datetime | None = None,
                  already_logged: set[int] | None = None, allow_emergency: bool = True, kind: str | None = None) -> str:
        """Air ``items`` (joining at ``join_ms``); returns the run's final status."""
        already_logged = already_logged or set()
        common = dict(run_id=run_id, programme_id=programme_id, session_code=session_code, air_date=air_date)
        # Items wholly before the join point: never aired in this run.
        todo: list[tuple[Item, int]] = []
        for item in items:
            if join_ms and item.offset_ms + item.duration_ms <= join_ms:
                if item.item_id not in already_logged:
                    scheduled = scheduled_start + timedelta(milliseconds=item.offset_ms) if scheduled_start else None
                    values = self._row_values(item, scheduled=scheduled, kind=kind, **common)
                    self._log_final(values, status="missed", start=utcnow(),
                                    note="Bắt đầu muộn: mục này đã qua giờ phát khi buổi phát vào sóng.")
                continue
            todo.append((item, max(0, join_ms - item.offset_ms) if join_ms else 0))

        def fetch(i: int) -> Future | None:
            if i >= len(todo):
                return None
            item, seek = todo[i]
            return self._prefetch.submit(decode, item.audio_path, seek)

        upcoming = fetch(0)
        if start_at is not None:
            if upcoming is not None:
                try:
                    upcoming.result()
                except DecodeError:
                    pass
            self.wait_until(start_at)
        self._clock = None
        final = "done"
        index = 0
        while index < len(todo):
            item, seek = todo[index]
            future, upcoming = upcoming, fetch(index + 1)
            if scheduled_start is not None:
                scheduled = scheduled_start + timedelta(milliseconds=item.offset_ms)
            else:
                scheduled = None
            values = self._row_values(item, scheduled=scheduled, kind=kind, **common)
            if self.control.stop.is_set():
                self._log_final(values, status="skipped", start=utcnow(), note="Buổi phát đã bị dừng.")
                final = "stopped"
                index += 1
                continue
            try:
                pcm = future.result()
            except DecodeError as exc:
                log.warning("%s: skipping item %s: %s", self.station_code, item.position, exc)
                self._log_final(values, status="skipped", start=utcnow(), note=f"Bỏ qua: {exc}.")
                index += 1
                continue
            status, reason, emergency = self._play_item(item, pcm, run_id=run_id, values=values, scheduled=scheduled,
                                                        seek_ms=seek, allow_emergency=allow_emergency)
            if status == "interrupted" and self.control.stop.is_set():
                final = "stopped"
            if emergency is not None:
                self._air_emergency(emergency)
                if emergency.after == "end":
                    for rest, _ in todo[index + 1:]:
                        self._log_final(self._row_values(rest, scheduled=None, kind=kind, **common), status="skipped",
                                        start=utcnow(), note="Buổi phát kết thúc sau tin khẩn cấp.")
                    final = "interrupted"
                    break
                if status == "interrupted":
                    # resume: the cut item again from its start, then the rest
                    todo[index] = (item, 0)
                    upcoming = self._prefetch.submit(decode, item.audio_path, 0)
                    continue
                upcoming = fetch(index + 1)
            index += 1
        # An emergency that arrived as the last item ended is still aired.
        late = self.control.take_emergency() if allow_emergency else None
        if late is not None:
            self._air_emergency(late)
        return final

    def _air_emergency(self, request: EmergencyRequest) -> None:
        self._run_update(request.run_id, status="running", started_at=utcnow(), holder=self.holder,
                         sink=self.sink.label[:200])
        today = utcnow().astimezone(self.runtime.settings.tz).date()
        status = self.air_items(request.items, run_id=request.run_id, programme_id=None, session_code=None,
                                air_date=today, scheduled_start=None, allow_emergency=False, kind="emergency")
        self._run_update(request.run_id, status="done" if status == "done" else status, ended_at=utcnow())
        request.done.set()

    def close(self) -> None:
        self._prefetch.shutdown(wait=False)
        if self.own_writer:
            self.writer.close()


# ---------------------------------------------------------------- one session

def load_programme(session, station_code: str, on_date: date, session_code: str) -> Programme | None:
    station = session.scalar(select(Station).where(Station.code == station_code))
    if station is None:
        return None
    return session.scalar(select(Programme).where(Programme.station_id == station.id, Programme.on_date == on_date,
                                                  Programme.session_code == session_code))


def existing_rows(session, run_id: int) -> set[int]:
    return set(session.scalars(select(AsRun.programme_item_id).where(AsRun.run_id == run_id,
                                                                      AsRun.programme_item_id.is_not(None))))


def air_run(runtime, run_id: int, *, sink: Sink, config: PlayoutConfig, writer: LogWriter | None = None,
            control: Control | None = None, holder: str = "", join_ms: int = 0,
            start_at: datetime | None = None, on_player=None) -> AirResult:
    """Air the programme of a claimed run; closes the run row with its final status."""
    with runtime.unit() as session:
        run = session.get(PlayoutRun, run_id)
        station = session.get(Station, run.station_id)
        station_info = {"id": station.id, "code": station.code}
        programme = session.get(Programme, run.programme_id) if run.programme_id else None
        items = programme_items(session, programme) if programme else []
        already = existing_rows(session, run_id)
        scheduled_start = run.scheduled_start
        session_code, air_date, programme_id = run.session_code, run.air_date, run.programme_id
    player = Player(runtime, station_info, sink, config=config, writer=writer, control=control, holder=holder)
    if on_player is not None:
        on_player(player)
    final = "failed"
    try:
        if not sink.is_open:
            try:
                sink.open(title=f"{station_info['code']} {session_code or ''}".strip())
            except SinkError as exc:
                player._run_update(run_id, status="failed", ended_at=utcnow(), last_error=str(exc)[:2000])
                raise
        final = player.air_items(items, run_id=run_id, programme_id=programme_id, session_code=session_code,
                                 air_date=air_date, scheduled_start=scheduled_start, join_ms=join_ms,
                                 start_at=start_at, already_logged=already)
        player._run_update(run_id, status=final, ended_at=utcnow(), position=None)
    finally:
        player.close()
        player.writer.flush()
    with runtime.unit() as session:
        rows = session.scalars(select(AsRun).where(AsRun.run_id == run_id).order_by(AsRun.id)).all()
        first = next((r for r in rows if r.status != "missed" and r.aired_ms), None)
        return AirResult(run_id=run_id, status=final, rows=len(rows),
                         first_start=first.actual_start if first else None,
                         lateness_ms=first.lateness_ms if first else None)
