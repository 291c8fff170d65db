"""The agent airs on its own clock from its local copy, through the playout Player: with the server down
(rows delivered once it is back), joining by seek after a late start, logging items of other clusters
``skipped``, and obeying play/stop/volume commands."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from broadcast.agent.airing import session_items
from broadcast.agent.sync import MediaStore
from broadcast.domain.models import Programme

from .airing_helpers import add_session, run_loop, server_rows, wait_for


def local(agent, code):
    return [r for r in agent.playout.aired_rows() if r.session_code == code] if agent.playout else []


def test_airs_at_its_time_with_the_server_down_and_delivers_later(runtime, network, live_server, make_agent, tmp_path):
    plan = add_session(runtime, tmp_path / "audio", code="chieu", start_in_s=4, durations=(1500, 1500))
    agent = make_agent()
    assert agent.sync_once()
    live_server.stop()  # the port is dead from here on
    run_loop(agent)
    wait_for(lambda: agent.playout and len([r for r in local(agent, "chieu") if r.status == "aired"]) == 2)
    first = local(agent, "chieu")[0]
    # On time: the first sound within half a second of the session's start (the Player's own accuracy).
    assert abs((first.actual_start - plan["start"]).total_seconds()) < 0.5
    wait_for(lambda: agent.outbox.stats()["outbox"] == 2, timeout=5)
    assert server_rows(runtime, "chieu") == []
    live_server.start()
    assert agent.deliver_once()
    rows = server_rows(runtime, "chieu")
    assert [(r.position, r.status, r.sink) for r in rows] == [(0, "aired", "agent:LOA01"), (1, "aired", "agent:LOA01")]
    assert all(r.aired_ms >= 1400 and r.scheduled_start is not None for r in rows)
    assert agent.deliver_once() and len(server_rows(runtime, "chieu")) == 2  # delivered once


def test_a_late_start_joins_by_seek(runtime, network, live_server, make_agent, tmp_path):
    # Item 1 runs 6 s so that a start delayed by a loaded machine still joins inside it.
    add_session(runtime, tmp_path / "audio", code="muon", start_in_s=-2.5, durations=(2000, 6000))
    agent = make_agent()
    assert agent.sync_once()
    run_loop(agent)
    wait_for(lambda: agent.playout and any(r.position == 1 and r.status == "aired" for r in local(agent, "muon")))
    rows = {r.position: r for r in local(agent, "muon")}
    assert rows[0].status == "missed"
    # joined inside item 1, not from its start
    assert rows[1].status == "aired" and "Vào giữa chừng" in rows[1].note and 300 <= rows[1].aired_ms <= 5600
    wait_for(lambda: not agent.playout.channel.active)  # the run's end exported its rows
    assert agent.deliver_once()
    stored = {r.position: r.status for r in server_rows(runtime, "muon")}
    assert stored == {0: "missed", 1: "aired"}


def test_items_for_other_clusters_are_logged_skipped(tmp_path):
    media = MediaStore(tmp_path)
    entry = {
        "items": [
            {"position": 0, "title": "Chung", "duration_ms": 1000, "clusters": []},
            {"position": 1, "title": "TDP 5", "duration_ms": 2000, "clusters": ["TDP05"]},
            {"position": 2, "title": "TDP 1", "duration_ms": 3000, "clusters": ["TDP01", "TDP05"]},
        ]
    }
    items, skipped = session_items(entry, media, ["TDP01"])
    assert [(i.position, i.offset_ms) for i in items] == [(0, 0), (2, 1000)]
    assert [(i.position, "TDP05" in why) for i, why in skipped] == [(1, True)]
    assert [i.clusters for i in items] == [None, ["TDP01", "TDP05"]]  # copied into the as-run rows
    everything, none = session_items(entry, media, [])
    assert len(everything) == 3 and none == []


def test_play_stop_and_volume_commands(runtime, network, live_server, make_agent, tmp_path):
    add_session(runtime, tmp_path / "audio", code="toi", start_in_s=3600, durations=(3000, 3000))
    agent = make_agent()
    assert agent.sync_once()
    assert agent.run_command({"id": 1, "action": "volume", "args": {"level": 40}}) == (True, None)
    ok, result = agent.run_command({"id": 2, "action": "play", "args": {"session": "toi"}})
    assert ok and "toi" in result
    assert agent.run_command({"id": 3, "action": "play", "args": {"session": "toi"}})[0] is False  # busy
    wait_for(lambda: agent.status()["now_playing"] == "toi 0")
    assert agent.run_command({"id": 4, "action": "skip"})[0]
    wait_for(lambda: agent.status()["now_playing"] == "toi 1")
    assert agent.run_command({"id": 5, "action": "stop"})[0]
    wait_for(lambda: not agent.playout.channel.active)
    assert agent.run_command({"id": 6, "action": "stop"})[0] is False  # nothing airs
    statuses = [(r.position, r.status) for r in local(agent, "toi")]
    assert statuses == [(0, "skipped"), (1, "interrupted")]
    assert agent.run_command({"id": 7, "action": "play", "args": {"session": "khong-co"}})[0] is False


def test_a_session_past_its_grace_is_logged_missed_once(runtime, network, live_server, make_agent, tmp_path):
    import time

    agent = make_agent()
    agent.config.playout = {"grace_s": 0.5}
    assert agent.sync_once() and agent.player() is not None  # the store exists before the session's time
    add_session(runtime, tmp_path / "audio", code="lo", start_in_s=0.2, durations=(1000, 1000, 1000))
    with runtime.unit() as s:  # the last item is for a cluster LOA01 does not serve
        s.scalar(select(Programme).where(Programme.session_code == "lo")).items[2].clusters = ["TDP05"]
    time.sleep(1.0)  # the agent was not ticking when the session was due
    assert agent.sync_once()
    agent.playout.tick(agent.manifest)
    agent.playout.tick(agent.manifest)  # once
    wait_for(lambda: len(local(agent, "lo")) == 3, timeout=5)
    rows = local(agent, "lo")
    assert [(r.position, r.status) for r in rows] == [(0, "missed"), (1, "missed"), (2, "skipped")]
    assert "Lỡ giờ phát" in rows[0].note and rows[2].note == "Mục dành cho cụm TDP05, thiết bị phục vụ TDP01, TDP02."


def test_an_agent_clock_three_minutes_off_airs_by_the_servers_time(runtime, network, live_server, make_agent, tmp_path):
    # The session is due 3 s from now by the server's clock; this agent's clock runs 3 minutes ahead, so by
    # its own clock it would be 183 s late (joining past the end). Corrected, it airs on the second.
    plan = add_session(runtime, tmp_path / "audio", code="lech", start_in_s=3, durations=(1000, 1000))
    agent = make_agent()
    assert agent.sync_once()
    agent.clock_offset_s = -180.0  # server minus agent, as a sync against a server 3 min behind measures it
    server_start = plan["start"] - timedelta(seconds=180)
    with runtime.unit() as s:  # the server's programme, moved 3 min back to match that server's clock
        s.scalar(select(Programme).where(Programme.session_code == "lech")).starts_at = server_start
    entry = next(e for e in agent.manifest["sessions"] if e["session"] == "lech")
    entry["starts_at"] = server_start.isoformat()
    run_loop(agent)
    wait_for(lambda: [r.status for r in local(agent, "lech")] == ["aired", "aired"])
    assert abs((local(agent, "lech")[0].actual_start - plan["start"]).total_seconds()) < 0.5  # our clock
    wait_for(lambda: not agent.playout.channel.active)
    assert agent.deliver_once()
    rows = server_rows(runtime, "lech")
    assert [r.status for r in rows] == ["aired", "aired"]
    assert abs(rows[0].lateness_ms) < 500  # on the server's clock too: the rows were moved onto it


def test_the_volume_scales_what_goes_out():
    import array

    from broadcast.agent.airing import VolumeSink
    from broadcast.playout.sinks import Sink

    class Capture(Sink):
        def __init__(self):
            super().__init__("capture")
            self.got = b""

        def _write(self, pcm):
            self.got += pcm
            return True

    level = {"v": 50}
    inner = Capture()
    sink = VolumeSink(inner, lambda: level["v"])
    sink.open(title="t")
    pcm = array.array("h", [1000, -2000, 32767]).tobytes()
    assert sink.write(pcm)
    assert list(array.array("h", inner.got)) == [500, -1000, 16383]
    level["v"] = 100
    inner.got = b""
    sink.write(pcm)
    assert inner.got == pcm  # full volume: untouched
    sink.close()
    assert not inner.is_open and sink.label == "capture"
