"""Per-role navigation and dashboard widgets, which each feature adds itself to."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from flask import Flask

from broadcast.roles import ALL_ROLES


def N_(message: str) -> str:
    """Marks a string for extraction; base.html translates menu labels at render time."""
    return message


# (endpoint, label, roles that see it), in menu order. A feature appends its pages.
NAV_ITEMS: list[tuple[str, str, tuple[str, ...]]] = [
    ("admin.dashboard", "Tổng quan", ALL_ROLES),
]


@dataclass(frozen=True)
class Widget:
    """A dashboard panel: ``context(user)`` returns the template's variables, or None to hide it."""

    template: str
    context: Callable[[object], dict | None]
    roles: tuple[str, ...] = ALL_ROLES
    order: int = 50


DASHBOARD_WIDGETS: list[Widget] = []


def init_templates(app: Flask) -> None:
    @app.context_processor
    def _helpers():
        def nav_items():
            return [item for item in NAV_ITEMS if item[0] in app.view_functions]

        return {"nav_items": nav_items}
