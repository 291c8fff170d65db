"""One station's output: at most one airing at a time, and what may be asked of it while it airs.

``Control`` carries the thread flags an operator or an emergency sets on the
player airing now (stop, skip, an emergency to break in with); ``Channel``
is the station's output, held by one airing at a time.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field


@dataclass
class EmergencyRequest:
    run_id: int
    items: list  # of items.Item
    break_mode: str = "pause"
    after: str = "resume"
    bulletin_id: int | None = None
    done: threading.Event = field(default_factory=threading.Event)
    # the as-run kind of every item ("emergency"), or None: each item's own (a live broadcast's)
    kind: str | None = "emergency"


class Control:
    """What an operator or an emergency asks of the player currently airing on a station."""

    def __init__(self):
        self.stop = threading.Event()
        self.skip = threading.Event()
        self.emergency: EmergencyRequest | None = None
        self.lock = threading.Lock()

    def request_emergency(self, request: EmergencyRequest) -> None:
        with self.lock:
            self.emergency = request

    def take_emergency(self) -> EmergencyRequest | None:
        with self.lock:
            request, self.emergency = self.emergency, None
            return request


class Channel:
    """One station's output: at most one airing at a time."""

    def __init__(self, station_id: int, code: str):
        self.station_id = station_id
        self.code = code
        self.cond = threading.Condition()
        self.active = False
        self.control = Control()
        self.player = None  # the Player airing now, for status and tests
        self.run_id: int | None = None

    def acquire(self, timeout: float) -> bool:
        deadline = time.monotonic() + max(0.0, timeout)
        with self.cond:
            while self.active:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return False
                self.cond.wait(remaining)
            self.active = True
            self.control.stop.clear()
            self.control.skip.clear()
            return True

    def queue_emergency(self, request: EmergencyRequest) -> bool:
        """True: an airing is in progress and will break in with ``request``.  False: the channel was idle
        and is now reserved for the caller to air ``request`` alone.  One lock, so no emergency is lost
        between an airing ending and the request arriving."""
        with self.cond:
            if self.active:
                self.control.request_emergency(request)
                return True
            self.active = True
            return False

    def release_or_take_emergency(self) -> EmergencyRequest | None:
        """Free the channel, unless an emergency arrived as the airing ended: then it is returned, still held."""
        with self.cond:
            leftover = self.control.take_emergency()
            if leftover is None:
                self.active = False
                self.player = None
                self.run_id = None
                self.cond.notify_all()
            return leftover

    def wait_idle(self, deadline: float) -> None:
        """Wait (until the monotonic ``deadline``) for the airing on this channel to end."""
        with self.cond:
            while self.active and time.monotonic() < deadline:
                self.cond.wait(0.1)
