"""``broadcast network-demo``: the whole network as plain processes (both agents come online, an approved
emergency reaches both, everything stops cleanly)."""

from __future__ import annotations

import json
import os
import re
import sqlite3
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from broadcast.cli.netdemo_processes import MOSQUITTO, free_port


def api_devices(port: int, token: str) -> dict:
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/api/v1/devices", headers={"Authorization": f"Bearer {token}"}
    )
    with urllib.request.urlopen(request, timeout=5) as answer:
        return {d["code"]: d for d in json.load(answer)["items"]}


def commands_done(db: Path) -> set[str]:
    with sqlite3.connect(db, timeout=5) as conn:
        rows = conn.execute(
            "SELECT d.code FROM device_commands c JOIN devices d ON d.id = c.device_id "
            "WHERE c.action = 'emergency' AND c.status = 'done'"
        ).fetchall()
    return {code for (code,) in rows}


def wait_for(predicate, timeout: float, proc: subprocess.Popen):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert proc.poll() is None, "the demo stopped early"
        try:
            if predicate():
                return
        except OSError:
            pass
        time.sleep(0.5)
    raise AssertionError("condition not met in time")


@pytest.mark.slow
@pytest.mark.once
def test_network_demo_runs_and_stops_cleanly(tmp_path, project_root):
    if not Path(MOSQUITTO).exists():
        pytest.skip("mosquitto is not installed (scripts/system-deps.sh installs it)")
    port, work = free_port(), tmp_path / "demo"
    argv = [sys.executable, "-m", "broadcast", "network-demo", "--port", str(port), "--dir", str(work)]
    argv += ["--start-in", "5", "--emergency-at", "3", "--cut-agent", "2", "0", "--duration", "30"]
    env = {k: v for k, v in os.environ.items() if not k.startswith("BROADCAST_")}
    out = tmp_path / "demo.out"
    with out.open("wb") as log:
        proc = subprocess.Popen(argv, cwd=project_root, env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        wait_for(lambda: "Bearer lp_" in out.read_text(), 90, proc)
        token = re.search(r"Bearer (lp_\S+?)\"", out.read_text()).group(1)
        wait_for(lambda: all(d["online"] for d in api_devices(port, token).values()), 30, proc)
        assert set(api_devices(port, token)) == {"LOA01", "LOA02"}
        wait_for(lambda: commands_done(work / "loaphuong.db") == {"LOA01", "LOA02"}, 40, proc)  # reached both
        assert proc.wait(90) == 0, out.read_text()[-2000:]
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    text = out.read_text()
    assert "Đã dừng tất cả." in text
    for name, pid in json.loads((work / "processes.json").read_text()).items():
        assert not Path(f"/proc/{pid}").exists(), f"{name} still running"
