"""Cluster targeting across the network: the manifest sends each item's clusters, an agent serving TDP01 airs
the TDP01 item and logs the TDP02-only item ``skipped`` with its reason, and the rows it delivers keep their
clusters on the server (rows naming clusters the station lacks, or malformed ones, are rejected); and the one
rule (``device_hears``) the server and the agent both decide by."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from broadcast.domain.models import AsRun, Programme
from broadcast.network.clusters import device_hears
from broadcast.network.devices import add_device

from .airing_helpers import add_session, run_loop, server_rows, wait_for
from .test_agent_api import AGENT, bearer, row


def _set_clusters(runtime, day: str, code: str, clusters: list) -> None:
    with runtime.unit() as s:
        programme = s.scalar(select(Programme).where(Programme.session_code == code))
        assert programme.on_date.isoformat() == day
        for item, targets in zip(sorted(programme.items, key=lambda i: i.position), clusters, strict=True):
            item.clusters = targets


def test_the_manifest_sends_each_items_clusters(client, network, runtime):
    _set_clusters(runtime, network["date"], network["session"], [None, ["TDP02", "TDP05"], []])
    manifest = client.get(f"{AGENT}/manifest", headers=bearer(network["token"])).json
    assert manifest["clusters"] == ["TDP01", "TDP02"]
    (entry,) = [s for s in manifest["sessions"] if s["session"] == network["session"]]
    assert [i["clusters"] for i in entry["items"]] == [[], ["TDP02", "TDP05"], []]


def test_an_agent_airs_only_its_clusters_items_and_the_server_keeps_their_clusters(
    runtime, network, live_server, make_agent, tmp_path
):
    with runtime.unit() as s:
        _, token = add_device(s, "LOA05", "MOLAO", "TDP01")
    plan = add_session(runtime, tmp_path / "audio", code="cum", start_in_s=4, durations=(1500, 1500, 1500))
    _set_clusters(runtime, plan["date"], "cum", [["TDP01"], ["TDP02"], None])
    agent = make_agent(token=token, name="loa05")
    assert agent.sync_once()
    run_loop(agent)
    wait_for(lambda: agent.playout and len([r for r in agent.playout.aired_rows() if r.session_code == "cum"]) == 3)

    def delivered():
        agent.deliver_once()  # beside the loop's own delivery: the server stores each row once
        return len(server_rows(runtime, "cum")) == 3

    wait_for(delivered)
    rows = server_rows(runtime, "cum")
    assert [(r.position, r.status, r.clusters, r.sink) for r in rows] == [
        (0, "aired", ["TDP01"], "agent:LOA05"),
        (1, "skipped", ["TDP02"], "agent:LOA05"),
        (2, "aired", None, "agent:LOA05"),
    ]
    assert rows[1].note == "Mục dành cho cụm TDP02, thiết bị phục vụ TDP01." and rows[1].aired_ms == 0
    assert rows[0].aired_ms >= 1400 and rows[2].aired_ms >= 1400  # the skipped item took no time


def test_the_intake_checks_the_rows_clusters(client, network, runtime):
    _set_clusters(runtime, network["date"], network["session"], [None, ["TDP02"], None])
    rows = [
        row(network, 0, clusters=["TDP01"]),
        row(network, 1),  # an agent that sends none: the server item's clusters
        row(network, 2, clusters=[]),
        row(network, 0, clusters=["TDP99"]),
        row(network, 0, clusters="TDP01"),
    ]
    answer = client.post(f"{AGENT}/asrun", json={"rows": rows}, headers=bearer(network["token"])).json
    assert answer["stored"] == [r["uid"] for r in rows[:3]]
    assert [r["reason"] for r in answer["rejected"]] == [
        "Đài không có cụm loa TDP99.",
        "clusters phải là danh sách mã cụm loa.",
    ]
    with runtime.unit() as s:
        stored = {r.uid: r.clusters for r in s.scalars(select(AsRun))}
    assert [stored[r["uid"]] for r in rows[:3]] == [["TDP01"], ["TDP02"], None]
    assert rows[3]["uid"] not in stored and rows[4]["uid"] not in stored


@pytest.mark.parametrize(
    ("device", "meant_for", "hears"),
    [
        (None, None, True),  # a device of the whole station, an item for everyone
        ([], ["TDP05"], True),  # a device of the whole station hears every cluster's item
        (["TDP01"], None, True),  # an item for everyone reaches every device
        (["TDP01"], [], True),
        (["TDP01", "TDP05"], ["TDP05"], True),
        (["TDP01"], ["TDP05"], False),  # a flood warning for TDP05 only is not aired in TDP01
        (["TDP01"], ["TDP02", "TDP03"], False),
    ],
)
def test_device_hears(device, meant_for, hears):
    assert device_hears(device, meant_for) is hears
