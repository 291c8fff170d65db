"""Two test hosts on one machine: network namespaces joined by a veth pair (``ip netns``, ``ip link``).

``TestHosts`` makes a server host and an agent host with a random 10.x.y.z/30 between them, runs commands in
either (``argv(host, [...])`` wraps them in ``ip netns exec``), cuts and restores the link, and deletes
everything in ``delete()`` (which the tests call in a finalizer, also on failure). ``unavailable()`` says why
the machine does not allow it (not root, no ``ip``, ``ip netns add`` refused), for a clean skip.
"""

from __future__ import annotations

import contextlib
import ipaddress
import os
import random
import re
import shutil
import subprocess
import sys
import time

IP = shutil.which("ip") or "/usr/sbin/ip"
NAME_RE = re.compile(r"^lp-(\d+)-[0-9a-f]{4}-(srv|agt)\b")


def _ip(*args: str, check: bool = True) -> subprocess.CompletedProcess:
    return subprocess.run([IP, *args], capture_output=True, text=True, timeout=10, check=check)


def _sweep_stale() -> None:
    """Namespaces left by an earlier run that was killed before its finalizer (its pid is gone)."""
    listing = _ip("netns", "list", check=False).stdout
    for line in listing.splitlines():
        match = NAME_RE.match(line)
        if match and not os.path.exists(f"/proc/{match.group(1)}"):
            _ip("netns", "delete", line.split()[0], check=False)


def unavailable() -> str | None:
    """None when this machine lets the test make namespaces, else the reason (for pytest.skip)."""
    if not sys.platform.startswith("linux"):
        return "network namespaces need Linux"
    if os.geteuid() != 0:
        return "network namespaces need root (ip netns add); run the suite as root to include this test"
    if not os.path.exists(IP):
        return "the ip command (iproute2) is not installed"
    probe = f"lp-{os.getpid()}-{random.getrandbits(16):04x}-srv"
    made = _ip("netns", "add", probe, check=False)
    if made.returncode != 0:
        return f"ip netns add is not allowed here: {made.stderr.strip() or made.returncode}"
    _ip("netns", "delete", probe, check=False)
    return None


def _random_link() -> ipaddress.IPv4Network:
    """A random /30 in 10.0.0.0/8, away from 10.0.x.x where real networks tend to live."""
    base = (10 << 24) | (random.randint(64, 254) << 16) | (random.randint(0, 255) << 8) | (random.randint(0, 63) << 2)
    return ipaddress.IPv4Network((base, 30))


class TestHosts:
    """A server host and an agent host, each its own network namespace, joined by one veth pair."""

    __test__ = False  # not a test class, whatever pytest thinks of the name

    def __init__(self):
        tag = f"lp-{os.getpid()}-{random.getrandbits(16):04x}"
        self.names = {"srv": f"{tag}-srv", "agt": f"{tag}-agt"}
        short = tag.replace("lp-", "").replace("-", "")[-11:]  # interface names are at most 15 bytes
        self.links = {"srv": f"v{short}s", "agt": f"v{short}a"}
        net = _random_link()
        first, second = list(net.hosts())
        self.addresses = {"srv": str(first), "agt": str(second)}
        self.prefix = net.prefixlen
        self.made: list[str] = []

    def create(self) -> TestHosts:
        _sweep_stale()
        for host in ("srv", "agt"):
            _ip("netns", "add", self.names[host])
            self.made.append(self.names[host])
        _ip("link", "add", self.links["srv"], "type", "veth", "peer", "name", self.links["agt"])
        for host in ("srv", "agt"):
            ns, link = self.names[host], self.links[host]
            _ip("link", "set", link, "netns", ns)
            _ip("-n", ns, "addr", "add", f"{self.addresses[host]}/{self.prefix}", "dev", link)
            _ip("-n", ns, "link", "set", "lo", "up")
            _ip("-n", ns, "link", "set", link, "up")
        return self

    def argv(self, host: str, command: list[str]) -> list[str]:
        """``command`` run inside ``host`` (``ip netns exec`` execs it: the process id is the command's)."""
        return [IP, "netns", "exec", self.names[host], *command]

    def cut(self) -> None:
        """The server's end goes down: the agent's packets leave and vanish (a dead 3G link, not a refusal)."""
        _ip("-n", self.names["srv"], "link", "set", self.links["srv"], "down")

    def restore(self) -> None:
        _ip("-n", self.names["srv"], "link", "set", self.links["srv"], "up")

    def reachable(self, host: str, url: str) -> bool:
        """An HTTP GET of ``url`` from inside ``host`` succeeds."""
        probe = "import sys, urllib.request; urllib.request.urlopen(sys.argv[1], timeout=2).read()"
        done = subprocess.run(self.argv(host, [sys.executable, "-c", probe, url]), capture_output=True, timeout=15)
        return done.returncode == 0

    def wait_reachable(self, host: str, url: str, timeout: float = 30.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.reachable(host, url):
                return
            time.sleep(0.3)
        raise AssertionError(f"{url} did not answer from {self.names[host]} in {timeout:.0f} s")

    def delete(self) -> None:
        """Both namespaces go (and with them the veth pair); safe to call twice or after a half-made create."""
        with contextlib.suppress(subprocess.SubprocessError, OSError):
            _ip("link", "delete", self.links["srv"], check=False)  # only left when create() stopped half-way
        for name in reversed(self.made):
            with contextlib.suppress(subprocess.SubprocessError, OSError):
                _ip("netns", "delete", name, check=False)
        self.made = []
