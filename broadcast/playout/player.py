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

import logging
import time
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path

from ..audio.ffmpeg import DecodeError, decode_pcm
from ..domain.models import Station
from ..domain.types import utcnow
from .asrun import AsRunLog
from .channels import Control, EmergencyRequest
from .config import PlayoutConfig
from .items import Item
from .levels import SILENCE_RMS, rms
from .livefeed import LiveFeed
from .relay import RelayFeed, RelayReader
from .sinks import Sink, SinkError, bytes_to_ms, ms_to_bytes
from .writer import LogWriter

log = logging.getLogger("broadcast.playout")


def load_pcm(item: Item, seek_ms: int) -> bytes:
    """An item's audio from ``seek_ms``; a relay item's is its fallback, whole (none: ``b""``)."""
    if item.live:
        return b""
    if item.relay:
        try:
            return decode_pcm(item.audio_path, 0) if item.audio_path else b""
        except DecodeError:
            log.warning("relay fallback %s cannot be decoded; the slot has none", item.audio_path)
            return b""
    return decode_pcm(item.audio_path, seek_ms)


@dataclass
class _Outcome:
    """How one item's audio went out."""

    status: str = "aired"
    reason: str | None = None
    emergency: EmergencyRequest | None = None
    delivered: int = 0
    lost: int = 0
    feed: RelayFeed | None = None  # a relay item's: what was relayed, what the fallback covered, why


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
        # relay items' upstreams, connected one item ahead, by item position
        self._readers: dict[int, RelayReader] = {}

    # -- timing
    def _pace(self, chunk_ms: float, speed: float | None = None) -> None:
        speed = self.config.speed if speed is None else speed
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
    def _operator_cut(self, out: _Outcome) -> bool:
        """The operator stopped the session or skipped the item: ``out`` says so."""
        if self.control.stop.is_set():
            out.status, out.reason = "interrupted", "Cán bộ đài dừng phát."
            return True
        if self.control.skip.is_set():
            self.control.skip.clear()
            out.status, out.reason = "skipped", "Cán bộ đài bỏ qua mục này."
            return True
        return False

    def _local_clock(self) -> str:
        return utcnow().astimezone(self.runtime.settings.tz).strftime("%H:%M:%S")

    def preconnect(self, item: Item) -> None:
        """Start pulling a relay item's upstream now: loudness levelling needs a few seconds of it."""
        if item.relay and item.position not in self._readers:
            self._readers[item.position] = RelayReader(item.relay["url"], timeout_s=self.config.relay_silence_s).start()

    def _stream_relay(
        self, item: Item, fallback_pcm: bytes, *, key: str, run_id: int, seek_ms: int, allow_emergency: bool
    ) -> _Outcome:
        """Relay the upstream for the item's remaining time, the fallback covering where it fails."""
        cfg = self.config
        chunk = ms_to_bytes(cfg.chunk_ms)
        relay = item.relay
        feed = RelayFeed(
            relay["url"],
            name=relay.get("upstream") or relay["url"],
            fallback_pcm=fallback_pcm,
            fallback=relay.get("fallback") or "skip",
            config=cfg,
            clock=self._local_clock,
            reader=self._readers.pop(item.position, None),
            record_to=self._recording_path(item) if relay.get("record") else None,
        )
        feed.reader.keep_latest(chunk * 5)  # join the upstream live, not seconds behind
        out = _Outcome(feed=feed)
        remaining = max(0, item.duration_ms - seek_ms)
        last_beat, shown = time.monotonic(), None
        try:
            while out.delivered + out.lost < remaining:
                if self._operator_cut(out):
                    break
                if allow_emergency and (request := self.control.take_emergency()) is not None:
                    # a relay has no sentence ends to wait for: the emergency goes on air at once
                    out.emergency = request
                    out.status, out.reason = "interrupted", "Ngắt để phát tin khẩn cấp."
                    break
                piece = feed.next_chunk(chunk)
                if piece is None:  # fallback "skip": the session goes on
                    break
                if feed.reason != shown:
                    shown = feed.reason
                    self._show_relay(run_id, feed)
                if not self._write(piece, out):
                    break
                self._pace(bytes_to_ms(len(piece)), speed=1.0)  # an upstream cannot be relayed faster
                if time.monotonic() - last_beat >= cfg.heartbeat_s:
                    last_beat = time.monotonic()
                    self.log.heartbeat(key, run_id, feed.relayed_ms)
        finally:
            feed.close()
        return out

    def _stream_live(self, item: Item, *, key: str, run_id: int) -> _Outcome:
        """Air a live broadcast's audio as it arrives, until the speaker stops or the connection drops."""
        cfg = self.config
        chunk = ms_to_bytes(cfg.chunk_ms)
        live = item.live
        feed = LiveFeed(live["path"], container=live.get("container") or "matroska", drop_s=cfg.live_drop_s)
        out = _Outcome()
        last_beat = time.monotonic()
        try:
            while not self._operator_cut(out):
                piece = feed.next_chunk(chunk)
                if piece is None:
                    break
                if not self._write(piece, out):
                    break
                self._pace(bytes_to_ms(len(piece)), speed=1.0)
                if time.monotonic() - last_beat >= cfg.heartbeat_s:
                    last_beat = time.monotonic()
                    self.log.heartbeat(key, run_id, out.delivered)
        finally:
            feed.close()
        endings = {
            "stop": "người nói kết thúc",
            "drop": "mất kết nối với máy người nói",
            "decode": "âm thanh gửi lên không giải mã được nữa",
        }
        if out.reason is None:
            out.reason = f"Người nói: {live.get('speaker') or '?'}; {endings.get(feed.ended_by, 'kết thúc')}."
        return out

    def _recording_path(self, item: Item) -> Path:
        stamp = utcnow().astimezone(self.runtime.settings.tz).strftime("%Y%m%d-%H%M%S")
        return self.runtime.settings.subdir("recordings") / f"relay-{self.station_code}-{stamp}-{item.position}.mp3"

    def _show_relay(self, run_id: int, feed: RelayFeed) -> None:
        """What the operator's status page shows: relaying, or the fallback and why."""
        if self.current is not None:
            self.current["relay"] = {"upstream": feed.name, "state": feed.state, "reason": feed.reason}
        if feed.reason:
            self.log.run_update(run_id, last_error=f"Tiếp sóng {feed.name}: {feed.reason}"[:2000])

    def _write(self, piece: bytes, out: _Outcome) -> bool:
        """One chunk to the sink, counted delivered or lost; False when the sink has failed for good."""
        piece_ms = bytes_to_ms(len(piece))
        try:
            ok = self.sink.write(piece)
        except SinkError as exc:
            out.status, out.reason = "failed", str(exc)
            out.lost += piece_ms
            return False
        if ok:
            out.delivered += piece_ms
        else:
            out.lost += piece_ms
        return True

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
            if self._operator_cut(out):
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
            if not self._write(piece, out):
                out.lost += bytes_to_ms(len(pcm) - pos)  # the rest of the item is lost too
                break
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
    ) -> _Outcome:
        """Air one decoded item (a relay item: its fallback's audio); returns how it went."""
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
        if item.live:
            out = self._stream_live(item, key=key, run_id=run_id)
        elif item.relay:
            out = self._stream_relay(
                item, pcm, key=key, run_id=run_id, seek_ms=seek_ms, allow_emergency=allow_emergency
            )
        else:
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
        self.current = None
        return out

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
            return self._prefetch.submit(load_pcm, *todo[i]) if i < len(todo) else None

        upcoming = fetch(0)
        if todo:
            self.preconnect(todo[0][0])
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
            if index + 1 < len(todo):
                self.preconnect(todo[index + 1][0])
            out = self._play_item(
                item,
                pcm,
                run_id=run_id,
                values=values,
                scheduled=values["scheduled_start"],
                seek_ms=seek,
                allow_emergency=allow_emergency,
            )
            status, emergency = out.status, out.emergency
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
                    # resume: the cut item again from its start (a relay: for the rest of its slot)
                    todo[index] = (item, seek + out.delivered if item.relay else 0)
                    upcoming = self._prefetch.submit(load_pcm, *todo[index])
                    continue
                upcoming = fetch(index + 1)
            index += 1
        # An emergency that arrived as the last item ended is still aired.
        late = self.control.take_emergency() if allow_emergency else None
        if late is not None:
            self.air_emergency(late)
        self._drop_readers()
        return final

    def _drop_readers(self) -> None:
        """Upstreams connected early for relay items that never aired (the session was stopped)."""
        for reader in self._readers.values():
            reader.stop()
        self._readers.clear()

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
        self._drop_readers()
        self._prefetch.shutdown(wait=False)
        if self.own_writer:
            self.writer.close()
