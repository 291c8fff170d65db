"""The ``null`` sink: consumes audio without output (tests, dry runs)."""

from __future__ import annotations

from .base import Sink


class NullSink(Sink):
    name = "null"
