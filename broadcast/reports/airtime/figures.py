"""The figures of one group of as-run rows, and the roll-ups of the grouped SQL rows into them.

The SQL (``queries``) rolls the sessions up by day and by station itself, and groups by item; the roll-ups here
turn those few rows into figures by station, by day, by category and by department.  Airtime stays in
milliseconds until a section turns it into whole seconds, so each section rounds once, as the ward's report
always has.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date

from ...domain.categories import CCHC_CODES


def seconds(ms) -> int:
    """Milliseconds -> whole seconds (rounded)."""
    return round(int(ms or 0) / 1000)


def minutes(secs: int) -> float:
    """Whole seconds -> minutes with one decimal, as every table of the report shows them."""
    return round(secs / 60, 1)


@dataclass
class Figures:
    """Airings and airtime of one group (a station, a day, a category, a department)."""

    airings: int = 0
    ms: int = 0
    cchc_airings: int = 0
    cchc_ms: int = 0
    manual_airings: int = 0
    manual_ms: int = 0
    interrupted: int = 0
    not_aired: int = 0

    def add_item_row(self, row: Mapping) -> None:
        """One aired item row (``n, ms, mn, mms, intr`` and its ``category_code``)."""
        n, ms = int(row["n"] or 0), int(row["ms"] or 0)
        self.airings += n
        self.ms += ms
        self.manual_airings += int(row["mn"] or 0)
        self.manual_ms += int(row["mms"] or 0)
        self.interrupted += int(row["intr"] or 0)
        if (row["category_code"] or "") in CCHC_CODES:
            self.cchc_airings += n
            self.cchc_ms += ms

    @classmethod
    def of_totals(cls, row: Mapping) -> Figures:
        """From one ``n, ms, cn, cms`` mapping (``queries.period_totals``)."""
        return cls(
            airings=int(row["n"] or 0),
            ms=int(row["ms"] or 0),
            cchc_airings=int(row["cn"] or 0),
            cchc_ms=int(row["cms"] or 0),
        )

    def as_dict(self, *, manual: bool = True, not_aired: bool = True) -> dict:
        """The report's keys, in the report's order; the manual/interrupted and not-aired figures only where the
        section shows them."""
        duration = seconds(self.ms)
        out = {
            "airings": self.airings,
            "duration_s": duration,
            "minutes": minutes(duration),
            "cchc_airings": self.cchc_airings,
            "cchc_duration_s": seconds(self.cchc_ms),
        }
        if manual:
            out.update(
                manual_airings=self.manual_airings,
                manual_duration_s=seconds(self.manual_ms),
                interrupted=self.interrupted,
            )
        if not_aired:
            out["not_aired"] = self.not_aired
        return out


@dataclass
class SessionCounts:
    """Sessions of one station: aired (an item aired), missed (items failed and none aired), with a CCHC item."""

    aired: int = 0
    missed: int = 0
    cchc: int = 0


@dataclass
class SessionRollup:
    by_station: dict[int, Figures] = field(default_factory=dict)
    by_day: dict[date, Figures] = field(default_factory=dict)
    sessions: dict[int, SessionCounts] = field(default_factory=dict)
    sessions_by_category: dict[str, int] = field(default_factory=dict)  # code -> sessions with an item of it
    # station id -> code -> its sessions with an item of it (each ward's own plan targets, in a province report)
    station_sessions_by_category: dict[int, dict[str, int]] = field(default_factory=dict)


def roll_sessions(rows: Iterable, session_codes: tuple[str, ...]) -> SessionRollup:
    """The rows of ``queries.session_figures`` (``kind, s, d, n, ms, cn, cms, aired, cchc, missed, not_aired,
    *flags``, one flag per code of ``session_codes``; already rolled up by day and by station in SQL) into
    figures by station and by day and the session counts."""
    out = SessionRollup()
    flags = [0] * len(session_codes)
    for kind, sid, d, n, ms, cn, cms, aired, cchc, missed, not_aired, *t in rows:
        if kind == "d":
            out.by_day[d] = Figures(
                airings=int(n or 0), ms=int(ms or 0), cchc_airings=int(cn or 0), cchc_ms=int(cms or 0)
            )
            continue
        f = out.by_station.setdefault(sid, Figures())
        f.airings += int(n or 0)
        f.ms += int(ms or 0)
        f.cchc_airings += int(cn or 0)
        f.cchc_ms += int(cms or 0)
        f.not_aired += int(not_aired or 0)
        counts = out.sessions.setdefault(sid, SessionCounts())
        counts.aired += int(aired or 0)
        counts.cchc += int(cchc or 0)
        counts.missed += int(missed or 0)
        own = out.station_sessions_by_category.setdefault(sid, dict.fromkeys(session_codes, 0))
        for i, flag in enumerate(t):
            flags[i] += int(flag or 0)
            own[session_codes[i]] += int(flag or 0)
    out.sessions_by_category = dict(zip(session_codes, flags, strict=True))
    return out


def roll_items(
    bulletins: Iterable[Mapping], not_aired_by_category: Iterable
) -> tuple[dict[str | None, Figures], dict[str, Figures]]:
    """Roll the aired items (``queries.bulletin_rows``, a few rows per bulletin) up by category and by
    department (``""`` for none); the not-aired counts go to their category.  Keys keep first-seen order."""
    by_category: dict[str | None, Figures] = {}
    by_department: dict[str, Figures] = {}
    for row in bulletins:
        by_category.setdefault(row["category_code"], Figures()).add_item_row(row)
        by_department.setdefault(row["department_code"] or "", Figures()).add_item_row(row)
    for code, n in not_aired_by_category:
        by_category.setdefault(code, Figures()).not_aired = int(n)
    return by_category, by_department
