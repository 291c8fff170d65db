"""The agent's local playout store: ``DATA_DIR/playout.db``, a SQLite database migrated with the project's own
migrations, so the playout core (claims, Player, AsRunLog, recovery) runs on it unchanged.

It holds only what airing needs: ``playout_runs`` (the claim keys that keep a session from airing twice, even
across a SIGKILL) and ``as_run`` (the rows the Player writes). The server's programme, bulletin and station
rows are not here, so foreign keys are not enforced on this database; ``programme_item_id`` holds the item's
position (the Player uses it to tell which items a resumed run already logged). Each finished row is copied
into the outbox (``export``) under a stable uid, ``DEVICE-STORE-ID``, and marked exported by that uid.
"""

from __future__ import annotations

import logging
import os
import uuid
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import create_engine, event, select, update

from ..config import Settings
from ..domain.models import AsRun, PlayoutRun, Setting
from ..migrate import current_revision, head_revision, upgrade
from ..runtime import Runtime

log = logging.getLogger(__name__)
STATION_ID = 1  # the agent airs one station; its id in this local store
STORE_ID_KEY = "agent.store_id"


def _pragmas(dbapi_conn, _record):
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA busy_timeout=15000")
    cur.execute("PRAGMA foreign_keys=OFF")  # no server rows here (see the module docstring)
    cur.execute("PRAGMA synchronous=FULL")  # a claim written before a power cut is still there after it
    cur.close()


def _engine(path: Path):
    engine = create_engine(f"sqlite:///{path}")
    event.listen(engine, "connect", _pragmas)
    return engine


def open_store(data_dir: Path, timezone: str | None = None) -> tuple[Runtime, str]:
    """(a Runtime on the local store, the store's id); migrates it on first use or after an upgrade."""
    path = Path(data_dir) / "playout.db"
    if not path.exists():  # made aside and renamed in: a kill during the first migration leaves no half store
        fresh = path.with_suffix(".new")
        for leftover in Path(data_dir).glob("playout.new*"):
            leftover.unlink()
        scratch = _engine(fresh)
        upgrade(scratch)
        scratch.dispose()
        os.replace(fresh, path)
    engine = _engine(path)
    if current_revision(engine) != head_revision():  # a newer agent: its migrations, in place
        upgrade(engine)
    settings = Settings(
        database_url=str(engine.url),
        data_dir=Path(data_dir),
        secret_key="agent-local",
        **({"timezone": timezone} if timezone else {}),
    )
    runtime = Runtime(settings, engine)
    with runtime.unit() as session:
        row = session.get(Setting, STORE_ID_KEY)
        if row is None:
            row = Setting(key=STORE_ID_KEY, value=uuid.uuid4().hex[:8])
            session.add(row)
        store_id = row.value
    return runtime, store_id


def _iso(when: datetime | None, shift: timedelta) -> str | None:
    return (when + shift).isoformat() if when is not None else None


def row_body(row: AsRun, uid: str, device: str, shift: timedelta) -> dict:
    """The outbox row: the server's as-run fields, times moved onto the server's clock by ``shift``."""
    return {
        "uid": uid,
        "device": device,
        "date": row.air_date.isoformat(),
        "session": row.session_code,
        "position": row.position,
        "kind": row.kind,
        "title": row.title,
        "bulletin_id": row.bulletin_id if row.kind == "emergency" else None,
        "scheduled_start": _iso(row.scheduled_start, shift),
        "actual_start": _iso(row.actual_start, shift),
        "actual_end": _iso(row.actual_end, shift),
        "planned_ms": row.planned_ms,
        "aired_ms": row.aired_ms,
        "lateness_ms": row.lateness_ms,
        "status": row.status,
        "note": row.note,
        "clusters": list(row.clusters or []),  # the item's target clusters as the agent aired it; [] = everyone
        "fallback_ms": row.fallback_ms,  # a relay's: how long its fallback covered for the upstream
    }


def live_ids(session, rows: list[AsRun]) -> dict[int, int]:
    """run id -> live session id, for the rows of live broadcasts (their run's claim key names it)."""
    runs = {r.run_id for r in rows if r.kind == "live" and r.run_id is not None}
    if not runs:
        return {}
    keys = session.execute(select(PlayoutRun.id, PlayoutRun.claim_key).where(PlayoutRun.id.in_(runs))).all()
    out = {}
    for run_id, key in keys:
        parts = (key or "").split(":")
        if len(parts) > 1 and parts[0] == "live" and parts[1].isdigit():
            out[run_id] = int(parts[1])
    return out


def export(runtime: Runtime, store_id: str, device: str, add, shift: timedelta) -> int:
    """Copy every finished, not yet exported row into the outbox with ``add(body)``; returns how many.
    The uid is fixed by the row's id, so a crash between ``add`` and the mark only adds it again, which the
    outbox ignores (uid unique)."""
    with runtime.unit() as session:
        rows = session.scalars(
            select(AsRun).where(AsRun.uid.is_(None), AsRun.status != "airing").order_by(AsRun.id)
        ).all()
        lives = live_ids(session, rows)
        for row in rows:
            uid = f"{device[:40]}-{store_id}-{row.id}"
            body = row_body(row, uid, device, shift)
            if row.run_id in lives:
                body["live_id"] = lives[row.run_id]  # the server stores it against the "live" command it sent
            add(body)
            session.execute(update(AsRun).where(AsRun.id == row.id).values(uid=uid))
    return len(rows)
