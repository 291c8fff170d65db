"""`broadcast serve --workers 2`: gunicorn's arbiter and two workers answer, the one scheduler stays in the
`serve` process (its lease names that pid), and SIGTERM stops every process and releases the lease."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from http.cookiejar import CookieJar
from pathlib import Path

import pytest
from click.testing import CliRunner

from broadcast.cli import main
from broadcast.cli.netdemo_processes import free_port
from broadcast.domain.types import utcnow
from broadcast.playout import lease

from .test_netdemo import wait_for


def _children(pid: int) -> list[int]:
    """Live child processes of ``pid``, read from /proc (the fourth field of /proc/N/stat is the parent)."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid and fields[0] != "Z":
            found.append(int(stat.parent.name))
    return found


def _alive(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def _login(base: str, username: str, password: str):
    jar = CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    html = opener.open(base + "/login").read().decode()
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html).group(1)
    form = {"username": username, "password": password, "csrf_token": token}
    opener.open(base + "/login", data=urllib.parse.urlencode(form).encode()).read()
    return opener


@pytest.fixture
def serve_workers(cli_env, tmp_path):
    """Starts `broadcast serve --workers 2 [ARGS]` (2 threads each) on a free loopback port, in its own process
    group: the group is killed at the end whatever happened (serve, gunicorn's arbiter and its workers)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("BROADCAST_")} | cli_env
    env["BROADCAST_WEB_THREADS"] = "2"  # as deploy/loaphuong.env.example sets it, not on the command line
    log_path = tmp_path / "serve.log"
    started = []

    def start(*args):
        port = free_port()
        argv = [sys.executable, "-m", "broadcast", "serve", "--host", "127.0.0.1", "--port", str(port)]
        argv += ["--workers", "2", *args]
        with log_path.open("wb") as log:
            proc = subprocess.Popen(argv, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        started.append(proc)
        base = f"http://127.0.0.1:{port}"
        wait_for(lambda: urllib.request.urlopen(base + "/healthz", timeout=2).status == 200, 60, proc)
        return proc, base, log_path

    yield start
    for proc in started:
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        proc.wait(10)


@pytest.mark.once
@pytest.mark.slow
def test_two_workers_one_scheduler_and_sigterm_stops_all(serve_workers, demo, runtime):
    proc, base, log = serve_workers()

    # serve -> one arbiter (python -m web.wsgi) -> two workers
    (arbiter,) = _children(proc.pid)
    argv = Path(f"/proc/{arbiter}/cmdline").read_text().split("\0")
    assert "web.wsgi" in argv and argv[argv.index("--threads") + 1] == "2"  # BROADCAST_WEB_THREADS
    wait_for(lambda: len(_children(arbiter)) == 2, 30, proc)
    workers = _children(arbiter)

    # A login made in one worker holds in the other: each page on a new connection, whichever worker takes it.
    opener = _login(base, "vanhanh", demo["password"])
    for _ in range(12):
        with opener.open(base + "/") as page:
            assert page.status == 200 and "/login" not in page.url
    for _ in range(12):
        assert urllib.request.urlopen(base + "/healthz", timeout=5).status == 200

    # The one scheduler's lease is held by the serve process itself, never by the arbiter or a worker.
    held = lease.current(runtime)
    assert held is not None and held.expires_at > utcnow()
    assert int(held.holder.split(":")[1]) == proc.pid

    started = time.monotonic()
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(timeout=20) == 0, log.read_text()
    assert time.monotonic() - started < 10
    assert not [pid for pid in [arbiter, *workers] if _alive(pid)]
    assert lease.current(runtime).expires_at <= utcnow()  # released, not left to expire


@pytest.mark.once
@pytest.mark.slow
def test_without_scheduler_serve_becomes_the_arbiter(serve_workers):
    proc, base, log = serve_workers("--no-scheduler")
    assert "web.wsgi" in Path(f"/proc/{proc.pid}/cmdline").read_text()  # no waiting parent left
    wait_for(lambda: len(_children(proc.pid)) == 2, 30, proc)
    workers = _children(proc.pid)
    assert urllib.request.urlopen(base + "/healthz", timeout=5).status == 200
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(timeout=20) == 0, log.read_text()
    assert not [pid for pid in workers if _alive(pid)]


@pytest.mark.once
@pytest.mark.slow
def test_arbiter_stops_when_serve_is_killed(serve_workers):
    proc, _base, _log = serve_workers()
    (arbiter,) = _children(proc.pid)
    proc.kill()  # SIGKILL: serve cannot stop its child; the arbiter's parent-death signal does
    proc.wait(10)
    deadline = time.monotonic() + 15
    while _alive(arbiter) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not _alive(arbiter)


def test_bad_web_workers_setting_is_one_sentence(cli_env):
    env = dict(cli_env, BROADCAST_WEB_WORKERS="hai")
    result = CliRunner().invoke(main, ["serve", "--no-scheduler"], env=env)
    assert result.exit_code == 1
    assert "BROADCAST_WEB_WORKERS='hai' không hợp lệ" in result.output and "Traceback" not in result.output


def test_bad_web_threads_setting_is_one_sentence(cli_env):
    env = dict(cli_env, BROADCAST_WEB_THREADS="0")
    result = CliRunner().invoke(main, ["serve", "--no-scheduler"], env=env)
    assert result.exit_code == 1
    assert "BROADCAST_WEB_THREADS='0' không hợp lệ" in result.output and "Traceback" not in result.output


@pytest.mark.parametrize("attempt", range(3))
def test_processes_starting_at_once_share_one_secret_key(tmp_path, attempt):
    # gunicorn's workers read the settings at the same moment: on a new data dir the write probe and the
    # first secret key must not trip over each other, and every process must end up with the same key.
    env = {k: v for k, v in os.environ.items() if not k.startswith("BROADCAST_")} | {
        "BROADCAST_DATA_DIR": str(tmp_path)
    }
    # Each process imports, says it is ready, then reads its settings when released: all at one moment.
    code = (
        "import sys; from broadcast.config import load_settings; print('ready', flush=True); "
        "sys.stdin.readline(); print(load_settings().secret_key)"
    )
    pipes = dict(stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    procs = [subprocess.Popen([sys.executable, "-c", code], env=env, **pipes) for _ in range(6)]
    assert all(proc.stdout.readline() == "ready\n" for proc in procs)
    for proc in procs:
        proc.stdin.write("go\n")
        proc.stdin.flush()
    results = [proc.communicate(timeout=60) for proc in procs]
    assert all(proc.returncode == 0 for proc in procs), [err for _out, err in results]
    keys = {out.strip() for out, _err in results}
    assert keys == {(tmp_path / "secret_key").read_text().strip()}
    assert sorted(p.name for p in tmp_path.iterdir()) == ["secret_key"]  # no probe or temporary key left
