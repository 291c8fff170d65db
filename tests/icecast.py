"""A real Icecast2 on a free loopback port for tests (run as ``nobody`` when the suite runs as root), and an
upstream "station" feeding it a generated tone, as VOV or the provincial radio would feed a relay.

Shared by the playout sink tests and the relay tests; each test starts its own server and stops it.
"""

from __future__ import annotations

import os
import subprocess
import time

import pytest

ICECAST_XML = """<icecast>
  <limits><sources>4</sources><clients>10</clients><source-timeout>10</source-timeout></limits>
  <authentication><source-password>{pw}</source-password><admin-user>admin</admin-user>
    <admin-password>{pw}</admin-password></authentication>
  <hostname>127.0.0.1</hostname>
  <listen-socket><port>{port}</port><bind-address>127.0.0.1</bind-address></listen-socket>
  <fileserve>0</fileserve>
  <paths><basedir>/usr/share/icecast2</basedir><logdir>{dir}</logdir><webroot>/usr/share/icecast2/web</webroot>
    <adminroot>/usr/share/icecast2/admin</adminroot><pidfile>{dir}/icecast.pid</pidfile></paths>
  <logging><accesslog>access.log</accesslog><errorlog>error.log</errorlog><loglevel>2</loglevel></logging>
  <security><chroot>0</chroot></security>
</icecast>
"""


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Icecast:
    def __init__(self):
        import tempfile
        from pathlib import Path

        # pytest's tmp dirs are private to root; the unprivileged server needs a readable one
        self.dir = Path(tempfile.mkdtemp(prefix="lp-icecast-"))
        os.chmod(self.dir, 0o777)
        self.port = _free_port()
        self.pw = "hackme-test"
        conf = self.dir / "icecast.xml"
        conf.write_text(ICECAST_XML.format(pw=self.pw, port=self.port, dir=self.dir))
        os.chmod(conf, 0o644)
        self.proc = None

    def start(self):
        cmd = ["/usr/bin/icecast2", "-c", str(self.dir / "icecast.xml")]
        if os.geteuid() == 0:
            cmd = ["setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups"] + cmd
        self.proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        import socket

        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
                return self
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("icecast did not start")

    def cleanup(self):
        import shutil

        self.stop()
        shutil.rmtree(self.dir, ignore_errors=True)

    def stop(self):
        if self.proc is not None:
            self.proc.terminate()
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
            self.proc = None

    @property
    def sink(self):
        return f"icecast://source:{self.pw}@127.0.0.1:{self.port}/loa"


@pytest.fixture
def icecast(tmp_path):
    if not os.path.exists("/usr/bin/icecast2"):
        pytest.skip("icecast2 chưa được cài (sudo apt-get install icecast2)")
    server = Icecast().start()
    yield server
    server.cleanup()


class Upstream:
    """ffmpeg playing a tone in real time into an Icecast mount: the upstream programme a station relays."""

    def __init__(self, icecast: Icecast, mount: str = "vov1", *, freq: int = 1000, volume: float = 0.5):
        self.icecast, self.mount, self.freq, self.volume = icecast, mount, freq, volume
        self.proc: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.icecast.port}/{self.mount}"

    def start(self, *, wait: bool = True) -> Upstream:
        src = f"sine=frequency={self.freq}:sample_rate=44100,volume={self.volume}"
        cmd = ["ffmpeg", "-hide_banner", "-v", "error", "-nostdin", "-re", "-f", "lavfi", "-i", src]
        cmd += ["-ac", "2", "-c:a", "libmp3lame", "-b:a", "64k", "-content_type", "audio/mpeg", "-f", "mp3"]
        cmd += [f"icecast://source:{self.icecast.pw}@127.0.0.1:{self.icecast.port}/{self.mount}"]
        self.proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        if wait:
            self.wait_listed()
        return self

    def wait_listed(self, timeout: float = 10) -> None:
        """Until the mount answers a listener (the source has connected)."""
        import urllib.request

        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(self.url, timeout=1) as resp:
                    if resp.read(1024):
                        return
            except OSError:
                time.sleep(0.1)
        raise RuntimeError(f"upstream {self.url} did not come up")

    def stop(self) -> None:
        if self.proc is not None:
            self.proc.kill()
            self.proc.wait()
            self.proc = None


@pytest.fixture
def upstream(icecast):
    """A tone (1 kHz) playing on ``/vov1`` of a fresh Icecast; stopped at the end."""
    source = Upstream(icecast).start()
    yield source
    source.stop()
