"""The report's figures read from the day rollups (migration 0015) instead of the as-run rows.

``as_run_day_session`` (day, station, session, category) and ``as_run_day_item`` (day, ward, item) are kept
by triggers as rows are written, so a month of a province's log is some thousands of rollup rows, not a
million as-run rows.  Each function returns exactly what its twin in ``queries`` returns from the rows; a
key stored as ``''`` or ``0`` (no session, category, department or bulletin) comes back as NULL, as it is
in the log.  The rollups have no device or cluster, so a report of one cluster reads the rows
(``covers``); nor a station in the item rollup, so one station's items do too (``covers_items``).
"""

from __future__ import annotations

from sqlalchemy import BigInteger, and_, case, cast, func, literal_column, select
from sqlalchemy.orm import Session

from ...domain.categories import CCHC_CODES
from ...domain.models import AsRunDayItem, AsRunDaySession
from ..periods import Period
from . import session_rows
from .scope import Scope

S = AsRunDaySession
I = AsRunDayItem  # noqa: E741  (the item rollup, beside S)


def covers(scope: Scope) -> bool:
    """The session rollup serves the report: the scope is not one cluster (the rollup has no cluster)."""
    return scope.cluster is None


def covers_items(scope: Scope) -> bool:
    """The item rollup serves the report: no cluster, and not one station (the rollup is per ward)."""
    return scope.cluster is None and scope.station is None


def _total(col):
    """A sum as an integer on every database (PostgreSQL's SUM of a bigint is numeric)."""
    return cast(func.coalesce(func.sum(col), 0), BigInteger)


def _flag(condition):
    return case((condition, 1), else_=0)


def _null_if_empty(col):
    return func.nullif(col, literal_column("''"))


def _cchc(col):
    return col.in_([literal_column(f"'{code}'") for code in CCHC_CODES])


def _where(scope: Scope, period: Period | None = None):
    period = period or scope.period
    cond = [S.air_date >= period.start, S.air_date <= period.end]
    if scope.station is not None:
        cond.append(S.station_id == scope.station.id)
    elif scope.station_ids is not None:
        cond.append(S.station_id.in_(scope.station_ids))
    return and_(*cond)


def session_figures(session: Session, scope: Scope, session_codes: tuple[str, ...]):
    """``queries.session_figures``' rows from the session rollup in one scan: one CTE per (day, station,
    session) holds both the aired figures and the rows that did not air, grouped on the rollup's own key
    columns (its primary key's order, no expression to hash); days and stations come from its aired
    sessions, the missed sessions from those where nothing aired."""
    cchc = _cchc(S.category_code)
    x = (
        select(
            S.air_date.label("d"),
            S.station_id.label("s"),
            S.session_code.label("q"),
            _total(S.aired_n).label("n"),
            _total(S.aired_ms).label("ms"),
            _total(case((cchc, S.aired_n), else_=0)).label("cn"),
            _total(case((cchc, S.aired_ms), else_=0)).label("cms"),
            _total(S.not_aired_n).label("na"),
            *(
                func.max(case((and_(S.category_code == code, S.aired_n > 0), 1), else_=0)).label(f"t{i}")
                for i, code in enumerate(session_codes)
            ),
        )
        .where(_where(scope))
        .group_by(S.air_date, S.station_id, S.session_code)
        .cte("x")
    )
    c = x.c
    zero, none = literal_column("0"), literal_column("NULL")
    in_session = c.q != literal_column("''")
    aired = c.n > 0
    days = session_rows.by_day(c, session_codes).where(aired)
    stations = session_rows.by_station(c, in_session, session_codes).where(aired)
    missed = (
        select(
            literal_column("'m'"),
            c.s,
            none,
            *(zero for _ in range(6)),
            func.sum(_flag(and_(in_session, c.n == 0))),
            func.sum(c.na),
            *(zero for _ in session_codes),
        )
        .where(c.na > 0)
        .group_by(c.s)
    )
    return session.execute(days.union_all(stations, missed)).all()


def not_aired_by_category(session: Session, scope: Scope):
    category = _null_if_empty(S.category_code)
    return session.execute(
        select(category, _total(S.not_aired_n)).where(_where(scope), S.not_aired_n > 0).group_by(category)
    ).all()


def period_totals(session: Session, scope: Scope, period: Period):
    cchc = _cchc(S.category_code)
    return (
        session.execute(
            select(
                _total(S.aired_n).label("n"),
                _total(S.aired_ms).label("ms"),
                _total(case((cchc, S.aired_n), else_=0)).label("cn"),
                _total(case((cchc, S.aired_ms), else_=0)).label("cms"),
            ).where(_where(scope, period))
        )
        .mappings()
        .one()
    )


def own_airtime_ms(session: Session, scope: Scope) -> int:
    return int(session.scalar(select(_total(S.aired_ms - S.relay_ms)).where(_where(scope))) or 0)


def station_category_rows(session: Session, scope: Scope):
    category = _null_if_empty(S.category_code)
    return session.execute(
        select(S.station_id, category, _total(S.aired_n), _total(S.aired_ms))
        .where(_where(scope), S.aired_n > 0)
        .group_by(S.station_id, category)
    ).all()


def bulletin_rows(session: Session, scope: Scope):
    """Aired items by (bulletin, title, category, department) over the scope's wards (``covers_items``)."""
    cond = [I.air_date >= scope.period.start, I.air_date <= scope.period.end, I.n > 0]
    if scope.station_ids is not None:
        cond.append(I.ward_id.in_([w.id for w in scope.wards]))
    item = (I.bulletin_id, I.title, I.category_code, I.department_code)
    return (
        session.execute(
            select(
                func.nullif(I.bulletin_id, literal_column("0")).label("bulletin_id"),
                I.title,
                _null_if_empty(I.category_code).label("category_code"),
                _null_if_empty(I.department_code).label("department_code"),
                _total(I.n).label("n"),
                _total(I.ms).label("ms"),
                _total(I.manual_n).label("mn"),
                _total(I.manual_ms).label("mms"),
                _total(I.interrupted_n).label("intr"),
                func.min(I.first_at).label("first"),
                func.max(I.last_at).label("last"),
            )
            .where(*cond)
            .group_by(*item)
        )
        .mappings()
        .all()
    )
