"""The upward export (báo cáo lên tỉnh): a period's figures for the province's source-information system.

``build_payload`` gathers them (``payload``: airtime per ward, station and category, device availability per
station, deliveries of province bulletins) as a dict described by the versioned JSON Schema
``schema/v1.json`` (draft 2020-12, version "1.0", every field documented there).  An adapter delivers it:
``get_adapter("json").export(payload)`` returns the JSON document.  A province's own system is plugged in with
one module holding an ``Adapter`` subclass (implementing ``_write``) and ``registry.register(name, ...)``.

Used by ``broadcast export province`` and ``GET /api/v1/export/province``.
"""

from __future__ import annotations

import json
from pathlib import Path

from .base import Adapter
from .payload import SCHEMA_VERSION, build_payload
from .registry import get_adapter, register

SCHEMA_PATH = Path(__file__).parent / "schema" / "v1.json"


def schema() -> dict:
    """The JSON Schema of the payload (version ``SCHEMA_VERSION``)."""
    return json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))


__all__ = ["SCHEMA_PATH", "SCHEMA_VERSION", "Adapter", "build_payload", "get_adapter", "register", "schema"]
