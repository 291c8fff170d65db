"""The as-run writer: database writes off the audio path.

The player never waits for the database while audio flows: it queues small
operations here and one thread applies them in order, each in its own
transaction, retrying with backoff when the database is locked or down.  A
row created by ``create`` is referred to by a local key until it has an id.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Callable

from sqlalchemy.exc import DBAPIError, OperationalError

log = logging.getLogger("broadcast.playout")


class LogWriter:
    def __init__(self, runtime, *, name: str = "asrun-writer"):
        self.runtime = runtime
        self.ids: dict[str, int] = {}
        self._queue: queue.Queue = queue.Queue()
        self._pending = 0
        self._cond = threading.Condition()
        self._stop = False
        self.retries = 0
        self.thread = threading.Thread(target=self._loop, name=name, daemon=True)
        self.thread.start()

    def submit(self, fn: Callable, *, key: str | None = None) -> None:
        """Queue ``fn(session, ids)``; when ``key`` is given its return value (an id) is kept under it."""
        with self._cond:
            self._pending += 1
        self._queue.put((fn, key))

    def _loop(self) -> None:
        while True:
            op = self._queue.get()
            if op is None:
                return
            fn, key = op
            delay = 0.05
            while True:
                try:
                    with self.runtime.unit() as session:
                        result = fn(session, self.ids)
                    if key is not None and result is not None:
                        self.ids[key] = result
                    break
                except (OperationalError, DBAPIError) as exc:
                    # Locked or unreachable: the audio goes on, the row waits.
                    self.retries += 1
                    if self._stop and self.retries > 200:
                        log.error("as-run write abandoned after retries: %s", exc)
                        break
                    log.warning("as-run write retried in %.2fs: %s", delay, str(exc).splitlines()[0][:200])
                    time.sleep(delay)
                    delay = min(delay * 2, 2.0)
                except Exception:  # a bug in one op must not stop the log
                    log.exception("as-run write failed")
                    break
            with self._cond:
                self._pending -= 1
                self._cond.notify_all()

    def flush(self, timeout: float | None = 60) -> bool:
        """Wait until every queued write is in the database."""
        deadline = None if timeout is None else time.monotonic() + timeout
        with self._cond:
            while self._pending:
                remaining = None if deadline is None else deadline - time.monotonic()
                if remaining is not None and remaining <= 0:
                    return False
                self._cond.wait(remaining)
        return True

    def close(self, timeout: float = 60) -> None:
        self._stop = True
        self.flush(timeout)
        self._queue.put(None)
        self.thread.join(timeout=5)
