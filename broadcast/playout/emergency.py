"""Emergency break-in: a newly approved ``emergency`` bulletin airs at once.

The scheduler polls the database (the approval may come from a web process
elsewhere) for emergency bulletins approved in the last
``emergency_max_age_s``, and claims ``emergency:BULLETIN:STATION`` once per
target station.  On a station that is airing, the current item is cut
(``emergency_break``: at the next pause, immediately, or at the item's end)
and logged ``interrupted``; the chime and the bulletin air; then the session
resumes (the cut item from its start) or ends (``emergency_after``).  On an
idle station it airs alone (``dispatch``).  Quiet hours do not apply.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from pathlib import Path

from sqlalchemy import or_, select
from sqlalchemy.orm import selectinload

from ..bulletins.recording import resolve_recording
from ..domain.labels import AIRABLE_STATUSES
from ..domain.models import AudioRendition, Bulletin, PlayoutRun, Station
from ..domain.types import utcnow
from ..errors import BroadcastError
from ..province.targets import is_province_bulletin
from .channels import Channel, EmergencyRequest
from .claims import claim_key, claim_run
from .items import Item, probe_ms
from .player import Player
from .sinks import SinkError, is_live, open_sink

log = logging.getLogger("broadcast.playout")


def bulletin_audio(runtime, bulletin: Bulletin, session) -> str:
    """A playable file for the bulletin: its recording, its current rendition, or a fresh TTS rendering."""
    if bulletin.recording_path:
        recording = resolve_recording(runtime.settings, bulletin.recording_path)
        if recording.exists():  # a recorded reading airs as recorded (uploads are kept relative)
            return str(recording)
    rendition = session.scalar(
        select(AudioRendition)
        .where(
            AudioRendition.bulletin_id == bulletin.id,
            AudioRendition.stale.is_(False),
            or_(AudioRendition.bulletin_version.is_(None), AudioRendition.bulletin_version == bulletin.version),
        )
        .order_by(AudioRendition.id.desc())
    )
    if rendition is not None and Path(rendition.path).exists():
        return rendition.path
    from ..speech.render import render_text

    rendered = render_text(
        bulletin.text_to_speak,
        engine_names=runtime.settings.tts_engines,
        cache_dir=runtime.settings.subdir("audio-cache"),
        tags={"title": bulletin.title[:100]},
    )
    return str(rendered.path)


def emergency_items(runtime, bulletin: Bulletin, session) -> list[Item]:
    items = []
    chime = Path(runtime.settings.assets_dir) / "chuong-bao.mp3"
    if chime.exists():
        items.append(
            Item(
                position=0,
                title="Chuông báo tin khẩn cấp",
                audio_path=str(chime),
                duration_ms=probe_ms(str(chime)),
                kind="emergency",
            )
        )
    path = bulletin_audio(runtime, bulletin, session)
    items.append(
        Item(
            position=len(items),
            title=bulletin.title,
            audio_path=path,
            duration_ms=probe_ms(path),
            offset_ms=items[0].duration_ms if items else 0,
            kind="emergency",
            bulletin_id=bulletin.id,
            category_code=bulletin.category.code if bulletin.category else None,
            department_code=bulletin.department.code if bulletin.department else None,
        )
    )
    return items


def pending(runtime, config, now=None) -> list[tuple[Bulletin, list[Station]]]:
    """Approved emergency bulletins not yet claimed on each of their live target stations."""
    now = now or utcnow()
    today = now.astimezone(runtime.settings.tz).date()
    found = []
    with runtime.unit() as session:
        bulletins = session.scalars(
            select(Bulletin)
            .where(
                Bulletin.priority == "emergency",
                Bulletin.status.in_(AIRABLE_STATUSES),
                Bulletin.approved_at >= now - timedelta(seconds=config.emergency_max_age_s),
                Bulletin.valid_until >= today,
            )
            .options(
                selectinload(Bulletin.stations), selectinload(Bulletin.category), selectinload(Bulletin.department)
            )
            .order_by(Bulletin.approved_at)
        ).all()
        if not bulletins:
            return []
        claimed = set(session.scalars(select(PlayoutRun.claim_key).where(PlayoutRun.kind == "emergency")))
        live = [s for s in session.scalars(select(Station).where(Station.enabled.is_(True))) if is_live(s.sink)]
        for b in bulletins:
            targets = _targets(b, live)
            targets = [s for s in targets if claim_key("emergency", b.id, s.id) not in claimed]
            if targets:
                found.append((b, targets))
        session.expunge_all()
    return found


def _targets(bulletin: Bulletin, live: list[Station]) -> list[Station]:
    """The live stations an emergency breaks in on: its own, every station for a province bulletin sent to
    all wards, its ward's stations for a ward's bulletin for all."""
    if not bulletin.all_stations:
        return [s for s in bulletin.stations if s.enabled and is_live(s.sink)]
    if is_province_bulletin(bulletin):
        return live
    return [s for s in live if s.ward_id == bulletin.department.ward_id]


def send_to_devices(runtime, config, now, retry: dict) -> int:
    """Emergencies approved before they had audio: render it (recorded like any rendition) and send each one
    to its agent stations' devices; one that cannot be rendered is tried again a minute later (``retry``:
    bulletin id -> next try). Returns how many bulletins were sent."""
    from ..network.commands import emergencies_waiting, emergency_to_devices
    from ..speech.store import render_bulletin

    sent = 0
    with runtime.unit() as session:
        for bulletin in emergencies_waiting(session, now - timedelta(seconds=config.emergency_max_age_s)):
            if retry.get(bulletin.id, now) > now:
                continue
            try:
                with session.begin_nested():
                    render_bulletin(session, bulletin, runtime.settings)
                    emergency_to_devices(session, bulletin)
                sent += 1
                log.warning("emergency bulletin %s rendered and sent to devices", bulletin.id)
            except BroadcastError as exc:
                retry[bulletin.id] = now + timedelta(seconds=60)
                log.error("emergency bulletin %s cannot go to devices: %s", bulletin.id, exc.message)
    return sent


def poll(service) -> int:
    """Claim and dispatch every new emergency; returns how many station airings were started."""
    runtime, config = service.runtime, service.config
    send_to_devices(runtime, config, service.clock(), service.device_retry)
    started = 0
    for bulletin, stations in pending(runtime, config, service.clock()):
        try:
            with runtime.unit() as session:
                b = session.get(
                    Bulletin, bulletin.id, options=[selectinload(Bulletin.category), selectinload(Bulletin.department)]
                )
                items = emergency_items(runtime, b, session)
        except Exception as exc:
            log.error("emergency bulletin %s has no audio: %s", bulletin.id, exc)
            for station in stations:
                claim_run(
                    runtime,
                    station_id=station.id,
                    claim_key=claim_key("emergency", bulletin.id, station.id),
                    kind="emergency",
                    air_date=utcnow().astimezone(runtime.settings.tz).date(),
                    session_code=None,
                    programme_id=None,
                    scheduled_start=utcnow(),
                    holder=service.holder,
                    sink=station.sink[:200],
                    bulletin_id=bulletin.id,
                    status="failed",
                    note=f"Không tạo được âm thanh cho tin khẩn cấp: {exc}"[:2000],
                )
            continue
        for station in stations:
            key = claim_key("emergency", bulletin.id, station.id)
            run_id = claim_run(
                runtime,
                station_id=station.id,
                claim_key=key,
                kind="emergency",
                air_date=utcnow().astimezone(runtime.settings.tz).date(),
                session_code=None,
                programme_id=None,
                scheduled_start=utcnow(),
                holder=service.holder,
                sink=None,
                bulletin_id=bulletin.id,
                status="pending",
            )
            if run_id is None:
                continue
            request = EmergencyRequest(
                run_id=run_id,
                items=items,
                break_mode=config.emergency_break,
                after=config.emergency_after,
                bulletin_id=bulletin.id,
            )
            dispatch(service, station, request)
            started += 1
            log.warning("emergency bulletin %s dispatched to %s (run %s)", bulletin.id, station.code, run_id)
    return started


# ---------------------------------------------------------------- airing


def dispatch(service, station, request: EmergencyRequest) -> None:
    """Break into what airs on the station, or air alone on an idle one (in its own thread)."""
    channel = service.channel(station)
    if channel.queue_emergency(request):
        return

    def alone_then_release():
        try:
            air_alone(service, channel, request)
        finally:
            service.release(channel)

    service.spawn(alone_then_release, name=f"emergency-{request.run_id}")


def air_alone(service, channel: Channel, request: EmergencyRequest) -> None:
    """Air ``request`` on a channel the caller holds and nothing else airs on."""
    with service.runtime.unit() as session:
        spec = session.get(Station, channel.station_id).sink
    try:
        sink = open_sink(spec)
        sink.open(title=f"{channel.code} khẩn cấp")
    except (BroadcastError, SinkError) as exc:
        service.close_run(request.run_id, "failed", getattr(exc, "message", str(exc)))
        request.done.set()
        return
    player = Player(
        service.runtime,
        {"id": channel.station_id, "code": channel.code},
        sink,
        config=service.config,
        writer=service.writer,
        control=channel.control,
        holder=service.holder,
    )
    channel.player = player
    try:
        player.air_emergency(request)
    finally:
        sink.close()
        player.close()
        service.writer.flush(30)
