"""Per-role navigation and dashboard widgets, which each feature adds itself to."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from flask import Flask
from flask_babel import lazy_gettext as _l



def N_(message: str) -> str:
    """Marks a string for extraction; base.html translates menu labels at render time."""
    return message


ROLE_LABELS = {
    "admin": N_("Quản trị"),
    "operator": N_("Cán bộ đài"),
    "approver": N_("Lãnh đạo duyệt tin"),
    "submitter": N_("Người gửi tin"),
    "viewer": N_("Người xem"),
}

ALL_ROLES = ("admin", "operator", "approver", "submitter", "viewer")

# The same labels in the page's language (role pickers on the users page).
ROLE_TEXT = {role: _l(label) for role, label in ROLE_LABELS.items()}

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

        return {"nav_items": nav_items, "role_label": lambda r: ROLE_LABELS.get(r, r)}
