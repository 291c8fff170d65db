"""A station's channel: one airing at a time; stop/skip flags; an emergency is never lost between airings."""

from __future__ import annotations

import threading
import time

from broadcast.playout.channels import Channel, Control, EmergencyRequest


def test_acquire_waits_then_gives_up():
    channel = Channel(1, "MOLAO")
    assert channel.acquire(timeout=0)
    t0 = time.monotonic()
    assert not channel.acquire(timeout=0.2)
    assert time.monotonic() - t0 >= 0.19
    assert channel.release_or_take_emergency() is None and not channel.active


def test_acquire_clears_the_last_airings_flags():
    channel = Channel(1, "MOLAO")
    channel.control.stop.set()
    channel.control.skip.set()
    assert channel.acquire(timeout=0)
    assert not channel.control.stop.is_set() and not channel.control.skip.is_set()


def test_emergency_is_queued_to_an_airing_or_reserves_an_idle_channel():
    channel = Channel(1, "MOLAO")
    alone = EmergencyRequest(run_id=1, items=[])
    assert channel.queue_emergency(alone) is False and channel.active  # idle: reserved for it
    assert channel.release_or_take_emergency() is None
    channel.acquire(timeout=0)
    cut_in = EmergencyRequest(run_id=2, items=[])
    assert channel.queue_emergency(cut_in) is True
    # the airing ended before taking it: the channel stays held and the request is handed over
    assert channel.release_or_take_emergency() is cut_in and channel.active
    assert channel.release_or_take_emergency() is None and not channel.active


def test_wait_idle_returns_when_released():
    channel = Channel(1, "MOLAO")
    channel.acquire(timeout=0)
    threading.Timer(0.1, channel.release_or_take_emergency).start()
    channel.wait_idle(time.monotonic() + 5)
    assert not channel.active


def test_control_hands_an_emergency_over_once():
    control = Control()
    request = EmergencyRequest(run_id=1, items=[])
    control.request_emergency(request)
    assert control.take_emergency() is request and control.take_emergency() is None
