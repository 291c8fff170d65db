"""JSON API v1: bearer-token auth and ``{"error": {"code", "message"}}`` errors."""

# ruff: noqa: I001  (import order is menu / registration order)
from flask import Blueprint

bp = Blueprint("api", __name__)

from . import errors, openapi, views  # noqa: E402,F401
from . import bulletins  # noqa: E402,F401
from . import programmes  # noqa: E402,F401
from . import reports  # noqa: E402,F401
from . import playout  # noqa: E402,F401
from . import lexicon  # noqa: E402,F401
from . import speech  # noqa: E402,F401
from . import agent, devices  # noqa: E402,F401  (station devices, docs/network.md)
from . import sources  # noqa: E402,F401  (upstream sources a station relays)
from . import live  # noqa: E402,F401  (live broadcasts from a phone app)
from . import deliveries  # noqa: E402,F401  (province bulletins sent down to the wards)
