"""The airtime report: what the ward radio aired in a period, against the plan.

Every figure is aggregated in the database (GROUP BY): memory and Python work
grow with the number of days, stations, sessions, categories and bulletins,
never with the number of as-run rows.  The period's rows are read by
(``queries``):

1. aired rows by (day, station, session): airings, airtime, CCHC airtime and
   the per-category "column session" flags the plan's targets need — one
   streaming GROUP BY over the partial index ``ix_as_run_aired_station`` —
   rolled up in the same statement by station and by day, with the session
   counts and the missed sessions (not-aired rows of ``ix_as_run_not_aired``
   in a session where nothing aired), so ~130 rows come back;
2. aired rows by item (bulletin, title, category, department) — over
   ``ix_as_run_aired_item`` — rolled up into the figures by category and by
   department and listed by bulletin;
3. rows that did not air (a few per cent of the log) by category, from the
   partial index ``ix_as_run_not_aired`` alone.

The status filters are written into the SQL as literals, exactly as the
partial indexes' WHERE clauses say them, so both planners can use them.

Counting rules (what the ward reports upward):
- only ``aired`` and ``interrupted`` rows are airings; ``interrupted`` counts
  the ``aired_ms`` actually aired; an ``aired`` row with no measured duration
  (a manual confirmation) counts its planned duration;
- ``manual`` rows (source = manual, the operator confirmed by hand) are
  counted and reported separately as well;
- a session is *aired* when at least one of its items aired, *missed* when it
  has failed/skipped/missed items and none aired;
- the period is a span of local dates: ``AsRun.air_date`` is the local date
  in the station's timezone, so 06:00 on the 1st belongs to that month.

Modules: ``scope`` (which rows), ``queries`` (the SQL), ``figures`` (the
``Figures`` of a group and the roll-ups of the grouped rows), ``sections``
(one builder per section of the report), ``targets`` (the plan's targets
against the figures), ``devices``, ``relays`` and ``listens`` (the sections
of station agents, relayed upstreams and plays on the public listening page
and podcast), ``report`` (``airtime_report``, putting it together).
"""

from .report import airtime_report
from .scope import Scope, resolve_station
from .targets import default_target_label

__all__ = ["Scope", "airtime_report", "default_target_label", "resolve_station"]
