"""Counting the SQL statements a piece of code runs, to catch N+1 queries.

    with count_queries(runtime.engine) as counter:
        client.get("/")
    assert counter.count <= 20, counter.report()

The counter listens to ``before_cursor_execute`` on the engine the web app
uses (the runtime's), so it sees every statement of the request, whichever
session ran it.  ``counter.statements`` keeps the SQL for the failure message.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from sqlalchemy import event
from sqlalchemy.engine import Engine


@dataclass
class QueryCounter:
    statements: list[str] = field(default_factory=list)

    @property
    def count(self) -> int:
        return len(self.statements)

    def report(self, limit: int = 60) -> str:
        lines = [f"{self.count} statements:"]
        lines += [f"  {n + 1:3d}. {' '.join(sql.split())[:200]}" for n, sql in enumerate(self.statements[:limit])]
        return "\n".join(lines)


@contextmanager
def count_queries(engine: Engine) -> Iterator[QueryCounter]:
    counter = QueryCounter()

    def _before(conn, cursor, statement, parameters, context, executemany):
        counter.statements.append(statement)

    event.listen(engine, "before_cursor_execute", _before)
    try:
        yield counter
    finally:
        event.remove(engine, "before_cursor_execute", _before)


def queries_for(engine: Engine, fn) -> QueryCounter:
    """Run ``fn()`` and return the counter of the statements it ran."""
    with count_queries(engine) as counter:
        fn()
    return counter
