"""The link between a station and the server cut in the middle of a session, on two real test hosts: the server
(``broadcast serve`` with Mosquitto beside it, as on a ward server) in one network namespace, the agent process
(``broadcast agent``) in another, joined by a veth pair. The agent keeps airing on time while its rows wait in
its outbox; once the link is back every row reaches the server, none lost, none twice. Skipped with the reason
where the machine cannot make namespaces."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy.engine import make_url

from broadcast.network.commands import queue_command

from .airing_helpers import add_session, server_rows, wait_for
from .conftest import MOSQUITTO
from .netns import TestHosts, unavailable

PG_SOCKET_DIR = Path("/var/run/postgresql")
SESSION = "cat"
ON_TIME_S = 1.0  # each item starts within a second of its planned time, link or no link


@pytest.fixture
def hosts():
    reason = unavailable()
    if reason:
        pytest.skip(reason)
    made = TestHosts()
    try:
        yield made.create()
    finally:
        made.delete()


@pytest.fixture
def children(tmp_path):
    """Processes started in the namespaces: killed at the end, whatever happened (before the namespaces go)."""
    procs: list[subprocess.Popen] = []

    def start(name: str, argv: list[str], env: dict) -> subprocess.Popen:
        with (tmp_path / f"{name}.log").open("wb") as log:
            proc = subprocess.Popen(argv, env=env, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        procs.append(proc)
        return proc

    yield start
    for proc in reversed(procs):
        if proc.poll() is None:
            proc.kill()
            proc.wait(10)


def database_url_inside(url: str) -> str:
    """The server's database as seen from its namespace, which has its own loopback: a local PostgreSQL is
    reached through its Unix socket (sockets on the file system are not per namespace); SQLite is a file."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        return url
    port = parsed.port or 5432
    if parsed.host not in ("127.0.0.1", "localhost", None) or not (PG_SOCKET_DIR / f".s.PGSQL.{port}").exists():
        pytest.skip(f"PostgreSQL at {parsed.host} cannot be reached from a network namespace (no local Unix socket)")
    return parsed.set(host="").update_query_dict({"host": str(PG_SOCKET_DIR)}).render_as_string(hide_password=False)


def outbox_pending(data: Path) -> list[tuple[str, int]]:
    """(session, position) of the rows the agent has not yet had confirmed."""
    try:
        with sqlite3.connect(data / "outbox.db", timeout=5) as db:
            bodies = db.execute("SELECT body FROM outbox WHERE delivered_at IS NULL ORDER BY seq").fetchall()
    except sqlite3.Error:
        return []
    return [(row["session"], row["position"]) for row in (json.loads(b) for (b,) in bodies)]


def local_rows(data: Path) -> list[tuple[int, str]]:
    try:
        with sqlite3.connect(data / "playout.db", timeout=5) as db:
            return db.execute(
                "SELECT position, status FROM as_run WHERE session_code = ? ORDER BY id", (SESSION,)
            ).fetchall()
    except sqlite3.Error:  # not made yet
        return []


def store_ready(data: Path) -> bool:
    try:
        with sqlite3.connect(data / "playout.db", timeout=5) as db:
            return db.execute("SELECT COUNT(*) FROM as_run").fetchone() is not None
    except sqlite3.Error:
        return False


def synced(data: Path) -> bool:
    try:
        manifest = json.loads((data / "manifest.json").read_text())
    except (OSError, ValueError):
        return False
    return any(s["session"] == SESSION for s in manifest.get("sessions", []))


def start_server_host(hosts, children, env, workdir: Path) -> str:
    """Mosquitto and ``broadcast serve`` (web, scheduler and MQTT bridge) on the server host; its URL once the
    agent's host reaches it through the veth."""
    address = hosts.addresses["srv"]
    conf = workdir / "mosquitto.conf"
    conf.write_text(f"listener 1883 {address}\nallow_anonymous true\npersistence false\n")
    children("mosquitto", hosts.argv("srv", [MOSQUITTO, "-c", str(conf)]), env)
    env["BROADCAST_MQTT_URL"] = f"mqtt://{address}:1883"
    serve = [sys.executable, "-m", "broadcast", "serve", "--host", address, "--port", "8080", "--threads", "4"]
    children("server", hosts.argv("srv", serve), env)
    url = f"http://{address}:8080"
    hosts.wait_reachable("agt", url + "/healthz")
    return url


@pytest.mark.slow
@pytest.mark.once
def test_link_cut_mid_session(runtime, network, cli_env, hosts, children, tmp_path):
    if not Path(MOSQUITTO).exists():
        pytest.skip("mosquitto is not installed (scripts/system-deps.sh installs it)")
    env = {**os.environ, **cli_env, "BROADCAST_DATABASE_URL": database_url_inside(cli_env["BROADCAST_DATABASE_URL"])}
    server = start_server_host(hosts, children, env, tmp_path)
    data = tmp_path / "agent"
    agent = [sys.executable, "-m", "broadcast", "agent", "--server", server, "--token", network["token"]]
    agent += ["--data-dir", str(data), "--mqtt", env["BROADCAST_MQTT_URL"], "--sink", f"file:{tmp_path / 'aired'}/"]
    proc = children("agent", hosts.argv("agt", agent), env)
    wait_for(lambda: store_ready(data), timeout=30)  # synced, its local playout store made: ready to air

    # A session in a few seconds; the server tells the agent to re-sync (the bridge publishes the command).
    add_session(runtime, tmp_path / "audio", code=SESSION, start_in_s=8, durations=(3000, 3000, 3000))
    with runtime.unit() as s:
        queue_command(s, "LOA01", "resync")
    wait_for(lambda: synced(data), timeout=7)  # the programme is on the agent's disk before the session starts

    wait_for(lambda: (1, "airing") in local_rows(data), timeout=20)
    hosts.cut()
    assert not hosts.reachable("agt", server + "/healthz")  # the link is really gone
    wait_for(lambda: (2, "aired") in local_rows(data), timeout=15)
    # A finished row reaches the outbox at the agent's next export (about a second): wait for it, then
    # both rows aired while cut off are there, kept until the server confirms them.
    wait_for(lambda: {(SESSION, 1), (SESSION, 2)} <= set(outbox_pending(data)), timeout=10)
    assert proc.poll() is None

    hosts.restore()
    local = local_rows(data)
    assert [s for _, s in local] == ["aired", "aired", "aired"], local
    wait_for(lambda: len(server_rows(runtime, SESSION)) >= len(local), timeout=40)
    wait_for(lambda: not outbox_pending(data), timeout=10)  # each confirmed to the agent too

    stored = server_rows(runtime, SESSION)
    assert [r.position for r in stored] == [0, 1, 2]  # none lost
    assert len({r.uid for r in stored}) == len(stored)  # none twice
    for row in stored:
        assert row.status == "aired" and row.sink == "agent:LOA01"
        lateness = (row.actual_start - row.scheduled_start).total_seconds()
        assert abs(lateness) < ON_TIME_S, (row.position, lateness)  # on time, link or no link
    assert len(list((tmp_path / "aired").glob("*.wav"))) >= 1  # sound went out to the sink
