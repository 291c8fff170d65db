"""The outbox: rows kept until the server names them, delivered in order after an outage, stored once."""

from __future__ import annotations

import sqlite3

from sqlalchemy import func, select

from broadcast.agent.outbox import Backoff, Outbox
from broadcast.domain.models import AsRun


def as_run(network, position, **over):
    return {
        "date": network["date"],
        "session": network["session"],
        "position": position,
        "actual_start": f"2026-11-28T01:00:0{position}Z",
        "aired_ms": 1000,
        "status": "aired",
    } | over


def test_backoff_doubles_and_is_capped_at_30_seconds():
    backoff = Backoff()
    assert [backoff.failed() for _ in range(8)] == [1, 2, 4, 8, 16, 30, 30, 30]
    backoff.succeeded()
    assert backoff.failed() == 1


def test_only_rows_the_server_names_are_marked(tmp_path):
    box = Outbox(tmp_path / "outbox.db")
    a, b, c = (box.add({"n": n}) for n in range(3))
    assert box.mark({"stored": [a], "already_stored": ["someone-else"], "rejected": [{"uid": c, "reason": "x"}]}) == 2
    assert [r["uid"] for r in box.pending()] == [b]
    assert box.rejected() == [(c, "rejected: x")]
    box.close()
    reopened = Outbox(tmp_path / "outbox.db")  # survives a restart
    assert [r["uid"] for r in reopened.pending()] == [b]
    reopened.close()


def test_outage_keeps_rows_then_delivers_them_in_order_once(make_agent, live_server, network, runtime):
    agent = make_agent()
    live_server.stop()
    uids = [agent.record(as_run(network, p)) for p in range(3)]
    assert agent.deliver_once() is False
    assert [r["uid"] for r in agent.outbox.pending()] == uids
    live_server.start()
    assert agent.deliver_once() is True
    assert agent.outbox.pending() == []
    with runtime.unit() as s:
        rows = s.scalars(select(AsRun).where(AsRun.source == "agent").order_by(AsRun.id)).all()
        assert [r.uid for r in rows] == uids and [r.position for r in rows] == [0, 1, 2]
    # The answer was lost (or the server restored from a backup): the agent sends the rows again.
    with sqlite3.connect(agent.config.data_dir / "outbox.db") as db:
        db.execute("UPDATE outbox SET delivered_at = NULL")
    assert agent.deliver_once() is True
    with runtime.unit() as s:
        assert s.scalar(select(func.count(AsRun.id)).where(AsRun.source == "agent")) == 3
    assert {
        r[1] for r in sqlite3.connect(agent.config.data_dir / "outbox.db").execute("SELECT uid, result FROM outbox")
    } == {"already_stored"}


def test_rejected_rows_leave_the_queue_with_their_reason(make_agent, network):
    agent = make_agent()
    good = agent.record(as_run(network, 1))
    bad = agent.record(as_run(network, 1, session="toi"))
    assert agent.deliver_once()
    assert agent.outbox.pending() == []
    assert [uid for uid, _ in agent.outbox.rejected()] == [bad] and good != bad


def test_large_backlog_goes_in_batches(make_agent, network, runtime):
    agent = make_agent()
    for n in range(1200):
        agent.outbox.add(as_run(network, n % 3))
    assert agent.deliver_once()
    with runtime.unit() as s:
        assert s.scalar(select(func.count(AsRun.id)).where(AsRun.source == "agent")) == 1200


def test_running_agent_delivers_after_the_link_returns(make_agent, live_server, network, runtime):
    import time

    agent = make_agent()
    agent.config.delivery_interval = 0.2
    live_server.stop()
    agent.start()
    uids = [agent.record(as_run(network, p)) for p in range(3)]
    time.sleep(0.5)
    assert len(agent.outbox.pending()) == 3 and agent.backoff.delay >= 1  # kept, backing off
    live_server.start()
    deadline = time.monotonic() + 5
    while agent.outbox.pending() and time.monotonic() < deadline:
        time.sleep(0.1)
    assert agent.outbox.pending() == []
    with runtime.unit() as s:
        assert list(s.scalars(select(AsRun.uid).where(AsRun.source == "agent").order_by(AsRun.id))) == uids


def test_rows_the_server_lost_are_sent_again_and_stored_once(make_agent, network, runtime):
    """The server's database restored from a backup older than some deliveries: the next sync's watermark
    shows fewer rows than the agent was told were stored, so the agent sends them again."""
    agent = make_agent()
    uids = [agent.record(as_run(network, p)) for p in range(3)]
    assert agent.deliver_once()
    assert agent.sync_once() and agent.outbox.pending() == []  # in step: nothing to resend
    with runtime.unit() as s:  # as_run rows cannot be deleted: the "restore" detaches the last two instead
        for row in s.scalars(select(AsRun).where(AsRun.uid.in_(uids[1:]))):
            row.uid, row.device_id = None, None
    assert agent.sync_once()
    assert len(agent.outbox.pending()) == 3
    assert agent.deliver_once()
    with runtime.unit() as s:
        mine = s.scalars(select(AsRun.uid).where(AsRun.device_id.is_not(None)).order_by(AsRun.id)).all()
    assert mine == uids


def test_server_restored_from_backup_gets_the_missing_rows(make_agent, network, runtime, tmp_path):
    """A real backup and restore (SQLite: a fresh database file) under a running agent's outbox."""
    import pytest

    from broadcast.backup import create_backup, restore_backup
    from broadcast.db import make_engine
    from broadcast.runtime import Runtime
    from tests.conftest import PG_BASE_URL
    from tests.network.conftest import LiveServer
    from web import create_app

    if PG_BASE_URL:
        pytest.skip("the restore needs a second empty database; on PostgreSQL the detach test stands in")
    agent = make_agent()
    first = agent.record(as_run(network, 0))
    assert agent.deliver_once()
    backup = create_backup(runtime.engine, runtime.settings, tmp_path / "sao-luu.zip")
    later = [agent.record(as_run(network, p)) for p in (1, 2)]
    assert agent.deliver_once()
    data = tmp_path / "restored-data"
    data.mkdir()
    settings = runtime.settings.with_(database_url=f"sqlite:///{tmp_path / 'restored.db'}", data_dir=data)
    restored = Runtime(settings, make_engine(settings.database_url))
    restore_backup(restored.engine, settings, tmp_path / "sao-luu.zip")
    server = LiveServer(create_app(restored, config={"TESTING": True, "RATELIMIT_ENABLED": False}))
    server.start()
    try:
        agent.client.base = server.url
        assert agent.sync_once() and agent.deliver_once()
        with restored.unit() as s:
            assert s.scalars(select(AsRun.uid).where(AsRun.source == "agent").order_by(AsRun.id)).all() == [
                first,
                *later,
            ]
        assert agent.sync_once() and agent.outbox.pending() == []  # in step again: nothing more to send
    finally:
        server.stop()
        restored.engine.dispose()
    assert backup
