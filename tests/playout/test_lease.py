"""One scheduler per database: the lease is taken, renewed, refused to a second live holder and released."""

from __future__ import annotations

import socket

import pytest

from broadcast.playout import lease


def test_holder_alive_checks_this_hosts_pids():
    me = lease.process_holder()
    assert lease.holder_alive(me) is True
    assert lease.holder_alive(f"{socket.gethostname()}:999999999:dead") is False
    assert lease.holder_alive("another-host:1:x") is None
    assert lease.holder_alive(None) is False


def test_acquire_renew_release(runtime):
    me = lease.process_holder()
    lease.acquire(runtime, me, 30)
    assert lease.scheduler_running(runtime) and lease.current(runtime).holder == me
    assert lease.renew(runtime, me, 30)
    with pytest.raises(lease.LeaseHeld):
        lease.acquire(runtime, lease.process_holder(), 30)
    assert not lease.renew(runtime, "someone-else", 30)
    lease.release(runtime, me)
    assert not lease.scheduler_running(runtime)


def test_a_dead_holder_on_this_host_loses_the_lease_at_once(runtime):
    lease.acquire(runtime, f"{socket.gethostname()}:999999999:dead", 300)
    me = lease.process_holder()
    lease.acquire(runtime, me, 30)
    assert lease.current(runtime).holder == me
    lease.release(runtime, me)
