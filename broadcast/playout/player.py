"""Air a list of items on one sink, logging each one as it goes.

For each item: an as-run row ``airing`` when its first audio goes out,
heartbeats while it plays, and the final status (``aired``, ``interrupted``,
``failed``, ``skipped``, ``missed``) with the milliseconds actually aired
(``asrun.AsRunLog``).  A missing or corrupt file is skipped with its reason
and the session goes on.  A late start joins where the programme would be
now (the items before are logged ``missed``), seeking into the item under
the join point.  An emergency (``channels.Control``) cuts the item at the
next pause, at once, or at its end, airs, then the session resumes or ends.

Database writes go through a ``LogWriter`` so a locked database never stalls
the audio; only the claim of a run (``claims``) is written synchronously,
before the first sound.
"""

from __future__ import annotations

import array
import logging
import time
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import select

from ..audio.ffmpeg import DecodeError, decode_pcm
from ..domain.models import AsRun, PlayoutRun, Programme, Station
from ..domain.types import utcnow
from .asrun import AsRunLog, existing_rows
from .channels import Control, EmergencyRequest
from .config import PlayoutConfig
from .items import Item, programme_items
from .sinks import Sink, SinkError, bytes_to_ms, ms_to_bytes
from .writer import LogWriter

log = logging.getLogger("broadcast.playout")

#: below this RMS (int16) a chunk counts as silence: the pause an emergency may break in at
SILENCE_RMS = 120


def rms(pcm: bytes) -> float:
    """Root mean square of int16 PCM, on at most ~400 samples (cheap enough for every chunk)."""
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


@dataclass
class AirResult:
    run_id: int
    status: str
    rows: int = 0
    first_start: datetime | None = None
    lateness_ms: int | None = None


@dataclass
class _Outcome:
    """How one item's audio went out."""

    status: str = "aired"
    reason: str | None = None
    emergency: EmergencyRequest | None = None
    delivered: int = 0
    lost: int = 0


class Player:
    """Plays items to a sink at ``config.speed`` and logs each one."""

    def __init__(
        self,
        runtime,
        station: Station | dict,
        sink: Sink,
        *,
        config: PlayoutConfig | None = None,
        writer: LogWriter | None = None,
        control: Control | None = None,
        holder: str = "",
    ):
        self.runtime = runtime
        self.station_id = station["id"] if isinstance(station, dict) else station.id
        self.station_code = station["code"] if isinstance(station, dict) else station.code
        self.sink = sink
        self.config = config or PlayoutConfig()
        self.own_writer = writer is None
        self.writer = writer or LogWriter(runtime)
        self.log = AsRunLog(self.writer, self.station_id, sink.label)
        self.control = control or Control()
        self.holder = holder
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

    # -- one item
    def _stream(self, pcm: bytes, *, key: str, run_id: int, allow_emergency: bool) -> _Outcome:
        """Write ``pcm`` to the sink chunk by chunk, minding stop, skip and emergencies."""
        cfg = self.config
        chunk = ms_to_bytes(cfg.chunk_ms)
        out = _Outcome()
        silent_ms = 0
        last_beat = time.monotonic()
        pending: EmergencyRequest | None = None
        pos = 0
        while pos < len(pcm):
            if self.control.stop.is_set():
                out.status, out.reason = "interrupted", "Cán bộ đài dừng phát."
                break
            if self.control.skip.is_set():
                self.control.skip.clear()
                out.status, out.reason = "skipped", "Cán bộ đài bỏ qua mục này."
                break
            if allow_emergency and pending is None:
                pending = self.control.take_emergency()
            if pending is not None and (
                pending.break_mode == "immediate" or (pending.break_mode == "pause" and silent_ms >= cfg.pause_ms)
            ):
                out.emergency = pending
                out.status, out.reason = "interrupted", "Ngắt để phát tin khẩn cấp."
                break
            piece = pcm[pos : pos + chunk]
            pos += len(piece)
            piece_ms = bytes_to_ms(len(piece))
            try:
                ok = self.sink.write(piece)
            except SinkError as exc:
                out.status, out.reason = "failed", str(exc)
                out.lost += bytes_to_ms(len(pcm) - pos + len(piece))
                break
            if ok:
                out.delivered += piece_ms
            else:
                out.lost += piece_ms
            if pending is not None and pending.break_mode == "pause":
                silent_ms = silent_ms + piece_ms if rms(piece) < SILENCE_RMS else 0
            self._pace(piece_ms)
            if time.monotonic() - last_beat >= cfg.heartbeat_s:
                last_beat = time.monotonic()
                self.log.heartbeat(key, run_id, out.delivered)
        if pending is not None and out.emergency is None:
            out.emergency = pending  # the item ended: that is a segment end too
        return out

    def _play_item(
        self,
        item: Item,
        pcm: bytes,
        *,
        run_id: int,
        values: dict,
        scheduled: datetime | None,
        seek_ms: int,
        allow_emergency: bool,
    ) -> tuple[str, str | None, EmergencyRequest | None]:
        """Air one decoded item; returns (status, note, emergency request that cut it)."""
        start = utcnow()
        lateness = int((start - scheduled).total_seconds() * 1000) if scheduled else None
        note = f"Vào giữa chừng, từ giây {seek_ms / 1000:.1f}." if seek_ms else None
        self.current = {
            "run_id": run_id,
            "title": item.title,
            "position": item.position,
            "started": start,
            "duration_ms": max(0, item.duration_ms - seek_ms),
            "bulletin_id": item.bulletin_id,
        }
        key = self.log.start(values, start=start, lateness_ms=lateness, note=note)
        self.log.run_update(run_id, position=item.position, heartbeat_at=start)
        out = self._stream(pcm, key=key, run_id=run_id, allow_emergency=allow_emergency)
        errors = self.sink.take_errors()
        if out.status == "aired" and out.lost:
            out.status = "failed"
            out.reason = "; ".join(dict.fromkeys(errors)) or "Đầu ra phát sóng bị gián đoạn."
            out.reason += f" (mất {out.lost / 1000:.1f} giây, phát được {out.delivered / 1000:.1f} giây)"
        elif errors:
            self.log.run_update(run_id, last_error="; ".join(dict.fromkeys(errors))[:2000])
        if out.status == "failed" and errors:
            self.log.run_update(run_id, last_error=out.reason[:2000])
        end = start + timedelta(milliseconds=out.delivered) if self.config.speed <= 0 else utcnow()
        self.log.complete(
            key,
            status=out.status,
            aired_ms=out.delivered,
            end=end,
            note=" ".join(filter(None, [note, out.reason])),
            bulletin_id=item.bulletin_id,
        )
        self.current = None
        return out.status, out.reason, out.emergency

    # -- a list of items
    def _join(self, items: list[Item], join_ms: int, already_logged: set[int], row) -> list[tuple[Item, int]]:
        """(item, seek) from the join point on; items wholly before it are logged ``missed`` (once)."""
        todo: list[tuple[Item, int]] = []
        for item in items:
            if join_ms and item.offset_ms + item.duration_ms <= join_ms:
                if item.item_id not in already_logged:
                    self.log.final(
                        row(item),
                        status="missed",
                        start=utcnow(),
                        note="Bắt đầu muộn: mục này đã qua giờ phát khi buổi phát vào sóng.",
                    )
                continue
            todo.append((item, max(0, join_ms - item.offset_ms) if join_ms else 0))
        return todo

    def air_items(
        self,
        items: list[Item],
        *,
        run_id: int,
        programme_id: int | None,
        session_code: str | None,
        air_date: date,
        scheduled_start: datetime | None,
        join_ms: int = 0,
        start_at: datetime | None = None,
        already_logged: set[int] | None = None,
        allow_emergency: bool = True,
        kind: str | None = None,
    ) -> str:
        """Air ``items`` (joining at ``join_ms``); returns the run's final status."""

        def row(item: Item, scheduled: bool = True) -> dict:
            when = scheduled_start + timedelta(milliseconds=item.offset_ms) if scheduled and scheduled_start else None
            return self.log.row_values(
                item,
                run_id=run_id,
                programme_id=programme_id,
                session_code=session_code,
                air_date=air_date,
                scheduled=when,
                kind=kind,
            )

        todo = self._join(items, join_ms, already_logged or set(), row)

        def fetch(i: int) -> Future | None:
            return self._prefetch.submit(decode_pcm, todo[i][0].audio_path, todo[i][1]) if i < len(todo) else None

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
            values = row(item)
            if self.control.stop.is_set():
                self.log.final(values, status="skipped", start=utcnow(), note="Buổi phát đã bị dừng.")
                final = "stopped"
                index += 1
                continue
            try:
                pcm = future.result()
            except DecodeError as exc:
                log.warning("%s: skipping item %s: %s", self.station_code, item.position, exc)
                self.log.final(values, status="skipped", start=utcnow(), note=f"Bỏ qua: {exc}.")
                index += 1
                continue
            status, _reason, emergency = self._play_item(
                item,
                pcm,
                run_id=run_id,
                values=values,
                scheduled=values["scheduled_start"],
                seek_ms=seek,
                allow_emergency=allow_emergency,
            )
            if status == "interrupted" and self.control.stop.is_set():
                final = "stopped"
            if emergency is not None:
                self.air_emergency(emergency)
                if emergency.after == "end":
                    for rest, _ in todo[index + 1 :]:
                        self.log.final(
                            row(rest, scheduled=False),
                            status="skipped",
                            start=utcnow(),
                            note="Buổi phát kết thúc sau tin khẩn cấp.",
                        )
                    final = "interrupted"
                    break
                if status == "interrupted":
                    # resume: the cut item again from its start, then the rest
                    todo[index] = (item, 0)
                    upcoming = self._prefetch.submit(decode_pcm, item.audio_path, 0)
                    continue
                upcoming = fetch(index + 1)
            index += 1
        # An emergency that arrived as the last item ended is still aired.
        late = self.control.take_emergency() if allow_emergency else None
        if late is not None:
            self.air_emergency(late)
        return final

    def air_emergency(self, request: EmergencyRequest) -> None:
        """Air an emergency's items under its own run (claimed by ``emergency.poll``), then mark it done."""
        self.log.run_update(
            request.run_id, status="running", started_at=utcnow(), holder=self.holder, sink=self.sink.label[:200]
        )
        today = utcnow().astimezone(self.runtime.settings.tz).date()
        status = self.air_items(
            request.items,
            run_id=request.run_id,
            programme_id=None,
            session_code=None,
            air_date=today,
            scheduled_start=None,
            allow_emergency=False,
            kind="emergency",
        )
        self.log.run_update(request.run_id, status="done" if status == "done" else status, ended_at=utcnow())
        request.done.set()

    def close(self) -> None:
        self._prefetch.shutdown(wait=False)
        if self.own_writer:
            self.writer.close()


# ---------------------------------------------------------------- one claimed run


def _run_plan(runtime, run_id: int) -> dict:
    """Everything ``air_run`` needs from the database, read in one unit before the first sound."""
    with runtime.unit() as session:
        run = session.get(PlayoutRun, run_id)
        station = session.get(Station, run.station_id)
        programme = session.get(Programme, run.programme_id) if run.programme_id else None
        return {
            "station": {"id": station.id, "code": station.code},
            "items": programme_items(session, programme) if programme else [],
            "already": existing_rows(session, run_id),
            "scheduled_start": run.scheduled_start,
            "session_code": run.session_code,
            "air_date": run.air_date,
            "programme_id": run.programme_id,
        }


def _result(runtime, run_id: int, final: str) -> AirResult:
    with runtime.unit() as session:
        rows = session.scalars(select(AsRun).where(AsRun.run_id == run_id).order_by(AsRun.id)).all()
        first = next((r for r in rows if r.status != "missed" and r.aired_ms), None)
        return AirResult(
            run_id=run_id,
            status=final,
            rows=len(rows),
            first_start=first.actual_start if first else None,
            lateness_ms=first.lateness_ms if first else None,
        )


def air_run(
    runtime,
    run_id: int,
    *,
    sink: Sink,
    config: PlayoutConfig,
    writer: LogWriter | None = None,
    control: Control | None = None,
    holder: str = "",
    join_ms: int = 0,
    start_at: datetime | None = None,
    on_player=None,
) -> AirResult:
    """Air the programme of a claimed run; closes the run row with its final status."""
    plan = _run_plan(runtime, run_id)
    station = plan["station"]
    player = Player(runtime, station, sink, config=config, writer=writer, control=control, holder=holder)
    if on_player is not None:
        on_player(player)
    final = "failed"
    try:
        if not sink.is_open:
            try:
                sink.open(title=f"{station['code']} {plan['session_code'] or ''}".strip())
            except SinkError as exc:
                player.log.run_update(run_id, status="failed", ended_at=utcnow(), last_error=str(exc)[:2000])
                raise
        final = player.air_items(
            plan["items"],
            run_id=run_id,
            programme_id=plan["programme_id"],
            session_code=plan["session_code"],
            air_date=plan["air_date"],
            scheduled_start=plan["scheduled_start"],
            join_ms=join_ms,
            start_at=start_at,
            already_logged=plan["already"],
        )
        player.log.run_update(run_id, status=final, ended_at=utcnow(), position=None)
    finally:
        player.close()
        player.writer.flush()
    return _result(runtime, run_id, final)
