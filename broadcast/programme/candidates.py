"""The bulletins a day's sessions may carry at one station, with their rotation history (filling rules 1-2),
and the approved bulletins no session can carry."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from ..domain.labels import AIRABLE_STATUSES
from ..domain.models import (
    AsRun,
    Bulletin,
    Programme,
    ProgrammeItem,
    Station,
)
from ..province.decisions import positions
from ..province.targets import airs_at_clause, is_province_bulletin
from .calendar import next_session_dates
from .fill import Candidate
from .timing import warning

Candidates = dict[int, tuple[Bulletin, Candidate]]  # bulletin id -> (row, what the filler sees)


def _for_station(station: Station):
    # The ward's own bulletins meant for the station, and province bulletins its ward accepted.
    return airs_at_clause(station)


def day_candidates(
    session: Session, station: Station, on_date: date, today: date, skip_programme_ids: set[int]
) -> Candidates:
    """Approved bulletins airing at ``station`` on ``on_date`` with airings left, minus the airings promised by
    built programmes from ``today`` on that have not aired (except ``skip_programme_ids``, the ones being
    rebuilt); each with how often and how lately it aired here."""
    rows = session.scalars(
        select(Bulletin)
        .where(
            Bulletin.status.in_(AIRABLE_STATUSES),
            Bulletin.valid_from <= on_date,
            Bulletin.valid_until >= on_date,
            Bulletin.airings_left > 0,
            _for_station(station),
        )
        .options(selectinload(Bulletin.category), selectinload(Bulletin.department), selectinload(Bulletin.clusters))
        .order_by(Bulletin.id)
    ).all()
    if not rows:
        return {}
    ids = [b.id for b in rows]
    pending = _pending_airings(session, ids, today, skip_programme_ids)
    history = _history(session, station, ids, on_date)
    placed = positions(session, station.id, ids)  # the ward's order of province priority items
    sent_down = _province_airings_left(session, station, rows, today, skip_programme_ids)
    result = {}
    for b in rows:
        seen = history.get(b.id, [])
        result[b.id] = (
            b,
            Candidate(
                id=b.id,
                title=b.title,
                category=b.category.code,
                duration_ms=0,
                priority=b.priority,
                is_cchc=b.category.is_cchc,
                department=b.department.code if b.department else None,
                status=b.status,
                valid_from=b.valid_from,
                valid_until=b.valid_until,
                airings_left=sent_down.get(b.id, b.airings_left - pending.get(b.id, 0)),
                targets_station=True,
                aired_count=len(seen),
                last_aired=max(seen) if seen else None,
                position=placed.get(b.id),
            ),
        )
    return result


def _pending_airings(session: Session, ids: list[int], today: date, skip_programme_ids: set[int]) -> dict[int, int]:
    """Airings already promised by other built programmes that have not aired yet."""
    aired_item_ids = select(AsRun.programme_item_id).where(
        AsRun.status == "aired", AsRun.programme_item_id.is_not(None)
    )
    return dict(
        session.execute(
            select(ProgrammeItem.bulletin_id, func.count(ProgrammeItem.id))
            .join(Programme, Programme.id == ProgrammeItem.programme_id)
            .where(
                ProgrammeItem.bulletin_id.in_(ids),
                Programme.on_date >= today,
                Programme.id.not_in(skip_programme_ids or {-1}),
                ProgrammeItem.id.not_in(aired_item_ids),
            )
            .group_by(ProgrammeItem.bulletin_id)
        ).all()
    )


def _province_airings_left(
    session: Session, station: Station, rows: list[Bulletin], today: date, skip_programme_ids: set[int]
) -> dict[int, int]:
    """A province bulletin's airings are counted per station (each ward airs it as often as asked): what is
    left here is its airings wanted minus those aired here and those promised by this station's built
    programmes from ``today`` on (except the ones being rebuilt)."""
    ids = [b.id for b in rows if is_province_bulletin(b)]
    if not ids:
        return {}
    aired = dict(
        session.execute(
            select(AsRun.bulletin_id, func.count())
            .where(AsRun.bulletin_id.in_(ids), AsRun.station_id == station.id, AsRun.status == "aired")
            .group_by(AsRun.bulletin_id)
        ).all()
    )
    aired_item_ids = select(AsRun.programme_item_id).where(
        AsRun.status == "aired", AsRun.programme_item_id.is_not(None), AsRun.station_id == station.id
    )
    promised = dict(
        session.execute(
            select(ProgrammeItem.bulletin_id, func.count(ProgrammeItem.id))
            .join(Programme, Programme.id == ProgrammeItem.programme_id)
            .where(
                ProgrammeItem.bulletin_id.in_(ids),
                Programme.station_id == station.id,
                Programme.on_date >= today,
                Programme.id.not_in(skip_programme_ids or {-1}),
                ProgrammeItem.id.not_in(aired_item_ids),
            )
            .group_by(ProgrammeItem.bulletin_id)
        ).all()
    )
    wanted = {b.id: b.airings_wanted for b in rows}
    return {bid: wanted[bid] - aired.get(bid, 0) - promised.get(bid, 0) for bid in ids}


def _history(session: Session, station: Station, ids: list[int], on_date: date) -> dict[int, list[date]]:
    """Rotation history at this station: earlier programmes, plus airings logged without a programme item."""
    history: dict[int, list[date]] = {}
    for bid, day in session.execute(
        select(ProgrammeItem.bulletin_id, Programme.on_date)
        .join(Programme, Programme.id == ProgrammeItem.programme_id)
        .where(ProgrammeItem.bulletin_id.in_(ids), Programme.station_id == station.id, Programme.on_date < on_date)
    ):
        history.setdefault(bid, []).append(day)
    for bid, day in session.execute(
        select(AsRun.bulletin_id, AsRun.air_date).where(
            AsRun.bulletin_id.in_(ids),
            AsRun.station_id == station.id,
            AsRun.status == "aired",
            AsRun.air_date < on_date,
            AsRun.programme_item_id.is_(None),
        )
    ):
        history.setdefault(bid, []).append(day)
    return history


def account(c: Candidate, on_date: date) -> None:
    """One more airing of ``c`` on ``on_date`` (placed in a session, or kept in a locked one)."""
    c.airings_left -= 1
    c.aired_count += 1
    c.last_aired = on_date


def unreachable_warnings(session: Session, station: Station, on_date: date, horizon_days: int = 31) -> list[dict]:
    """Approved bulletins whose whole window falls between this day and the station's next session day."""
    nxt = next_session_dates(session, station, on_date, on_date + timedelta(days=horizon_days))
    last = (nxt[0] if nxt else on_date + timedelta(days=horizon_days + 1)) - timedelta(days=1)
    if last <= on_date:
        return []
    rows = session.scalars(
        select(Bulletin)
        .where(
            Bulletin.status.in_(AIRABLE_STATUSES),
            Bulletin.airings_left > 0,
            Bulletin.valid_from > on_date,
            Bulletin.valid_until <= last,
            _for_station(station),
        )
        .order_by(Bulletin.valid_from, Bulletin.id)
    )
    return [
        warning(
            "expiring",
            f"Tin «{b.title}» chỉ phát từ {b.valid_from:%d/%m/%Y} đến {b.valid_until:%d/%m/%Y}, "
            "không có buổi phát nào trong thời gian đó; hãy chèn vào buổi hôm nay, thêm buổi "
            "phát hoặc sửa thời hạn.",
            bulletin_id=b.id,
        )
        for b in rows
    ]
