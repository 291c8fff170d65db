"""Parts of pages answered from memory while the database is unchanged.

The dashboard is the page everyone opens first and reloads; its panels (the approval queue's counts,
today's programmes, the month's progress, devices, relays) cost most of its time and change only when
something is committed. Each part is kept under the database's data version
(``broadcast.dataversion``), read before the part is built, so a commit by any process makes every kept
part stale at once. Parts that also move with the clock alone (a device falls silent, a relay comes
within the day's window) are kept at most ``TTL_S`` seconds. Each app keeps its own parts: one worker's
memory never answers for another database.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Hashable
from typing import TypeVar

from cachetools import TTLCache
from flask import Flask, current_app, g

from broadcast.dataversion import data_version

from . import runtime_of

T = TypeVar("T")

#: The longest a part that also depends on the clock is served from memory.
TTL_S = 15
_SIZE = 4096
_EXTENSION = "broadcast.pagecache"
_LOCK = threading.Lock()


def _cache() -> TTLCache:
    app = current_app._get_current_object()
    with _LOCK:
        cache = app.extensions.get(_EXTENSION)
        if cache is None:
            # the clock is looked up at each call, so a test can move it
            cache = app.extensions[_EXTENSION] = TTLCache(maxsize=_SIZE, ttl=TTL_S, timer=lambda: time.monotonic())
        return cache


def remember(key: tuple[Hashable, ...], make: Callable[[], T]) -> T:
    """``make()``'s answer for ``key``, computed again after any commit or ``TTL_S`` seconds."""
    version = _request_version()
    if version is None:
        return make()
    cache, full_key = _cache(), (version, *key)
    with _LOCK:
        found = cache.get(full_key, _MISSING)
    if found is _MISSING:
        found = make()
        with _LOCK:
            cache[full_key] = found
    return found


def _request_version() -> str | None:
    """The data version, read once per request before the first part it guards: the dashboard asks for
    five panels, and on PostgreSQL each read is a round trip. Parts read later in the request are at least
    as new, which is all the version promises (``broadcast.dataversion``)."""
    if "broadcast_data_version" not in g:
        g.broadcast_data_version = data_version(runtime_of().engine).current()
    return g.broadcast_data_version


def clear(app: Flask | None = None) -> None:
    """Forget every part kept for ``app`` (default: the current app)."""
    app = app or current_app._get_current_object()
    with _LOCK:
        app.extensions.pop(_EXTENSION, None)


_MISSING = object()
