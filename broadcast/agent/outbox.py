"""The agent's outbox: every as-run row is written here first (SQLite, on the agent's disk), then
delivered to the server in order, in batches; a row is marked delivered only when the server's answer
names its uid (stored, already stored, or rejected with a reason). Nothing is deleted before that."""

from __future__ import annotations

import json
import sqlite3
import threading
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

BATCH = 500
KEEP_DELIVERED = timedelta(days=30)
BACKOFF_START = 1.0
BACKOFF_CAP = 30.0

SCHEMA = """
CREATE TABLE IF NOT EXISTS outbox (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    uid TEXT NOT NULL UNIQUE,
    body TEXT NOT NULL,
    created_at TEXT NOT NULL,
    delivered_at TEXT,
    result TEXT
);
CREATE INDEX IF NOT EXISTS ix_outbox_pending ON outbox (delivered_at, seq);
"""


def _now() -> str:
    return datetime.now(UTC).isoformat()


class Backoff:
    """1, 2, 4 ... seconds between failed tries, never more than 30; back to 1 after a success."""

    def __init__(self, start: float = BACKOFF_START, cap: float = BACKOFF_CAP):
        self.start, self.cap, self.delay = start, cap, 0.0

    def failed(self) -> float:
        self.delay = self.start if self.delay == 0 else min(self.cap, self.delay * 2)
        return self.delay

    def succeeded(self) -> None:
        self.delay = 0.0


class Outbox:
    def __init__(self, path: str | Path):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        # One connection shared by the agent's threads, serialised by a lock; WAL + synchronous=FULL so a
        # row written before a power cut is still there after it.
        self._db = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=FULL")
        self._db.executescript(SCHEMA)
        self._lock = threading.Lock()

    def close(self) -> None:
        with self._lock:
            self._db.close()

    def add(self, row: dict) -> str:
        """Keep one as-run row (a ``uid`` is made if it has none); returns its uid."""
        row = dict(row)
        row.setdefault("uid", uuid.uuid4().hex)
        with self._lock:
            self._db.execute(
                "INSERT OR IGNORE INTO outbox (uid, body, created_at) VALUES (?, ?, ?)",
                (row["uid"], json.dumps(row, ensure_ascii=False), _now()),
            )
        return row["uid"]

    def pending(self, limit: int = BATCH) -> list[dict]:
        with self._lock:
            rows = self._db.execute(
                "SELECT body FROM outbox WHERE delivered_at IS NULL ORDER BY seq LIMIT ?", (limit,)
            ).fetchall()
        return [json.loads(body) for (body,) in rows]

    def stats(self) -> dict:
        with self._lock:
            count, oldest = self._db.execute(
                "SELECT COUNT(*), MIN(created_at) FROM outbox WHERE delivered_at IS NULL"
            ).fetchone()
        return {"outbox": count, "outbox_oldest": oldest}

    def mark(self, answer: dict) -> int:
        """Apply the server's answer; only uids it names are marked. Returns how many were marked."""
        results = [(uid, "stored") for uid in answer.get("stored", [])]
        results += [(uid, "already_stored") for uid in answer.get("already_stored", [])]
        results += [
            (r.get("uid"), "rejected: " + str(r.get("reason", ""))[:500])
            for r in answer.get("rejected", [])
            if isinstance(r, dict)
        ]
        now, marked = _now(), 0
        with self._lock:
            self._db.execute("BEGIN")
            for uid, result in results:
                if isinstance(uid, str):
                    marked += self._db.execute(
                        "UPDATE outbox SET delivered_at = ?, result = ? WHERE uid = ? AND delivered_at IS NULL",
                        (now, result, uid),
                    ).rowcount
            self._db.execute("COMMIT")
        return marked

    def rejected(self) -> list[tuple[str, str]]:
        with self._lock:
            return self._db.execute(
                "SELECT uid, result FROM outbox WHERE result LIKE 'rejected:%' ORDER BY seq"
            ).fetchall()

    def reconcile(self, since: str, server_count: int, delivered_before: str | None = None) -> int:
        """If the server holds fewer of our rows with air dates from ``since`` than it confirmed (its
        database was restored from an older backup), queue those rows again; the server stores each
        once. Only rows confirmed before ``delivered_before`` (when the count was asked for) are compared,
        so a delivery racing the count is not mistaken for a loss. Returns how many were queued again."""
        accepted = (
            "delivered_at IS NOT NULL AND delivered_at < ? AND result IN ('stored', 'already_stored') "
            "AND json_extract(body, '$.date') >= ?"
        )
        args = (delivered_before or "9999", since)
        with self._lock:
            (local,) = self._db.execute(f"SELECT COUNT(*) FROM outbox WHERE {accepted}", args).fetchone()
            if not isinstance(server_count, int) or server_count >= local:
                return 0
            return self._db.execute(
                f"UPDATE outbox SET delivered_at = NULL, result = NULL WHERE {accepted}", args
            ).rowcount

    def purge(self, older_than: timedelta = KEEP_DELIVERED) -> int:
        cutoff = (datetime.now(UTC) - older_than).isoformat()
        with self._lock:
            return self._db.execute(
                "DELETE FROM outbox WHERE delivered_at IS NOT NULL AND delivered_at < ?", (cutoff,)
            ).rowcount

    def deliver(self, send, batch: int = BATCH) -> int:
        """Send pending rows in order with ``send(rows) -> answer`` until none is left; returns how many
        were marked. An exception from ``send`` (server unreachable) propagates: the rows stay pending."""
        total = 0
        while True:
            rows = self.pending(batch)
            if not rows:
                return total
            marked = self.mark(send(rows))
            total += marked
            if marked == 0:  # an answer naming none of the rows: try again later rather than loop
                raise RuntimeError("server answered without naming any row")
