"""Live broadcasts on air: break in on every chosen station at once, chime, the speaker, chime.

The scheduler's control loop (every ``poll_s``) looks for live sessions whose first audio has arrived
(``starting``).  Stations aired by their agents get a ``live`` device command (the agent pulls the audio and
airs it the same way); for the others it claims ``live:SESSION:STATION`` once per station and hands each
station's channel an
emergency-style request: what airs is cut at once and logged ``interrupted``, the opening chime, the live
item (``kind`` = ``live``, its note naming the speaker), the closing chime; then the session resumes or
ends as for emergencies (``emergency_after``).  An idle station airs it alone.  Sessions whose browser
stopped sending are ended here too, so the player's feed sees the end and the recording is kept.
"""

from __future__ import annotations

import logging
from pathlib import Path

from sqlalchemy import select

from ..domain.models import LiveSession, Station
from ..domain.types import utcnow
from ..live.sessions import end_dropped
from ..network.commands import live_to_devices
from .channels import EmergencyRequest
from .claims import claim_key, claim_run
from .emergency import dispatch
from .items import Item, probe_ms
from .sinks import is_live

log = logging.getLogger("broadcast.playout")

CHIME = "chuong-bao.mp3"


def live_items(runtime, live: LiveSession, speaker: str) -> list[Item]:
    """Chime, the speaker, chime (no chime when the station has none)."""
    chime = Path(runtime.settings.assets_dir) / CHIME
    chime_ms = probe_ms(str(chime)) if chime.exists() else 0

    def bell(position: int, title: str) -> Item:
        return Item(position=position, title=title, audio_path=str(chime), duration_ms=chime_ms, kind="live")

    voice = Item(
        position=1,
        title=f"Phát trực tiếp: {speaker}"[:300],
        audio_path=None,
        duration_ms=0,
        kind="live",
        live={"id": live.id, "path": live.media_path, "container": live.mime or "matroska", "speaker": speaker},
    )
    if not chime_ms:
        return [voice]
    return [bell(0, "Chuông mở đầu phát trực tiếp"), voice, bell(2, "Chuông kết thúc phát trực tiếp")]


def poll(service) -> int:
    """Put newly started live sessions on air; end the dropped ones. Returns how many station airings began."""
    runtime, config = service.runtime, service.config
    started = 0
    with runtime.unit() as session:
        end_dropped(session, runtime.settings, service.clock())
        waiting = session.scalars(select(LiveSession).where(LiveSession.status == "starting")).all()
        todo = []
        for live in waiting:
            live.status = "on_air"
            speaker = live.user.full_name or live.user.username
            stations = session.scalars(select(Station).where(Station.id.in_(live.station_ids))).all()
            # stations aired by their agents: each device serving the chosen clusters gets a "live" command
            live_to_devices(session, live, [s.id for s in stations if s.sink.strip() == "agent"])
            aired_here = [(s.id, s.code, s.sink) for s in stations if is_live(s.sink)]
            todo.append((live.id, live_items(runtime, live, speaker), aired_here))
    for live_id, items, stations in todo:
        for station_id, code, sink in stations:
            run_id = claim_run(
                runtime,
                station_id=station_id,
                claim_key=claim_key("live", live_id, station_id),
                kind="live",
                air_date=utcnow().astimezone(runtime.settings.tz).date(),
                session_code=None,
                programme_id=None,
                scheduled_start=utcnow(),
                holder=service.holder,
                sink=None,
                status="pending",
            )
            if run_id is None:
                continue
            request = EmergencyRequest(
                run_id=run_id, items=items, break_mode="immediate", after=config.emergency_after, kind=None
            )
            dispatch(service, _StationRef(station_id, code, sink), request)
            started += 1
            log.warning("live session %s on air at %s (run %s)", live_id, code, run_id)
    return started


class _StationRef:
    """What ``service.channel`` needs of a station, without holding a database object across threads."""

    def __init__(self, station_id: int, code: str, sink: str):
        self.id, self.code, self.sink = station_id, code, sink
