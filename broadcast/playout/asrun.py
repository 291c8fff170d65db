"""The as-run log: one ``AsRun`` row per item aired (or not), written off the audio path.

``AsRunLog`` is bound to a ``LogWriter``, a station and a sink label.  For an
item that airs: ``start`` (a row ``airing``, returns its local key),
``heartbeat`` while it plays, ``complete`` with the final status.  For one
that never airs: ``final`` (``missed``, ``skipped``...) in one row.  A
completed airing of a bulletin counts one airing (``bulletin_aired``).
"""

from __future__ import annotations

import itertools
from datetime import date, datetime, timedelta

from sqlalchemy import select, update

from ..domain.models import AsRun, Bulletin, BulletinStatus, PlayoutRun
from ..domain.types import utcnow
from ..province.targets import province_department_ids  # a province bulletin's airings count per station
from .items import Item
from .writer import LogWriter

#: local keys of rows not yet written, unique within the process (several players share one writer)
_KEYS = itertools.count(1)


def bulletin_aired(session, bulletin_id: int) -> None:
    """One airing of the bulletin done: ``airings_left`` down by one, ``completed`` at 0."""
    session.execute(
        update(Bulletin)
        .where(
            Bulletin.id == bulletin_id,
            Bulletin.airings_left > 0,
            Bulletin.department_id.not_in(province_department_ids()),
        )
        .values(airings_left=Bulletin.airings_left - 1)
    )
    bulletin = session.get(Bulletin, bulletin_id)
    if bulletin is not None and bulletin.airings_left <= 0 and bulletin.status != BulletinStatus.completed.value:
        bulletin.status = BulletinStatus.completed.value


def existing_rows(session, run_id: int) -> set[int]:
    """Programme items a run has already logged (a resumed run does not log them again)."""
    return set(
        session.scalars(
            select(AsRun.programme_item_id).where(AsRun.run_id == run_id, AsRun.programme_item_id.is_not(None))
        )
    )


def run_update(writer: LogWriter, run_id: int, **values) -> None:
    """Queue an update of the run row (position, heartbeat, status...)."""

    def op(session, ids):
        session.execute(update(PlayoutRun).where(PlayoutRun.id == run_id).values(**values))

    writer.submit(op)


class AsRunLog:
    """The as-run rows of one station on one sink."""

    def __init__(self, writer: LogWriter, station_id: int, sink_label: str):
        self.writer = writer
        self.station_id = station_id
        self.sink_label = sink_label[:200]

    def row_values(
        self,
        item: Item,
        *,
        run_id: int | None,
        programme_id: int | None,
        session_code: str | None,
        air_date: date,
        scheduled: datetime | None,
        kind: str | None = None,
    ) -> dict:
        """The columns of an item's row that do not depend on how it aired."""
        return dict(
            station_id=self.station_id,
            run_id=run_id,
            programme_id=programme_id,
            programme_item_id=item.item_id,
            session_code=session_code,
            air_date=air_date,
            position=item.position,
            kind=kind or item.kind,
            bulletin_id=item.bulletin_id,
            title=item.title[:300],
            category_code=item.category_code,
            department_code=item.department_code,
            scheduled_start=scheduled,
            planned_ms=item.duration_ms,
            sink=self.sink_label,
            source="playout",
            # NULL, not [], for the whole station: one spelling of "everyone" in the as-run log.
            clusters=list(item.clusters) if item.clusters else None,
            upstream=(item.relay.get("upstream") or item.relay.get("url") or "")[:300] if item.relay else None,
        )

    def start(self, values: dict, *, start: datetime, lateness_ms: int | None, note: str | None) -> str:
        """A row ``airing`` from ``start``; returns the key ``heartbeat`` and ``complete`` refer to it by."""
        key = f"{self.station_id}:{next(_KEYS)}"

        def create(session, ids, values=dict(values)):  # noqa: B006  (a copy bound now, on purpose)
            row = AsRun(
                **values,
                actual_start=start,
                heartbeat_at=start,
                status="airing",
                aired_ms=0,
                lateness_ms=lateness_ms,
                note=note,
            )
            session.add(row)
            session.flush()
            return row.id

        self.writer.submit(create, key=key)
        return key

    def heartbeat(self, key: str, run_id: int, aired_ms: int) -> None:
        """Still airing: the row's and the run's heartbeat, and how much has aired."""
        now = utcnow()

        def op(session, ids):
            row_id = ids.get(key)
            if row_id is not None:
                session.execute(
                    update(AsRun)
                    .where(AsRun.id == row_id, AsRun.status == "airing")
                    .values(heartbeat_at=now, aired_ms=aired_ms)
                )
            session.execute(update(PlayoutRun).where(PlayoutRun.id == run_id).values(heartbeat_at=now))

        self.writer.submit(op)

    def complete(
        self,
        key: str,
        *,
        status: str,
        aired_ms: int,
        end: datetime,
        note: str | None,
        bulletin_id: int | None,
        fallback_ms: int | None = None,
        recording_path: str | None = None,
    ) -> None:
        """Close the row with its final status; an ``aired`` bulletin counts one airing.

        ``fallback_ms``: how long a relay's fallback aired instead of the upstream, ``recording_path``: what
        it relayed, recorded (relay rows only)."""
        values = dict(status=status, aired_ms=aired_ms, actual_end=end, heartbeat_at=end, note=note or None)
        if fallback_ms is not None:
            values["fallback_ms"] = fallback_ms
        if recording_path is not None:
            values["recording_path"] = recording_path

        def op(session, ids):
            row_id = ids.get(key)
            if row_id is None:
                return
            # Only a row still airing is closed: recovery may already have closed it.
            done = session.execute(
                update(AsRun).where(AsRun.id == row_id, AsRun.status == "airing").values(**values)
            ).rowcount
            if done and status == "aired" and bulletin_id is not None:
                bulletin_aired(session, bulletin_id)

        self.writer.submit(op)

    def final(
        self,
        values: dict,
        *,
        status: str,
        start: datetime,
        note: str | None,
        aired_ms: int = 0,
        lateness_ms: int | None = None,
    ) -> None:
        """A row written once, already final (an item missed, skipped, not decodable)."""

        def op(session, ids, values=dict(values)):  # noqa: B006  (a copy bound now, on purpose)
            row = AsRun(
                **values,
                actual_start=start,
                actual_end=start + timedelta(milliseconds=aired_ms),
                aired_ms=aired_ms,
                status=status,
                note=note,
                lateness_ms=lateness_ms,
                heartbeat_at=start,
            )
            session.add(row)
            session.flush()
            return row.id

        self.writer.submit(op)

    def session_row(
        self,
        *,
        run_id: int,
        programme_id: int | None,
        session_code: str,
        air_date: date,
        scheduled_start: datetime | None,
        status: str,
        note: str,
    ) -> None:
        """One row for a whole session that did not air and has no items to log (no programme)."""

        def op(session, ids):
            now = utcnow()
            session.add(
                AsRun(
                    station_id=self.station_id,
                    run_id=run_id,
                    programme_id=programme_id,
                    session_code=session_code,
                    air_date=air_date,
                    kind="session",
                    title=f"Buổi phát {session_code}",
                    scheduled_start=scheduled_start,
                    actual_start=now,
                    actual_end=now,
                    aired_ms=0,
                    status=status,
                    sink=self.sink_label,
                    note=note,
                    source="playout",
                )
            )

        self.writer.submit(op)

    def run_update(self, run_id: int, **values) -> None:
        run_update(self.writer, run_id, **values)
