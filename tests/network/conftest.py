"""Network fixtures: the suite's own Mosquitto on a free loopback port (never the machine's broker on 1883)."""

from __future__ import annotations

import shutil
import socket
import subprocess
import time
from pathlib import Path

import pytest

MOSQUITTO = shutil.which("mosquitto") or "/usr/sbin/mosquitto"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_listening(port: int, proc: subprocess.Popen, timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"mosquitto exited with {proc.returncode}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError("mosquitto did not start listening")


class Broker:
    """A Mosquitto process the test owns; ``restart()`` keeps the port (broker restarted mid-session)."""

    def __init__(self, workdir: Path):
        self.port = free_port()
        self.conf = workdir / "mosquitto.conf"
        self.log = workdir / "mosquitto.log"
        self.conf.write_text(
            f"listener {self.port} 127.0.0.1\nallow_anonymous true\npersistence false\nlog_dest file {self.log}\n"
        )
        self.proc: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"mqtt://127.0.0.1:{self.port}"

    def start(self) -> None:
        self.proc = subprocess.Popen(
            [MOSQUITTO, "-c", str(self.conf)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        _wait_listening(self.port, self.proc)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc = None

    def restart(self) -> None:
        self.stop()
        self.start()


@pytest.fixture
def broker(tmp_path):
    if not Path(MOSQUITTO).exists():
        pytest.skip("mosquitto is not installed (scripts/system-deps.sh installs it)")
    b = Broker(tmp_path)
    b.start()
    yield b
    b.stop()


@pytest.fixture
def network(runtime, demo):
    """The demo ward with device LOA01 (clusters TDP01, TDP02), another station KHAC with device KHAC01, and a
    programme for MOLAO today ("thu", in an hour) whose three items have small audio files.
    Returns a dict: tokens, programme date and code, the audio files by SHA-256."""
    import hashlib
    from datetime import timedelta

    from sqlalchemy import select

    from broadcast.domain.models import Programme, ProgrammeItem, Station
    from broadcast.domain.types import utcnow
    from broadcast.network.devices import add_device

    media = runtime.settings.data_dir / "audio"
    media.mkdir()
    now = utcnow().replace(microsecond=0)
    today = now.astimezone(runtime.settings.tz).date()
    files = {}
    with runtime.unit() as s:
        molao = s.scalar(select(Station).where(Station.code == "MOLAO"))
        molao.sink = "agent"
        s.add(Station(code="KHAC", name="Đài khác", ward=molao.ward, sink="agent"))
        s.flush()
        _, token = add_device(s, "LOA01", "MOLAO", "TDP01,TDP02")
        _, other = add_device(s, "KHAC01", "KHAC")
        programme = Programme(
            station_id=molao.id,
            on_date=today,
            session_code="thu",
            starts_at=now + timedelta(hours=1),
            max_duration_s=900,
            locked=True,
        )
        for pos in range(3):
            path = media / f"item{pos}.wav"
            path.write_bytes(f"audio {pos} ".encode() * 1000)
            files[hashlib.sha256(path.read_bytes()).hexdigest()] = path
            programme.items.append(
                ProgrammeItem(
                    position=pos,
                    kind="asset",
                    title=f"Mục {pos}",
                    audio_path=str(path),
                    duration_ms=1000 * (pos + 1),
                    planned_start=programme.starts_at + timedelta(seconds=pos),
                )
            )
        s.add(programme)
    return {"token": token, "other_token": other, "date": today.isoformat(), "session": "thu", "files": files}


class LiveServer:
    """The real Flask app behind werkzeug's server on a free loopback port; stop() and start() again on the
    same port simulate an outage."""

    def __init__(self, app):
        self.app, self.port, self.server, self.thread = app, free_port(), None, None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        import threading

        from werkzeug.serving import make_server

        self.server = make_server("127.0.0.1", self.port, self.app, threaded=True)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def stop(self) -> None:
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()
            self.thread.join(5)
            self.server = None


@pytest.fixture
def live_server(app):
    server = LiveServer(app)
    server.start()
    yield server
    server.stop()


@pytest.fixture
def make_agent(tmp_path, live_server, network):
    """make_agent(mqtt_url=None, token=None) -> a broadcast.agent.runner.Agent (stopped at the end)."""
    from broadcast.agent.runner import Agent, AgentConfig

    agents = []

    def _make(mqtt_url=None, token=None, name="agent"):
        agent = Agent(
            AgentConfig(
                server=live_server.url, token=token or network["token"], data_dir=tmp_path / name, mqtt_url=mqtt_url
            )
        )
        agents.append(agent)
        return agent

    yield _make
    for agent in agents:
        agent.stop()
