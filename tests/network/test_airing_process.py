"""`broadcast agent` as a real process, SIGKILLed in the middle of a session and started again: the local
claim survives, so the session is not aired again from the start; the restarted agent rejoins the same run by
seek, and every row reaches the server once."""

from __future__ import annotations

import signal
import sqlite3
import subprocess
import sys

import pytest

from .airing_helpers import add_session, server_rows, wait_for


def local_rows(data):
    try:
        with sqlite3.connect(data / "playout.db", timeout=5) as db:
            return db.execute(
                "SELECT position, status, note FROM as_run WHERE session_code = 'dem' ORDER BY id"
            ).fetchall()
    except sqlite3.Error:  # not made yet
        return []


@pytest.mark.slow
@pytest.mark.once
def test_killed_mid_session_rejoins_by_seek_and_airs_once(runtime, network, live_server, tmp_path, project_root):
    add_session(runtime, tmp_path / "audio", code="dem", start_in_s=6, durations=(3000, 3000, 3000))
    data = tmp_path / "agent"
    command = [
        sys.executable,
        "-m",
        "broadcast",
        "agent",
        "--server",
        live_server.url,
        "--token",
        network["token"],
        "--data-dir",
        str(data),
        "--sink",
        "null",
    ]
    proc = subprocess.Popen(command, cwd=project_root, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_for(lambda: (1, "airing") in [(p, s) for p, s, _ in local_rows(data)], timeout=20)
        proc.send_signal(signal.SIGKILL)
        proc.wait(5)
        proc = subprocess.Popen(command, cwd=project_root, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wait_for(lambda: (2, "aired") in [(p, s) for p, s, _ in local_rows(data)], timeout=20)
        rows = local_rows(data)
        wait_for(lambda: len(server_rows(runtime, "dem")) == len(rows), timeout=15)
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(10) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
    by_position = {p: [(s, n) for q, s, n in rows if q == p] for p in (0, 1, 2)}
    assert [s for s, _ in by_position[0]] == ["aired"]  # not aired again after the restart
    assert by_position[1][0][0] == "interrupted"  # closed by the restarted agent's recovery
    assert [s for s, _ in by_position[1][1:]] in ([], ["aired"], ["missed"])  # rejoined, or already past
    (last,) = by_position[2]
    assert last[0] == "aired"
    rejoined = [n for p in (1, 2) for s, n in by_position[p] if s == "aired" and n and "Vào giữa chừng" in n]
    assert rejoined  # the restarted agent joined by seek, not from the start
    with sqlite3.connect(data / "playout.db") as db:
        assert db.execute("SELECT COUNT(*) FROM playout_runs").fetchone() == (1,)  # one airing, resumed
    stored = server_rows(runtime, "dem")
    assert len({r.uid for r in stored}) == len(stored) == len(rows)
