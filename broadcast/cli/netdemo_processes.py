"""The processes and links of ``broadcast network-demo``: Mosquitto and Icecast on free loopback ports, child
processes each in its own session with a log file, and ``Relay``, the TCP relay that plays an agent's network
link (``cut()`` it to simulate a dead 3G line).  ``bench/relay.py`` starts its Icecast with these too.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import shutil
import socket
import subprocess
import threading
import time
from datetime import datetime
from pathlib import Path

import click

from ..errors import ConfigError

MOSQUITTO = shutil.which("mosquitto") or "/usr/sbin/mosquitto"
ICECAST = shutil.which("icecast2") or "/usr/bin/icecast2"
ICECAST_XML = """<icecast>
  <limits><sources>4</sources><clients>20</clients><source-timeout>10</source-timeout></limits>
  <authentication><source-password>{pw}</source-password><admin-user>admin</admin-user>
    <admin-password>{pw}</admin-password></authentication>
  <hostname>127.0.0.1</hostname>
  <listen-socket><port>{port}</port><bind-address>127.0.0.1</bind-address></listen-socket>
  <paths><basedir>/usr/share/icecast2</basedir><logdir>{dir}</logdir><webroot>/usr/share/icecast2/web</webroot>
    <adminroot>/usr/share/icecast2/admin</adminroot><pidfile>{dir}/icecast.pid</pidfile></paths>
  <logging><accesslog>access.log</accesslog><errorlog>error.log</errorlog><loglevel>2</loglevel></logging>
  <security><chroot>0</chroot></security>
</icecast>
"""


def say(message: str) -> None:
    click.echo(f"[{datetime.now():%H:%M:%S}] {message}")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Relay:
    """One agent's link to one server port: a TCP relay on a free loopback port. ``cut()`` drops every
    connection through it and refuses new ones until ``restore()``."""

    def __init__(self, target_port: int):
        self.target = target_port
        self.server = socket.create_server(("127.0.0.1", 0))
        self.port = self.server.getsockname()[1]
        self.up = True
        self.lock = threading.Lock()
        self.open: set[socket.socket] = set()
        threading.Thread(target=self._accept, name=f"relay-{self.port}", daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                conn, _ = self.server.accept()
            except OSError:  # closed
                return
            try:
                if not self.up:
                    raise OSError("link cut")
                upstream = socket.create_connection(("127.0.0.1", self.target), timeout=5)
            except OSError:
                conn.close()
                continue
            upstream.settimeout(None)
            with self.lock:
                self.open.update((conn, upstream))
            for a, b in ((conn, upstream), (upstream, conn)):
                threading.Thread(target=self._pump, args=(a, b), daemon=True).start()

    def _pump(self, source: socket.socket, sink: socket.socket) -> None:
        with contextlib.suppress(OSError):
            while chunk := source.recv(65536):
                sink.sendall(chunk)
        self._drop(source, sink)

    def _drop(self, *socks: socket.socket) -> None:
        for s in socks:
            with contextlib.suppress(OSError):
                s.shutdown(socket.SHUT_RDWR)
            s.close()
            with self.lock:
                self.open.discard(s)

    def cut(self) -> None:
        self.up = False
        with self.lock:
            doomed = list(self.open)
        self._drop(*doomed)

    def restore(self) -> None:
        self.up = True

    def close(self) -> None:
        self.cut()
        self.server.close()


class Children:
    """The demo's processes, each in its own session (the terminal's Ctrl+C reaches only the demo, which then
    stops them in order) with its output in ``logs/NAME.log``; their ids in ``processes.json``."""

    def __init__(self, workdir: Path):
        self.logs = workdir / "logs"
        self.logs.mkdir(parents=True, exist_ok=True)
        self.pid_file = workdir / "processes.json"
        self.procs: dict[str, subprocess.Popen] = {}

    def start(self, name: str, argv: list[str], env: dict) -> subprocess.Popen:
        with (self.logs / f"{name}.log").open("ab") as log:
            proc = subprocess.Popen(
                argv, env=env, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True
            )
        self.procs[name] = proc
        self.pid_file.write_text(json.dumps({n: p.pid for n, p in self.procs.items()}))
        return proc

    def check(self) -> None:
        for name, proc in self.procs.items():
            if proc.poll() is not None:
                raise ConfigError(f"{name} đã dừng (mã {proc.returncode}); xem {self.logs / name}.log")

    def stop_all(self) -> None:
        for name, proc in reversed(list(self.procs.items())):  # agents first: they say offline on the way out
            if proc.poll() is None:
                proc.terminate()
                try:
                    proc.wait(15)
                except subprocess.TimeoutExpired:
                    say(f"{name} không dừng sau 15 giây: buộc dừng.")
                    proc.kill()
                    proc.wait()


def wait_until(ready, children: Children, what: str, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        children.check()
        with contextlib.suppress(OSError):
            if ready():
                return
        time.sleep(0.2)
    raise ConfigError(f"{what} không sẵn sàng sau {timeout:.0f} giây; xem {children.logs}")


def port_open(port: int) -> bool:
    with socket.create_connection(("127.0.0.1", port), timeout=0.5):
        return True


def start_mosquitto(children: Children, workdir: Path) -> int:
    if not Path(MOSQUITTO).exists():
        raise ConfigError("Chưa cài Mosquitto (sudo apt-get install mosquitto, hoặc make system-deps).")
    port = free_port()
    conf = workdir / "mosquitto.conf"
    conf.write_text(f"listener {port} 127.0.0.1\nallow_anonymous true\npersistence false\nlog_dest stdout\n")
    children.start("mosquitto", [MOSQUITTO, "-c", str(conf)], dict(os.environ))
    wait_until(lambda: port_open(port), children, "Mosquitto")
    return port


def start_icecast(children: Children, folder: Path) -> tuple[int, str] | None:
    """Icecast on a free loopback port in ``folder`` (world-readable: Icecast refuses to run as root, so root
    starts it as nobody); None when it is not installed (the agents then play to nothing)."""
    if not Path(ICECAST).exists():
        say("Chưa cài Icecast (sudo apt-get install icecast2): thiết bị sẽ phát ra đầu ra rỗng.")
        return None
    port, password = free_port(), secrets.token_hex(8)
    os.chmod(folder, 0o777)
    conf = folder / "icecast.xml"
    conf.write_text(ICECAST_XML.format(pw=password, port=port, dir=folder))
    os.chmod(conf, 0o644)
    argv = [ICECAST, "-c", str(conf)]
    if os.geteuid() == 0:
        argv = ["setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups", *argv]
    children.start("icecast", argv, dict(os.environ))
    wait_until(lambda: port_open(port), children, "Icecast")
    return port, password
