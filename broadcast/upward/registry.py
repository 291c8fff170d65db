"""Adapters by name: ``"json"`` and any a deployment registers (``register("tinhxyz", "pkg.mod:Class")``).

The references are ``module:Class`` strings imported on first use, as APScheduler names its plug-ins, so
registering a province's adapter costs nothing until it is asked for.
"""

from __future__ import annotations

from importlib import import_module

from ..errors import ValidationError
from .base import Adapter

ADAPTERS: dict[str, str] = {"json": "broadcast.upward.jsonfile:JsonAdapter"}


def register(name: str, reference: str | type[Adapter]) -> None:
    """Make the adapter ``reference`` (a class or ``"module:Class"``) available as ``name``."""
    ADAPTERS[name.strip().lower()] = reference


def names() -> list[str]:
    return sorted(ADAPTERS)


def get_adapter(name: str | None, **options) -> Adapter:
    """An instance of the adapter called ``name`` (400 on ``format`` for a name nobody registered)."""
    key = (name or "json").strip().lower()
    reference = ADAPTERS.get(key)
    if reference is None:
        raise ValidationError(
            f"Không có bộ xuất dữ liệu {name!r}: chọn một trong {', '.join(names())}.", field="format"
        )
    if isinstance(reference, str):
        module, _, attr = reference.partition(":")
        reference = getattr(import_module(module), attr)
    return reference(**options)
