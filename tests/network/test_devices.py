"""Devices as records: add (token printed last), list, revoke; tokens stored hashed; bad input changes nothing."""

from __future__ import annotations

import pytest
from click.testing import CliRunner
from sqlalchemy import func, select

from broadcast.cli import main
from broadcast.domain.models import AuditLog, Device
from broadcast.errors import Conflict, NotFound, ValidationError
from broadcast.network.commands import queue_command
from broadcast.network.devices import add_device, authenticate_token, revoke_device


def run(env, *args):
    return CliRunner().invoke(main, list(args), env=env, catch_exceptions=False)


def test_cli_add_list_revoke(cli_env, demo, runtime):
    added = run(cli_env, "device", "add", "loa01", "--station", "MOLAO", "--clusters", "TDP01,TDP02")
    assert added.exit_code == 0, added.output
    token = added.output.split()[-1]
    assert token.startswith("lpd_")
    with runtime.unit() as s:
        device = authenticate_token(s, token)
        assert device.code == "LOA01" and device.clusters == ["TDP01", "TDP02"]
        assert token not in {d.token_hash for d in s.scalars(select(Device))}  # only the digest is kept
    listed = run(cli_env, "device", "list")
    assert "LOA01" in listed.output and "MOLAO" in listed.output and "ngoại tuyến" in listed.output
    assert run(cli_env, "device", "revoke", "LOA01").exit_code == 0
    with runtime.unit() as s:
        assert authenticate_token(s, token) is None
        assert s.scalar(select(func.count()).where(AuditLog.action.in_(["device.create", "device.revoke"]))) == 2


def test_cli_refusals_are_one_sentence(cli_env, demo):
    for args in (
        ("device", "add", "LOA01", "--station", "KHONGCO"),
        ("device", "add", "LOA01", "--station", "MOLAO", "--clusters", "TDP99"),
        ("device", "add", "loa 01", "--station", "MOLAO"),
        ("device", "revoke", "KHONGCO"),
    ):
        result = CliRunner().invoke(main, list(args), env=cli_env)
        assert result.exit_code == 1, result.output
        assert result.output.startswith("Lỗi: ") and "Traceback" not in result.output


def test_duplicate_code_and_second_revoke_refused(session, demo):
    add_device(session, "LOA01", "MOLAO")
    with pytest.raises(Conflict):
        add_device(session, "loa01", "MOLAO")
    revoke_device(session, "LOA01")
    with pytest.raises(Conflict):
        revoke_device(session, "LOA01")
    assert session.scalar(select(func.count(Device.id))) == 1


def test_wrong_and_user_tokens_are_not_devices(session, demo):
    add_device(session, "LOA01", "MOLAO")
    assert authenticate_token(session, "lpd_wrong") is None
    assert authenticate_token(session, "lp_something") is None
    assert authenticate_token(session, "") is None


def test_command_for_unknown_device_refused(session, demo):
    with pytest.raises(NotFound):
        queue_command(session, "KHONGCO", "stop")
    add_device(session, "LOA01", "MOLAO")
    with pytest.raises(ValidationError):
        queue_command(session, "LOA01", "volume", {"level": 400})
    with pytest.raises(ValidationError):
        queue_command(session, "LOA01", "dance")


def test_agent_is_an_output_the_scheduler_does_not_air(settings):
    from broadcast.playout.sinks import is_live
    from broadcast.stations import check_sink

    assert check_sink(" agent ", settings) == "agent"
    assert is_live("agent") is False and is_live("null") is True


def test_a_device_not_heard_from_is_not_online(session, demo):
    from datetime import timedelta

    from broadcast.domain.types import utcnow
    from broadcast.network.devices import device_json, set_online

    device, _ = add_device(session, "LOA01", "MOLAO")
    set_online(session, device, True)
    assert device_json(device)["online"] is True
    device.last_seen = utcnow() - timedelta(minutes=5)  # last will lost with the broker
    assert device_json(device)["online"] is False


def test_heartbeat_outbox_fields_reach_the_device_list(client, network, api_token):
    """The agent's outbox size and oldest row (agent/outbox.py stats()) are kept and listed; a later heartbeat
    with a malformed count drops both rather than keeping stale values."""
    agent = {"Authorization": f"Bearer {network['token']}"}
    staff = {"Authorization": f"Bearer {api_token('xem')}"}
    status = {"outbox": 7, "outbox_oldest": "2026-11-28T01:00:00+00:00"}
    assert client.post("/api/v1/agent/status", json=status, headers=agent).status_code == 200
    loa = {d["code"]: d for d in client.get("/api/v1/devices", headers=staff).json["items"]}["LOA01"]
    assert loa["outbox_pending"] == 7 and loa["outbox_oldest"] == "2026-11-28T01:00:00Z"
    status = {"outbox": "bảy", "outbox_oldest": "2026-11-28T01:00:00+00:00"}
    assert client.post("/api/v1/agent/status", json=status, headers=agent).status_code == 200
    loa = {d["code"]: d for d in client.get("/api/v1/devices", headers=staff).json["items"]}["LOA01"]
    assert loa["outbox_pending"] is None and loa["outbox_oldest"] is None
