"""An agent relays too: the manifest carries the relay slot, the agent pulls the upstream itself (here one that
cannot be reached), airs the fallback for the slot's length, and the row it delivers keeps the upstream and
the fallback's time on the server."""

from __future__ import annotations

import socket

from sqlalchemy import select

from broadcast.domain.models import Programme

from .airing_helpers import add_session, run_loop, server_rows, wait_for
from .test_agent_api import AGENT, bearer


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def make_relay(runtime, code: str, url: str) -> None:
    """Item 1 of the session becomes a relay of ``url`` with item 1's own tone as its fallback."""
    with runtime.unit() as s:
        programme = s.scalar(select(Programme).where(Programme.session_code == code))
        item = next(i for i in programme.items if i.position == 1)
        item.kind, item.title = "relay", "Tiếp sóng VOV1"
        item.relay = {"url": url, "upstream": "VOV1", "source": "VOV1", "category": "national", "fallback": "asset"}


def test_the_manifest_carries_the_relay(client, network, runtime, tmp_path):
    add_session(runtime, tmp_path / "audio", code="ts", start_in_s=3600, durations=(1000, 2000))
    make_relay(runtime, "ts", "http://127.0.0.1:9/vov1")
    manifest = client.get(f"{AGENT}/manifest", headers=bearer(network["token"])).json
    (entry,) = [s for s in manifest["sessions"] if s["session"] == "ts"]
    assert entry["items"][1]["relay"]["url"] == "http://127.0.0.1:9/vov1"
    assert entry["items"][1]["media"]  # the fallback's audio travels like any item's
    assert entry["items"][0]["relay"] is None


def test_an_agent_relays_and_falls_back_and_the_server_keeps_the_relay_fields(
    runtime, network, live_server, make_agent, tmp_path
):
    add_session(runtime, tmp_path / "audio", code="ts", start_in_s=3, durations=(1000, 2000))
    make_relay(runtime, "ts", f"http://127.0.0.1:{closed_port()}/vov1")
    agent = make_agent()
    assert agent.sync_once()
    run_loop(agent)

    def delivered():
        agent.deliver_once()
        return len(server_rows(runtime, "ts")) == 2

    wait_for(delivered, timeout=20)
    first, relay = server_rows(runtime, "ts")
    assert first.status == "aired"
    assert (relay.kind, relay.status, relay.aired_ms, relay.upstream) == ("relay", "failed", 0, "VOV1")
    assert 1700 <= relay.fallback_ms <= 2000 and "mất nguồn" in relay.note
