"""Air one claimed run: read its programme once, open the sink, play it with a ``Player``, close the run."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from ..domain.models import AsRun, PlayoutRun, Programme, Station
from ..domain.types import utcnow
from .asrun import existing_rows
from .channels import Control
from .config import PlayoutConfig
from .items import programme_items
from .player import Player
from .sinks import Sink, SinkError
from .writer import LogWriter


@dataclass
class AirResult:
    run_id: int
    status: str
    rows: int = 0
    first_start: datetime | None = None
    lateness_ms: int | None = None


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
