"""Processes for the network benchmarks: the bench's own Mosquitto on a free loopback port, the server and
the agent as child processes, each stopped (and its temp files removed) however the benchmark ends.

Kept apart from the tests' fixtures on purpose: benchmarks never import from ``tests/``.  The Mosquitto binary
and ``free_port`` are the network demo's (``broadcast.cli.netdemo_processes``); the broker here is configured
for a thousand connections and its children raise plain errors, so the rest stays the bench's own.
"""

from __future__ import annotations

import contextlib
import resource
import signal
import socket
import subprocess
import threading
import time
import urllib.request
from pathlib import Path

from broadcast.cli.netdemo_processes import MOSQUITTO, free_port

FD_WANTED = 8192  # 1,000 device connections in the bench, as many in Mosquitto, plus the usual files


def raise_fd_limit(wanted: int = FD_WANTED) -> int:
    """Raise this process's open-file limit (children such as Mosquitto inherit it); returns the new limit."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    target = wanted if hard == resource.RLIM_INFINITY else min(wanted, hard)
    if soft != resource.RLIM_INFINITY and soft < target:
        resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
        soft = target
    return soft


@contextlib.contextmanager
def stopped_by_sigterm():
    """While inside, SIGTERM ends the benchmark like Ctrl+C does: ``finally`` blocks stop the children and
    remove the temporary files instead of leaving a broker and a server behind."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def stop(signum, frame):
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, stop)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def tail(path: Path, lines: int = 5) -> str:
    try:
        return " | ".join(path.read_text(errors="replace").strip().splitlines()[-lines:])
    except OSError:
        return ""


class Children:
    """Child processes started by a benchmark; ``stop_all()`` (also on failure) terminates them, newest first.
    Each writes its output to a log file in ``logdir``, quoted when it dies early."""

    def __init__(self, logdir: Path):
        self.logdir = logdir
        self.procs: list[tuple[str, subprocess.Popen]] = []

    def start(self, name: str, argv: list[str], env: dict | None = None) -> subprocess.Popen:
        log = (self.logdir / f"{name}.log").open("wb")
        try:
            proc = subprocess.Popen(argv, env=env, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        finally:
            log.close()  # the child has its own copy of the descriptor
        self.procs.append((name, proc))
        return proc

    def check(self, name: str, proc: subprocess.Popen) -> None:
        if proc.poll() is not None:
            raise RuntimeError(f"{name} exited with {proc.returncode}: {tail(self.logdir / f'{name}.log')}")

    def stop(self, proc: subprocess.Popen, timeout: float = 10) -> None:
        if proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        self.procs = [(n, p) for n, p in self.procs if p is not proc]

    def stop_all(self) -> None:
        for _, proc in reversed(list(self.procs)):
            with contextlib.suppress(Exception):
                self.stop(proc)


def wait_ready(children: Children, name: str, proc: subprocess.Popen, probe, timeout: float = 60) -> None:
    """Until ``probe()`` stops raising OSError; a child that dies meanwhile is reported with its log."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        children.check(name, proc)
        with contextlib.suppress(OSError):
            probe()
            return
        time.sleep(0.1)
    raise RuntimeError(f"{name} did not become ready in {timeout:.0f} s")


def wait_http(url: str, proc: subprocess.Popen, children: Children, name: str, timeout: float = 60) -> None:
    wait_ready(children, name, proc, lambda: urllib.request.urlopen(url, timeout=2).read(), timeout)


def start_broker(children: Children, workdir: Path) -> tuple[int, subprocess.Popen]:
    """Mosquitto on a free loopback port, anonymous, no persistence, no connection limit; (port, process)."""
    if not Path(MOSQUITTO).exists():
        raise RuntimeError("mosquitto is not installed (scripts/system-deps.sh installs it)")
    port = free_port()
    conf = workdir / "mosquitto.conf"
    conf.write_text(
        f"listener {port} 127.0.0.1\n"
        "allow_anonymous true\n"
        "persistence false\n"
        "max_connections -1\n"
        "max_queued_messages 10000\n"
        "log_type error\nlog_type warning\n"
        f"log_dest file {workdir / 'mosquitto-own.log'}\n"
    )
    proc = children.start("mosquitto", [MOSQUITTO, "-c", str(conf)])
    wait_ready(children, "mosquitto", proc, lambda: socket.create_connection(("127.0.0.1", port), 0.2).close(), 10)
    return port, proc


def rss_mb(pid: int) -> float | None:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        return None
    return None
