"""The day and station rows of ``session_figures``, over a per-(day, station, session) CTE ``c`` with the
columns ``d, s, q, n, ms, cn, cms, t<i>``: shared by the SQL over the as-run rows (``queries``) and over
the session rollup (``rollups``), which differ only in how that CTE is made."""

from __future__ import annotations

from sqlalchemy import and_, case, func, literal_column, select

ZERO, NONE = literal_column("0"), literal_column("NULL")


def _flag(condition):
    return case((condition, 1), else_=0)


def _sums(c):
    return (func.sum(c.n), func.sum(c.ms), func.sum(c.cn), func.sum(c.cms))


def by_day(c, session_codes: tuple[str, ...]):
    """``'d'`` rows: a day's airings, airtime, CCHC airings and airtime.  They come first in the UNION: its
    column types (the Date of ``d`` on SQLite) are its first SELECT's."""
    return select(
        literal_column("'d'"), NONE, c.d, *_sums(c), ZERO, ZERO, ZERO, ZERO, *(ZERO for _ in session_codes)
    ).group_by(c.d)


def by_station(c, in_session, session_codes: tuple[str, ...]):
    """``'s'`` rows: a station's figures, sessions aired and with a CCHC item, and per column code the
    sessions where an item of it aired (``in_session``: the row has a session code)."""
    return select(
        literal_column("'s'"),
        c.s,
        NONE,
        *_sums(c),
        func.sum(_flag(in_session)),
        func.sum(_flag(and_(in_session, c.cn > 0))),
        ZERO,
        ZERO,
        *(func.sum(case((in_session, c[f"t{i}"]), else_=0)) for i in range(len(session_codes))),
    ).group_by(c.s)
