"""Has anything been committed to the database since? One cheap question a cache asks before answering from
memory (the dashboard's panels, the bulletin list of the API).

The version changes whenever any connection — this process's web threads, its scheduler, another web
worker, an agent's delivery, the command line — commits a change; two reads that got the same version saw
the same committed rows. A cache keys its entries on it, so nothing it keeps outlives a change:

* SQLite: ``PRAGMA data_version`` on one connection of our own that never writes. SQLite changes it for
  that connection whenever any other connection, in this process or another, commits.
* PostgreSQL: the current snapshot (``pg_current_snapshot()``): it moves when a transaction that writes
  starts or ends anywhere on the server, and two equal snapshots see the same committed rows.
* An in-memory SQLite database has no version (None): one connection holds it, so no other connection's
  commits could be seen; callers keep nothing then.

The version is read before the data it guards: whatever is read afterwards is at least as new, and any
commit in between gives the next reader another version, so an entry is never served after a change.
"""

from __future__ import annotations

import threading
import weakref

from sqlalchemy import text
from sqlalchemy.engine import Engine

_VERSIONS: weakref.WeakKeyDictionary[Engine, DataVersion] = weakref.WeakKeyDictionary()
_LOCK = threading.Lock()


class DataVersion:
    """The data version of one engine's database; ``current()`` is safe from any thread."""

    def __init__(self, engine: Engine):
        self._engine = weakref.ref(engine)  # the registry's key: a strong reference would keep it alive
        self._lock = threading.Lock()
        self._conn = None
        self._dialect = engine.dialect.name
        self._in_memory = self._dialect == "sqlite" and engine.url.database in (None, "", ":memory:")

    def current(self) -> str | None:
        """A token that differs from every earlier one once anything has been committed since; None when the
        database cannot tell (in-memory SQLite)."""
        if self._in_memory:
            return None
        if self._dialect == "sqlite":
            return self._sqlite()
        with self._engine().connect() as conn:
            return str(conn.execute(text("SELECT pg_current_snapshot()::text")).scalar())

    def _sqlite(self) -> str:
        with self._lock:
            if self._conn is None:
                # Out of the pool for good: its counter is only meaningful on the one connection, and a
                # connection that never writes sees every commit, including this process's own.
                proxied = self._engine().raw_connection()
                proxied.detach()
                self._conn = proxied
                weakref.finalize(self, proxied.close)
            cursor = self._conn.cursor()
            try:
                cursor.execute("PRAGMA data_version")
                return str(cursor.fetchone()[0])
            finally:
                cursor.close()


def data_version(engine: Engine) -> DataVersion:
    """The one ``DataVersion`` of ``engine`` in this process."""
    with _LOCK:
        version = _VERSIONS.get(engine)
        if version is None:
            version = _VERSIONS[engine] = DataVersion(engine)
        return version
