"""A device's offline time within a report period, from its connect/disconnect history (pure: no session).

The rules the report states:
- the window is the period, from the device's creation if it was made during the period, up to the period's
  end or now (whichever is earlier), and never past its revocation (a revoked device no longer exists);
- the state at the window's start is the last change before it; a device with none was never connected
  (devices are created offline), so it counts as offline from the window's start;
- a stretch still open at the window's end counts up to the end;
- a device last seen online but silent longer than the heartbeat timeout (its broker went down, so no last
  will arrived) went offline when the timeout ran out, as the health page shows it.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta


def window(
    start: datetime,
    end: datetime,
    *,
    now: datetime,
    created_at: datetime | None = None,
    revoked_at: datetime | None = None,
) -> tuple[datetime, datetime] | None:
    """The part of [start, end) the device existed in and that has happened; None when there is none."""
    lo = max(start, created_at) if created_at is not None else start
    hi = min(t for t in (end, now, revoked_at) if t is not None)
    return (lo, hi) if lo < hi else None


def with_silence(
    changes: list[tuple[datetime, bool]],
    *,
    online_before: bool,
    last_seen: datetime | None,
    timeout: timedelta,
    now: datetime,
) -> list[tuple[datetime, bool]]:
    """``changes`` plus the disconnect nobody recorded: when the last known state is online and the device
    has not been heard from for longer than ``timeout``, it went offline at ``last_seen + timeout``."""
    online = changes[-1][1] if changes else online_before
    if changes and last_seen is not None:
        last_seen = max(last_seen, changes[-1][0])  # a connect is itself a sign of life
    if not online or last_seen is None or now - last_seen <= timeout:
        return changes
    return [*changes, (last_seen + timeout, False)]


def offline_seconds(
    changes: Iterable[tuple[datetime, bool]], start: datetime, end: datetime, *, online_before: bool = False
) -> int:
    """Whole seconds offline within [start, end).  ``changes`` are ``(at, online)`` in time order (repeats of
    the same state change nothing); ``online_before`` is the state just before ``start``."""
    offline_since = None if online_before else start
    total = timedelta()
    for at, online in changes:
        if at >= end:
            break
        at = max(at, start)  # a change before the window only sets the state at its start
        if online and offline_since is not None:
            total += at - offline_since
            offline_since = None
        elif not online and offline_since is None:
            offline_since = at
    if offline_since is not None:
        total += end - offline_since
    return round(total.total_seconds())
