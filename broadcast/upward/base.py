"""The adapter interface: how the upward export leaves the installation.

In the style of APScheduler's job stores and executors: a base class whose public ``export()`` does what every
adapter must (check the payload is the documented schema version and shape), then hands it to the protected
``_write()`` hook that a concrete adapter implements.  A province's own source-information system is plugged in
by writing one module with one subclass and registering it by name (``broadcast.upward.registry``).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import ClassVar

from ..errors import ValidationError
from .payload import REQUIRED_KEYS, SCHEMA_VERSION


class Adapter(ABC):
    """One way of delivering the upward export (a file format, a province's API, ...)."""

    name: ClassVar[str] = ""
    media_type: ClassVar[str] = "application/octet-stream"
    extension: ClassVar[str] = "bin"

    def __init__(self, **options) -> None:
        self.options = options

    def export(self, payload: dict) -> bytes:
        """Check ``payload`` (``payload.build_payload``'s) and deliver it; returns what was written."""
        if payload.get("schema_version") != SCHEMA_VERSION:
            raise ValidationError(
                f"Dữ liệu xuất có phiên bản lược đồ {payload.get('schema_version')!r}, "
                f"bộ chuyển {self.name!r} chỉ nhận phiên bản {SCHEMA_VERSION}.",
                field="format",
            )
        missing = [key for key in REQUIRED_KEYS if key not in payload]
        if missing:
            raise ValidationError(f"Dữ liệu xuất thiếu mục {missing[0]!r}.", field="format")
        return self._write(payload)

    @abstractmethod
    def _write(self, payload: dict) -> bytes:
        """Deliver ``payload`` (already checked) and return the bytes written or sent."""
