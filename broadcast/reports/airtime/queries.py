"""The report's SQL: a few GROUP BY statements over the period's as-run rows (see the package docstring).

Each function first hands over to its twin in ``rollups`` when the day rollups cover the scope (every
report but a cluster's; the item table of a one-station report too reads the rows): what follows is the
SQL over the log itself, and why it could not be made faster than it is.

Where the time goes on PostgreSQL 15, default settings (bench: 1,000,000 rows, 100 stations, a month; measured
2026-11-28, hand-written GROUP BY 115-135 ms).  The session GROUP BY and the item GROUP BY cost ~175 ms each,
the rest ~20 ms.  Each is one parallel scan with a hash aggregate, the plan the planner picks and the fastest
measured: forcing index-only scans saves ~25 ms on the session side (the 58 MB ``ix_as_run_aired_station``
stays in shared buffers) and loses ~60 ms on the item side (``ix_as_run_aired_item`` is 150 MB, larger than
the default 128 MB of shared buffers).  The single-process costs over the 940,000 aired rows: reading and
filtering ~125 ms, hashing by session +75 ms, by item (four columns, three of them text) +135 ms, each extra
aggregate 5-15 ms.  A single pass cannot serve both keys in parallel: GROUPING SETS run in one process
(~400 ms), a UNION ALL over day ranges under a Parallel Append ~300 ms, one GROUP BY over both keys (each row
twice) ~730 ms, per-day LATERAL index-only subqueries ~180 ms for the session side alone.  No index makes
either pass cheaper (the aired durations make every index entry distinct, so deduplication cannot help), so
two scans of the month stay about 2.5-3x the hand-written query.  Reaching 1.5x needed figures kept per day
as rows are written: the rollups of migration 0015 (the same month: 0.27 s against the hand-written 0.28 s).
"""

from __future__ import annotations

from sqlalchemy import Text, and_, case, func, literal_column, or_, select, type_coerce
from sqlalchemy.orm import Session

from ...domain.categories import CCHC_CODES
from ...domain.models import AsRun
from ..periods import Period
from . import rollups, session_rows
from .scope import AIRED, NOT_AIRED, ClusterFilter, Scope


def _flag(condition):
    return case((condition, 1), else_=0)


def _where(scope: Scope, period: Period | None = None):
    period = period or scope.period
    cond = [AsRun.air_date >= period.start, AsRun.air_date <= period.end]
    if scope.station is not None:
        cond.append(AsRun.station_id == scope.station.id)
    elif scope.station_ids is not None:
        cond.append(AsRun.station_id.in_(scope.station_ids))
    if scope.cluster is not None:
        cond.append(_heard_in(scope.cluster))
    return and_(*cond)


def _heard_in(cluster: ClusterFilter):
    """Rows heard in ``cluster``: the item was meant for it (no cluster list, an empty one, or one naming it)
    and it aired from the server or from a device serving that cluster.  The list is JSON text on both
    databases, so a LIKE on the quoted code finds it (the code is a known cluster's, ``_``/``%`` escaped);
    added only when a cluster is asked for, so the report's usual SQL and its indexes are unchanged."""
    text = type_coerce(AsRun.clusters, Text())  # compared as the stored text, not bound through json.dumps
    meant = or_(
        AsRun.clusters.is_(None),
        text == literal_column("'[]'"),
        text.contains(cluster.json_code, autoescape=True),
    )
    by = AsRun.device_id.is_(None)
    if cluster.device_ids:
        by = or_(by, AsRun.device_id.in_(cluster.device_ids))
    return and_(meant, by)


def _cchc(col):
    """``col IN (the CCHC codes)``, the codes written into the SQL.  PostgreSQL (14+) probes an IN list of 9 or
    more constants through a hash table instead of comparing them one by one; the CCHC test runs twice per aired
    row of the period, so the 7 codes are padded to 9 by repeating the last (30 ms of a 100-station month)."""
    codes = CCHC_CODES + CCHC_CODES[-1:] * max(0, 9 - len(CCHC_CODES))
    return col.in_([literal_column(f"'{code}'") for code in codes])


def _status_in(values: tuple[str, ...]):
    """``status IN ('a', 'b')`` with the values written into the SQL, exactly as the partial indexes say it
    (a bound parameter would keep SQLite from matching the index's WHERE clause)."""
    return AsRun.status.in_([literal_column(f"'{v}'") for v in values])


def _aired_ms():
    """Airtime of one aired row (the rows are already filtered to aired/interrupted): an interrupted row
    counts what actually aired; an aired row with no measured time (manual) its planned duration.  The integer
    test first: most rows have a measured time and never reach the text comparison."""
    return case(
        (or_(AsRun.aired_ms != literal_column("0"), AsRun.status == literal_column("'interrupted'")), AsRun.aired_ms),
        else_=func.coalesce(AsRun.planned_ms, literal_column("0")),
    )


def _per_session(scope: Scope, session_codes: tuple[str, ...]):
    """The two GROUP BYs by (day, station, session), as CTEs: ``sess`` over the aired rows (airings, airtime,
    CCHC airings and airtime, ``t<i>`` whether an item of ``session_codes[i]`` aired) and ``na`` over the rows
    that did not air (their count)."""
    ms = _aired_ms()
    cchc = _cchc(AsRun.category_code)
    key = (AsRun.air_date, AsRun.station_id, AsRun.session_code)
    sess = (
        select(
            AsRun.air_date.label("d"),
            AsRun.station_id.label("s"),
            AsRun.session_code.label("q"),
            func.count().label("n"),
            func.sum(ms).label("ms"),
            func.sum(_flag(cchc)).label("cn"),
            func.sum(case((cchc, ms), else_=0)).label("cms"),
            *(func.max(_flag(AsRun.category_code == code)).label(f"t{i}") for i, code in enumerate(session_codes)),
        )
        .where(_where(scope), _status_in(AIRED))
        .group_by(*key)
        .cte("sess")
    )
    na = (
        select(
            AsRun.air_date.label("d"),
            AsRun.station_id.label("s"),
            AsRun.session_code.label("q"),
            func.count().label("n"),
        )
        .where(_where(scope), _status_in(NOT_AIRED))
        .group_by(*key)
        .cte("na")
    )
    return sess, na


def session_figures(session: Session, scope: Scope, session_codes: tuple[str, ...]):
    """The per-session figures rolled up by day and by station in the database, so ~130 rows come back
    instead of one per (day, station, session) — 12,400 for a 100-station month, whose fetch and Python
    roll-up cost a quarter of the report's time on PostgreSQL.

    Rows ``(kind, s, d, n, ms, cn, cms, aired, cchc, missed, not_aired, *flags)``: ``kind`` ``"d"`` is a day
    (``d``: airings, airtime, CCHC airings and airtime); ``"s"`` a station (``s``: the same figures, sessions
    aired and with a CCHC item, and for each code of ``session_codes`` the sessions where an item of it aired);
    ``"m"`` a station's rows that did not air (``not_aired``) and its missed sessions (``missed``: not-aired
    rows and nothing aired).  A station may come in an ``"s"`` and an ``"m"`` row; the caller adds them.
    A row without a session code counts its airtime but no session.

    The per-session GROUP BY streams in the order of ``ix_as_run_aired_station`` (SQLite: no sort); the
    not-aired side reads ``ix_as_run_not_aired`` alone.
    """
    if rollups.covers(scope):
        return rollups.session_figures(session, scope, session_codes)
    sess, na = _per_session(scope, session_codes)
    zero, none = literal_column("0"), literal_column("NULL")
    c = sess.c
    in_session = c.q.is_not(None)
    by_day = session_rows.by_day(c, session_codes)
    by_station = session_rows.by_station(c, in_session, session_codes)
    aired = and_(c.d == na.c.d, c.s == na.c.s, c.q == na.c.q)
    missed = (
        select(
            literal_column("'m'"),
            na.c.s,
            none,
            zero,
            zero,
            zero,
            zero,
            zero,
            zero,
            func.sum(_flag(and_(na.c.q.is_not(None), c.d.is_(None)))),
            func.sum(na.c.n),
            *(zero for _ in session_codes),
        )
        .select_from(na.outerjoin(sess, aired))
        .group_by(na.c.s)
    )
    return session.execute(by_day.union_all(by_station, missed)).all()


def not_aired_by_category(session: Session, scope: Scope):
    """Rows that did not air (a few per cent of the log, from ``ix_as_run_not_aired`` alone), counted by
    category: ``(category_code, n)``."""
    if rollups.covers(scope):
        return rollups.not_aired_by_category(session, scope)
    return session.execute(
        select(AsRun.category_code, func.count())
        .where(_where(scope), _status_in(NOT_AIRED))
        .group_by(AsRun.category_code)
    ).all()


def bulletin_rows(session: Session, scope: Scope):
    """Aired items by (bulletin, title, category, department): airings, airtime, manual airings and airtime,
    interrupted airings, first and last airing (mappings keyed ``bulletin_id, title, category_code,
    department_code, n, ms, mn, mms, intr, first, last``).

    PostgreSQL: one parallel hash aggregate (the ``st_as_run_item`` statistics tell the planner the key has a
    few hundred values).  SQLite (no hash aggregate: a GROUP BY out of index order sorts every row): per day
    first, streaming in the order of ``ix_as_run_aired_item``, then the few rows per bulletin over the period.
    """
    if rollups.covers_items(scope):
        return rollups.bulletin_rows(session, scope)
    ms = _aired_ms()
    manual = AsRun.source == literal_column("'manual'")
    figures = (
        func.count().label("n"),
        func.sum(ms).label("ms"),
        func.sum(_flag(manual)).label("mn"),
        func.sum(case((manual, ms), else_=0)).label("mms"),
        func.sum(_flag(AsRun.status == literal_column("'interrupted'"))).label("intr"),
        func.min(AsRun.actual_start).label("first"),
        func.max(AsRun.actual_start).label("last"),
    )
    item = (AsRun.bulletin_id, AsRun.title, AsRun.category_code, AsRun.department_code)
    where = and_(_where(scope), _status_in(AIRED))
    if session.get_bind().dialect.name != "sqlite":
        return session.execute(select(*item, *figures).where(where).group_by(*item)).mappings().all()
    per_day = select(AsRun.air_date, *item, *figures).where(where).group_by(AsRun.air_date, *item).subquery()
    d = per_day.c
    stmt = select(
        d.bulletin_id,
        d.title,
        d.category_code,
        d.department_code,
        func.sum(d.n).label("n"),
        func.sum(d.ms).label("ms"),
        func.sum(d.mn).label("mn"),
        func.sum(d.mms).label("mms"),
        func.sum(d.intr).label("intr"),
        func.min(d.first).label("first"),
        func.max(d.last).label("last"),
    ).group_by(d.bulletin_id, d.title, d.category_code, d.department_code)
    return session.execute(stmt).mappings().all()


def period_totals(session: Session, scope: Scope, period: Period):
    """Airings, airtime, CCHC airings and CCHC airtime of the scope's stations in ``period`` (the previous
    period, for the change): one mapping keyed ``n, ms, cn, cms``."""
    if rollups.covers(scope):
        return rollups.period_totals(session, scope, period)
    ms = _aired_ms()
    cchc = _cchc(AsRun.category_code)
    return (
        session.execute(
            select(
                func.count().label("n"),
                func.coalesce(func.sum(ms), 0).label("ms"),
                func.coalesce(func.sum(_flag(cchc)), 0).label("cn"),
                func.coalesce(func.sum(case((cchc, ms), else_=0)), 0).label("cms"),
            ).where(_where(scope, period), _status_in(AIRED))
        )
        .mappings()
        .one()
    )


def device_figures(session: Session, scope: Scope):
    """Per device (rows a station agent aired and delivered): ``(device_id, n, ms, sessions, missed, skipped)``
    — airings and airtime as everywhere in the report, the sessions where one of its items aired, its rows
    failed or missed, and its rows skipped (an item not meant for its clusters, or without its audio file).
    Run only when the scope's stations have devices, so a station network's report pays for it alone."""
    aired = _status_in(AIRED)
    per_session = (
        select(
            AsRun.device_id.label("dev"),
            AsRun.session_code.label("q"),
            func.sum(_flag(aired)).label("n"),
            func.sum(case((aired, _aired_ms()), else_=0)).label("ms"),
            func.sum(_flag(_status_in(("failed", "missed")))).label("missed"),
            func.sum(_flag(AsRun.status == literal_column("'skipped'"))).label("skipped"),
        )
        .where(_where(scope), AsRun.device_id.is_not(None))
        .group_by(AsRun.device_id, AsRun.air_date, AsRun.session_code)
        .subquery()
    )
    c = per_session.c
    return session.execute(
        select(
            c.dev,
            func.sum(c.n),
            func.sum(c.ms),
            func.sum(_flag(and_(c.q.is_not(None), c.n > 0))),
            func.sum(c.missed),
            func.sum(c.skipped),
        ).group_by(c.dev)
    ).all()


def relay_rows(session: Session, scope: Scope):
    """Relay items by upstream: ``(upstream, slots, relayed_ms, fallback_ms, not_aired)``, over the small
    partial index of relay rows (``ix_as_run_relay``): a period without relays costs one index probe."""
    relay = AsRun.kind == literal_column("'relay'")
    aired = _status_in(AIRED)
    return session.execute(
        select(
            AsRun.upstream,
            func.count(),
            func.sum(case((aired, AsRun.aired_ms), else_=0)),
            func.sum(func.coalesce(AsRun.fallback_ms, 0)),
            func.sum(_flag(_status_in(NOT_AIRED))),
        )
        .where(_where(scope), relay)
        .group_by(AsRun.upstream)
        .order_by(AsRun.upstream)
    ).all()


def own_airtime_ms(session: Session, scope: Scope) -> int:
    """Airtime of everything but relays: the station's own content beside what it relayed."""
    if rollups.covers(scope):
        return rollups.own_airtime_ms(session, scope)
    return int(
        session.scalar(
            select(func.coalesce(func.sum(_aired_ms()), 0)).where(
                _where(scope), _status_in(AIRED), AsRun.kind != literal_column("'relay'")
            )
        )
        or 0
    )


def station_category_rows(session: Session, scope: Scope):
    """Aired rows by (station, category): ``(station_id, category_code, n, ms)`` — the wards' figures per
    category in a report spanning several wards, and the upward export's airtime per station and category.
    Run only there: a ward's own report does not pay for it."""
    if rollups.covers(scope):
        return rollups.station_category_rows(session, scope)
    return session.execute(
        select(AsRun.station_id, AsRun.category_code, func.count(), func.sum(_aired_ms()))
        .where(_where(scope), _status_in(AIRED))
        .group_by(AsRun.station_id, AsRun.category_code)
    ).all()
