"""The report's SQL: a few GROUP BY statements over the period's as-run rows (see the package docstring)."""

from __future__ import annotations

from sqlalchemy import and_, case, func, literal_column, select
from sqlalchemy.orm import Session

from ...domain.categories import CCHC_CODES
from ...domain.models import AsRun
from ..periods import Period
from .scope import AIRED, NOT_AIRED, Scope


def _flag(condition):
    return case((condition, 1), else_=0)


def _where(scope: Scope, period: Period | None = None):
    period = period or scope.period
    cond = [AsRun.air_date >= period.start, AsRun.air_date <= period.end]
    if scope.station is not None:
        cond.append(AsRun.station_id == scope.station.id)
    return and_(*cond)


def _cchc(col):
    return col.in_(CCHC_CODES)


def _status_in(values: tuple[str, ...]):
    """``status IN ('a', 'b')`` with the values written into the SQL, exactly as the partial indexes say it
    (a bound parameter would keep SQLite from matching the index's WHERE clause)."""
    return AsRun.status.in_([literal_column(f"'{v}'") for v in values])


def _aired_ms():
    """Airtime of one aired row (the rows are already filtered to aired/interrupted): an interrupted row
    counts what actually aired; an aired row with no measured time (manual) its planned duration."""
    return case((AsRun.status == literal_column("'interrupted'"), AsRun.aired_ms),
                else_=func.coalesce(func.nullif(AsRun.aired_ms, 0), AsRun.planned_ms, 0))


def session_rows(session: Session, scope: Scope, session_codes: tuple[str, ...]):
    """Aired rows by (day, station, session): ``(d, s, q, n, ms, cn, cms, *flags)`` — airings, airtime, CCHC
    airings and airtime, and for each code in ``session_codes`` a 0/1 flag "an item of this category aired in
    the session".

    One streaming GROUP BY in the order of ``ix_as_run_aired_station`` (SQLite: no sort); at most
    days × stations × sessions rows, which the caller rolls up by station and by day.
    """
    ms = _aired_ms()
    cchc = _cchc(AsRun.category_code)
    flags = [func.max(_flag(AsRun.category_code == code)).label(f"t{i}") for i, code in enumerate(session_codes)]
    stmt = (
        select(AsRun.air_date.label("d"), AsRun.station_id.label("s"), AsRun.session_code.label("q"),
               func.count().label("n"), func.sum(ms).label("ms"),
               func.sum(_flag(cchc)).label("cn"), func.sum(case((cchc, ms), else_=0)).label("cms"), *flags)
        .where(_where(scope), _status_in(AIRED))
        .group_by(AsRun.air_date, AsRun.station_id, AsRun.session_code)
    )
    return session.execute(stmt).all()


def not_aired_rows(session: Session, scope: Scope):
    """Rows that did not air (a few per cent of the log, from ``ix_as_run_not_aired`` alone): ``(by_session,
    by_category)`` — counts by (day, station, session), and by category."""
    where = and_(_where(scope), _status_in(NOT_AIRED))
    by_session = session.execute(
        select(AsRun.air_date, AsRun.station_id, AsRun.session_code, func.count())
        .where(where).group_by(AsRun.air_date, AsRun.station_id, AsRun.session_code)).all()
    by_category = session.execute(
        select(AsRun.category_code, func.count()).where(where).group_by(AsRun.category_code)).all()
    return by_session, by_category


def bulletin_rows(session: Session, scope: Scope):
    """Aired items by (bulletin, title, category, department): airings, airtime, manual airings and airtime,
    interrupted airings, first and last airing (mappings keyed ``bulletin_id, title, category_code,
    department_code, n, ms, mn, mms, intr, first, last``).

    PostgreSQL: one parallel hash aggregate (the ``st_as_run_item`` statistics tell the planner the key has a
    few hundred values).  SQLite (no hash aggregate: a GROUP BY out of index order sorts every row): per day
    first, streaming in the order of ``ix_as_run_aired_item``, then the few rows per bulletin over the period.
    """
    ms = _aired_ms()
    manual = AsRun.source == literal_column("'manual'")
    figures = (
        func.count().label("n"), func.sum(ms).label("ms"),
        func.sum(_flag(manual)).label("mn"), func.sum(case((manual, ms), else_=0)).label("mms"),
        func.sum(_flag(AsRun.status == literal_column("'interrupted'"))).label("intr"),
        func.min(AsRun.actual_start).label("first"), func.max(AsRun.actual_start).label("last"),
    )
    item = (AsRun.bulletin_id, AsRun.title, AsRun.category_code, AsRun.department_code)
    where = and_(_where(scope), _status_in(AIRED))
    if session.get_bind().dialect.name != "sqlite":
        return session.execute(select(*item, *figures).where(where).group_by(*item)).mappings().all()
    per_day = select(AsRun.air_date, *item, *figures).where(where).group_by(AsRun.air_date, *item).subquery()
    d = per_day.c
    stmt = (
        select(d.bulletin_id, d.title, d.category_code, d.department_code,
               func.sum(d.n).label("n"), func.sum(d.ms).label("ms"), func.sum(d.mn).label("mn"),
               func.sum(d.mms).label("mms"), func.sum(d.intr).label("intr"),
               func.min(d.first).label("first"), func.max(d.last).label("last"))
        .group_by(d.bulletin_id, d.title, d.category_code, d.department_code)
    )
    return session.execute(stmt).mappings().all()


def period_totals(session: Session, scope: Scope, period: Period):
    """Airings, airtime, CCHC airings and CCHC airtime of the scope's stations in ``period`` (the previous
    period, for the change): one mapping keyed ``n, ms, cn, cms``."""
    ms = _aired_ms()
    cchc = _cchc(AsRun.category_code)
    return session.execute(
        select(
            func.count().label("n"),
            func.coalesce(func.sum(ms), 0).label("ms"),
            func.coalesce(func.sum(_flag(cchc)), 0).label("cn"),
            func.coalesce(func.sum(case((cchc, ms), else_=0)), 0).label("cms"),
        ).where(_where(scope, period), _status_in(AIRED))
    ).mappings().one()
