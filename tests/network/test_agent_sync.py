"""The agent keeps its station's programme and audio: content-addressed, verified, re-downloaded when
tampered, and usable when the server is gone."""

from __future__ import annotations

import hashlib
from datetime import UTC

from broadcast.agent.sync import load_manifest


def test_sync_downloads_and_verifies_every_file(make_agent, network):
    agent = make_agent()
    assert agent.sync_once()
    assert agent.manifest["station"] == "MOLAO"
    for sha in network["files"]:
        path = agent.media.verified(sha)
        assert path is not None and path.name == sha
        assert hashlib.sha256(path.read_bytes()).hexdigest() == sha
    assert load_manifest(agent.config.data_dir)["version"] == agent.manifest["version"]


def test_tampered_and_truncated_files_are_downloaded_again(make_agent, network):
    agent = make_agent()
    agent.sync_once()
    first, second = list(network["files"])[:2]
    agent.media.path(first).write_bytes(b"not the bulletin")
    with agent.media.path(second).open("r+b") as f:
        f.truncate(10)
    assert agent.media.verified(first) is None and not agent.media.path(first).exists()  # never handed on
    assert agent.sync_once()
    for sha in (first, second):
        assert hashlib.sha256(agent.media.path(sha).read_bytes()).hexdigest() == sha


def test_server_gone_keeps_the_local_programme(make_agent, live_server, network):
    agent = make_agent()
    agent.sync_once()
    version = agent.manifest["version"]
    live_server.stop()
    assert agent.sync_once() is False
    assert agent.manifest["version"] == version
    restarted = make_agent()  # a new process on the same data dir, still offline
    assert restarted.manifest["version"] == version


def test_revoked_device_cannot_sync(make_agent, network, runtime):
    from broadcast.network.devices import revoke_device

    with runtime.unit() as s:
        revoke_device(s, "LOA01")
    agent = make_agent()
    assert agent.sync_once() is False and agent.manifest is None


def test_clock_three_minutes_off_is_measured_and_corrected(make_agent, monkeypatch):
    import time
    from datetime import datetime

    import broadcast.agent.sync as sync_module

    real = time.time
    monkeypatch.setattr(sync_module.time, "time", lambda: real() + 180)  # the agent's clock runs 3 min ahead
    agent = make_agent()
    assert agent.sync_once()
    assert -181 < agent.clock_offset_s < -179
    monkeypatch.setattr(sync_module.time, "time", real)
    assert abs((agent.server_now() - datetime.now(UTC)).total_seconds() + 180) < 1
