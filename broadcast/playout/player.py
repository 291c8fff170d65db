"""Air a list of items on one sink, logging each one as it goes.

For each item: an as-run row ``airing`` when its first audio goes out,
heartbeats while it plays, and the final status (``aired``, ``interrupted``,
``failed``, ``skipped``, ``missed``) with the milliseconds actually aired
(``asrun.AsRunLog``).  A missing or corrupt file is skipped with its reason
and the session goes on.  A late start joins where the programme would be
now (the items before are logged ``missed``), seeking into the item under
the join point.  An emergency (``channels.Control``) cuts the item at the
next pause, at once, or at its end, airs, then the session resumes or ends.

How the audio goes out chunk by chunk (pacing, stop and skip, relays, live
broadcasts) is ``streams.Streams``; the player strings items together.
Database writes go through a ``LogWriter`` so a locked database never stalls
the audio; only the claim of a run (``claims``) is written synchronously,
before the first sound.
"""

from __future__ import annotations

import logging
import time
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import date, datetime, timedelta

from ..audio.ffmpeg import DecodeError
from ..domain.models import Station
from ..domain.types import utcnow
from .asrun import AsRunLog
from .channels import Control, EmergencyRequest
from .config import PlayoutConfig
from .items import Item
from .sinks import Sink
from .streams import Outcome, Streams, load_pcm
from .writer import LogWriter

log = logging.getLogger("broadcast.playout")


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
        self.streams = Streams(runtime.settings, self.station_code, sink, self.config, self.control, self.log)
        self._prefetch = ThreadPoolExecutor(max_workers=1, thread_name_prefix="decode")

    @property
    def current(self) -> dict | None:
        """The item on air (title, position, start, relay state), None between items."""
        return self.streams.current

    @staticmethod
    def wait_until(when: datetime) -> None:
        """Sleep until wall-clock ``when``, finishing with a short spin for millisecond accuracy."""
        while True:
            remaining = (when - utcnow()).total_seconds()
            if remaining <= 0:
                return
            time.sleep(remaining - 0.002 if remaining > 0.003 else 0)

    # -- one item
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
    ) -> Outcome:
        """Air one decoded item (a relay item: its fallback's audio); returns how it went."""
        start = utcnow()
        lateness = int((start - scheduled).total_seconds() * 1000) if scheduled else None
        note = f"Vào giữa chừng, từ giây {seek_ms / 1000:.1f}." if seek_ms else None
        self.streams.current = {
            "run_id": run_id,
            "title": item.title,
            "position": item.position,
            "started": start,
            "duration_ms": max(0, item.duration_ms - seek_ms),
            "bulletin_id": item.bulletin_id,
        }
        key = self.log.start(values, start=start, lateness_ms=lateness, note=note)
        self.log.run_update(run_id, position=item.position, heartbeat_at=start)
        if item.live:
            out = self.streams.stream_live(item, key=key, run_id=run_id)
        elif item.relay:
            out = self.streams.stream_relay(
                item, pcm, key=key, run_id=run_id, seek_ms=seek_ms, allow_emergency=allow_emergency
            )
        else:
            out = self.streams.stream_pcm(pcm, key=key, run_id=run_id, allow_emergency=allow_emergency)
        self._complete(item, out, key=key, run_id=run_id, start=start, note=note)
        self.streams.current = None
        return out

    def _complete(self, item: Item, out: Outcome, *, key: str, run_id: int, start: datetime, note: str | None):
        """The item's final as-run row: sink errors make an aired item failed; a relay counts what it relayed."""
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
        aired, fallback_ms = out.delivered, None
        if out.feed is not None:  # a relay row counts only what was relayed
            aired, fallback_ms = out.feed.relayed_ms, out.feed.fallback_ms
            if out.status == "aired" and not aired:
                out.status = "failed"
            note = " ".join(filter(None, [note, out.feed.summary()]))
            end = utcnow()
        self.log.complete(
            key,
            status=out.status,
            aired_ms=aired,
            end=end,
            note=" ".join(filter(None, [note, out.reason])),
            bulletin_id=item.bulletin_id,
            fallback_ms=fallback_ms,
            recording_path=str(out.feed.recording) if out.feed is not None and out.feed.recording else None,
        )

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
        final = self._air_todo(todo, row, run_id=run_id, start_at=start_at, allow_emergency=allow_emergency)
        # An emergency that arrived as the last item ended is still aired.
        late = self.control.take_emergency() if allow_emergency else None
        if late is not None:
            self.air_emergency(late)
        self.streams.drop_readers()
        return final

    def _air_todo(
        self, todo: list[tuple[Item, int]], row, *, run_id: int, start_at: datetime | None, allow_emergency: bool
    ) -> str:
        """Air the (item, seek) pairs in order, decoding one item ahead; returns the run's final status."""

        def fetch(i: int) -> Future | None:
            return self._prefetch.submit(load_pcm, *todo[i]) if i < len(todo) else None

        upcoming = fetch(0)
        self._get_ready(todo, upcoming, start_at)
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
            pcm = self._decoded(future, item, values)
            if pcm is None:
                index += 1
                continue
            if index + 1 < len(todo):
                self.streams.preconnect(todo[index + 1][0])
            out = self._play_item(
                item,
                pcm,
                run_id=run_id,
                values=values,
                scheduled=values["scheduled_start"],
                seek_ms=seek,
                allow_emergency=allow_emergency,
            )
            if out.status == "interrupted" and self.control.stop.is_set():
                final = "stopped"
            if out.emergency is not None:
                self.air_emergency(out.emergency)
                if out.emergency.after == "end":
                    self._skip_rest(todo[index + 1 :], row)
                    return "interrupted"
                if out.status == "interrupted":
                    # resume: the cut item again from its start (a relay: for the rest of its slot)
                    todo[index] = (item, seek + out.delivered if item.relay else 0)
                    upcoming = self._prefetch.submit(load_pcm, *todo[index])
                    continue
                upcoming = fetch(index + 1)
            index += 1
        return final

    def _get_ready(self, todo: list[tuple[Item, int]], first: Future | None, start_at: datetime | None) -> None:
        """Connect a first relay early; for a timed start, decode the first item, then wait for the moment."""
        if todo:
            self.streams.preconnect(todo[0][0])
        if start_at is not None:
            if first is not None:
                try:
                    first.result()
                except DecodeError:
                    pass  # logged as skipped when its turn comes
            self.wait_until(start_at)
        self.streams.restart_clock()

    def _decoded(self, future: Future, item: Item, values: dict) -> bytes | None:
        """The item's decoded audio, or None after logging it ``skipped`` (missing or corrupt file)."""
        try:
            return future.result()
        except DecodeError as exc:
            log.warning("%s: skipping item %s: %s", self.station_code, item.position, exc)
            self.log.final(values, status="skipped", start=utcnow(), note=f"Bỏ qua: {exc}.")
            return None

    def _skip_rest(self, rest: list[tuple[Item, int]], row) -> None:
        """The items after an emergency that ends the session: logged ``skipped``."""
        for item, _ in rest:
            self.log.final(
                row(item, scheduled=False),
                status="skipped",
                start=utcnow(),
                note="Buổi phát kết thúc sau tin khẩn cấp.",
            )

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
            kind=request.kind,
        )
        self.log.run_update(request.run_id, status="done" if status == "done" else status, ended_at=utcnow())
        request.done.set()

    def close(self) -> None:
        self.streams.drop_readers()
        self._prefetch.shutdown(wait=False)
        if self.own_writer:
            self.writer.close()
