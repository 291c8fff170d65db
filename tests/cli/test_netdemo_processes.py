"""The network demo's processes and links: the relay that plays an agent's link, and children that die early
or never get ready reported in one Vietnamese sentence naming their log."""

from __future__ import annotations

import socket
import sys
import threading

import pytest

from broadcast.cli.netdemo_processes import Children, Relay, wait_until
from broadcast.errors import ConfigError


def echo_server() -> tuple[socket.socket, int]:
    server = socket.create_server(("127.0.0.1", 0))

    def serve():
        while True:
            try:
                conn, _ = server.accept()
            except OSError:
                return
            threading.Thread(target=lambda c=conn: [c.sendall(d) for d in iter(lambda: c.recv(1024), b"")]).start()

    threading.Thread(target=serve, daemon=True).start()
    return server, server.getsockname()[1]


def talk(port: int, message: bytes) -> bytes:
    with socket.create_connection(("127.0.0.1", port), timeout=2) as conn:
        conn.sendall(message)
        return conn.recv(1024)


def test_relay_cut_drops_connections_and_refuses_until_restored():
    server, port = echo_server()
    relay = Relay(port)
    try:
        assert talk(relay.port, b"xin chao") == b"xin chao"
        held = socket.create_connection(("127.0.0.1", relay.port), timeout=2)
        held.sendall(b"a")
        assert held.recv(10) == b"a"
        relay.cut()
        assert held.recv(10) == b""  # the open connection is dropped
        try:
            answer = talk(relay.port, b"con do khong")
        except OSError:  # reset
            answer = b""
        assert answer == b""  # new ones are accepted and closed at once: nothing gets through
        relay.restore()
        assert talk(relay.port, b"lai roi") == b"lai roi"
        held.close()
    finally:
        relay.close()
        server.close()


def test_a_child_that_dies_is_named_with_its_log(tmp_path):
    children = Children(tmp_path)
    proc = children.start("hong", [sys.executable, "-c", "print('bao loi'); raise SystemExit(3)"], {})
    proc.wait(10)
    with pytest.raises(ConfigError, match=r"hong đã dừng \(mã 3\); xem .*hong\.log"):
        children.check()
    assert "bao loi" in (tmp_path / "logs" / "hong.log").read_text()
    assert str(proc.pid) in (tmp_path / "processes.json").read_text()


def test_wait_until_gives_up_in_vietnamese_and_stop_all_ends_the_children(tmp_path):
    children = Children(tmp_path)
    proc = children.start("ngu", [sys.executable, "-c", "import time; time.sleep(60)"], {})
    with pytest.raises(ConfigError, match="Dịch vụ thử không sẵn sàng sau 0 giây"):
        wait_until(lambda: False, children, "Dịch vụ thử", timeout=0.3)
    children.stop_all()
    assert proc.poll() is not None
