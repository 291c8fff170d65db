"""How one item's audio goes out: chunk by chunk to the sink, paced to the clock, minding the operator.

``Streams`` writes a decoded item (``stream_pcm``: stop, skip and emergencies
at the next pause, at once or at the item's end), a relay's upstream with its
fallback covering where it fails (``stream_relay``), or a live broadcast as it
arrives (``stream_live``), and says how it went in an ``Outcome``; the
``player.Player`` logs each item from that.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from pathlib import Path

from ..audio.ffmpeg import DecodeError, decode_pcm
from ..config import Settings
from ..domain.types import utcnow
from .asrun import AsRunLog
from .channels import Control, EmergencyRequest
from .config import PlayoutConfig
from .items import Item
from .levels import SILENCE_RMS, rms
from .livefeed import LiveFeed
from .relay import RelayFeed, RelayReader
from .sinks import Sink, SinkError, bytes_to_ms, ms_to_bytes

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
class Outcome:
    """How one item's audio went out."""

    status: str = "aired"
    reason: str | None = None
    emergency: EmergencyRequest | None = None
    delivered: int = 0
    lost: int = 0
    feed: RelayFeed | None = None  # a relay item's: what was relayed, what the fallback covered, why


class Streams:
    """One sink's item streaming at ``config.speed``; ``current`` is the item on air (for the status page)."""

    def __init__(
        self, settings: Settings, station_code: str, sink: Sink, config: PlayoutConfig, control: Control, log: AsRunLog
    ):
        self.settings = settings
        self.station_code = station_code
        self.sink = sink
        self.config = config
        self.control = control
        self.log = log
        # where the timeline is: monotonic time at which the next chunk is due
        self._clock: float | None = None
        self.current: dict | None = None
        # relay items' upstreams, connected one item ahead, by item position
        self._readers: dict[int, RelayReader] = {}

    # -- timing
    def restart_clock(self) -> None:
        """The next chunk is due now (a new list of items begins)."""
        self._clock = None

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

    # -- one item
    def _operator_cut(self, out: Outcome) -> bool:
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
        return utcnow().astimezone(self.settings.tz).strftime("%H:%M:%S")

    def preconnect(self, item: Item) -> None:
        """Start pulling a relay item's upstream now: loudness levelling needs a few seconds of it."""
        if item.relay and item.position not in self._readers:
            self._readers[item.position] = RelayReader(item.relay["url"], timeout_s=self.config.relay_silence_s).start()

    def stream_relay(
        self, item: Item, fallback_pcm: bytes, *, key: str, run_id: int, seek_ms: int, allow_emergency: bool
    ) -> Outcome:
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
        out = Outcome(feed=feed)
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

    def stream_live(self, item: Item, *, key: str, run_id: int) -> Outcome:
        """Air a live broadcast's audio as it arrives, until the speaker stops or the connection drops."""
        cfg = self.config
        chunk = ms_to_bytes(cfg.chunk_ms)
        live = item.live
        feed = LiveFeed(live["path"], container=live.get("container") or "matroska", drop_s=cfg.live_drop_s)
        out = Outcome()
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
        stamp = utcnow().astimezone(self.settings.tz).strftime("%Y%m%d-%H%M%S")
        return self.settings.subdir("recordings") / f"relay-{self.station_code}-{stamp}-{item.position}.mp3"

    def _show_relay(self, run_id: int, feed: RelayFeed) -> None:
        """What the operator's status page shows: relaying, or the fallback and why."""
        if self.current is not None:
            self.current["relay"] = {"upstream": feed.name, "state": feed.state, "reason": feed.reason}
        if feed.reason:
            self.log.run_update(run_id, last_error=f"Tiếp sóng {feed.name}: {feed.reason}"[:2000])

    def _write(self, piece: bytes, out: Outcome) -> bool:
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

    def stream_pcm(self, pcm: bytes, *, key: str, run_id: int, allow_emergency: bool) -> Outcome:
        """Write ``pcm`` to the sink chunk by chunk, minding stop, skip and emergencies."""
        cfg = self.config
        chunk = ms_to_bytes(cfg.chunk_ms)
        out = Outcome()
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

    def drop_readers(self) -> None:
        """Upstreams connected early for relay items that never aired (the session was stopped)."""
        for reader in self._readers.values():
            reader.stop()
        self._readers.clear()
