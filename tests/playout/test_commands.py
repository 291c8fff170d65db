"""Operator commands: queued by the web (validated, audited), carried out by the scheduler, expired when stale."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from broadcast.domain.models import AuditLog, PlayoutCommand
from broadcast.domain.types import utcnow
from broadcast.errors import Conflict, NotFound, ValidationError
from broadcast.playout import commands
from tests.playout.conftest import make_programme, make_station, rows, runs, wait_for


def test_queue_command_checks_action_station_and_programme(runtime, tones):
    with runtime.unit() as s:
        st = make_station(s)
        p = make_programme(s, st, [tones["short"]])
        day = p.on_date
    with runtime.unit() as s:
        with pytest.raises(ValidationError):
            commands.queue_command(s, None, "MOLAO", "explode")
        with pytest.raises(NotFound):
            commands.queue_command(s, None, "NOWHERE", "stop")
        with pytest.raises(ValidationError):
            commands.queue_command(s, None, "MOLAO", "play")
        with pytest.raises(NotFound):
            commands.queue_command(s, None, "MOLAO", "play", session_code="toi", air_date=day)
        with pytest.raises(ValidationError):
            commands.queue_command(s, None, "MOLAO", "stop", air_date="31/12/2025")
        cmd = commands.queue_command(s, None, " molao ", "play", session_code="sang", air_date=day.isoformat())
        assert (cmd.action, cmd.status, cmd.air_date) == ("play", "pending", day)
        assert s.scalar(select(AuditLog.action).order_by(AuditLog.id.desc())) == "playout.play"
        assert commands.recent_commands(s)[0].id == cmd.id


def test_export_station_cannot_be_controlled(runtime):
    with runtime.unit() as s:
        make_station(s, sink="export")
    with runtime.unit() as s, pytest.raises(Conflict):
        commands.queue_command(s, None, "MOLAO", "stop")


class _Service:
    """Just what ``commands.process`` uses of the playout service."""

    def __init__(self, runtime, ttl_s=120):
        from broadcast.playout.config import PlayoutConfig

        self.runtime = runtime
        self.config = PlayoutConfig(command_ttl_s=ttl_s)

    def channel(self, station):
        from broadcast.playout.channels import Channel

        return Channel(station.id, station.code)


def test_stale_commands_expire_and_idle_stations_refuse_stop(runtime):
    with runtime.unit() as s:
        st = make_station(s)
        s.add(PlayoutCommand(station_id=st.id, action="stop", created_at=utcnow() - timedelta(minutes=10)))
        s.add(PlayoutCommand(station_id=st.id, action="skip"))
    assert commands.process(_Service(runtime)) == 2
    assert commands.process(_Service(runtime)) == 0  # taken once, never twice
    with runtime.unit() as s:
        done = s.execute(select(PlayoutCommand.status, PlayoutCommand.result).order_by(PlayoutCommand.id)).all()
    assert done[0] == ("expired", "Lệnh quá hạn, không thực hiện.")
    assert done[1][0] == "failed" and "không có buổi phát nào đang chạy" in done[1][1]


def test_operator_commands_play_skip_and_stop(runtime, tones, service_factory):
    with runtime.unit() as s:
        st = make_station(s)
        p = make_programme(
            s, st, [tones["a"], tones["b"], tones["c"], tones["a"]], starts_at=utcnow() + timedelta(hours=3)
        )
        day, sid = p.on_date, st.id
        s.add(PlayoutCommand(station_id=sid, action="play", session_code="sang", air_date=day))
    service_factory()
    run = wait_for(lambda: runs(runtime, kind="manual"), timeout=5)[0]
    wait_for(lambda: rows(runtime, run_id=run.id), timeout=5)
    with runtime.unit() as s:
        s.add(PlayoutCommand(station_id=sid, action="skip"))
    wait_for(lambda: len(rows(runtime, run_id=run.id)) >= 2, timeout=5)
    with runtime.unit() as s:
        s.add(PlayoutCommand(station_id=sid, action="stop"))
    wait_for(lambda: runs(runtime, id=run.id)[0].status == "stopped", timeout=5)
    statuses = [r.status for r in rows(runtime, run_id=run.id)]
    assert statuses[0] == "skipped" and "interrupted" in statuses and statuses[-1] == "skipped"
    assert len(statuses) == 4
    with runtime.unit() as s:
        results = s.scalars(select(PlayoutCommand.status).order_by(PlayoutCommand.id)).all()
    assert results == ["done", "done", "done"]
