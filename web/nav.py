"""Per-role navigation and dashboard widgets, which each feature adds itself to."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from threading import Lock

from flask import Flask, request, url_for
from flask_babel import get_locale, gettext
from markupsafe import Markup

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
    """A dashboard panel: ``context(user)`` returns the template's variables, or None to hide it.

    A panel is kept in memory until the next commit (``web.pagecache``) unless it is ``live``: what is on
    air now moves every second without a commit."""

    template: str
    context: Callable[[object], dict | None]
    roles: tuple[str, ...] = ALL_ROLES
    order: int = 50
    live: bool = False


DASHBOARD_WIDGETS: list[Widget] = []

# Menu items only a province user sees (the wards and the province's own pages); a ward user's menu never
# offers them.
PROVINCE_ONLY: set[str] = set()


def _is_province_user() -> bool:
    from .auth import current_db_user

    user = current_db_user()
    return user is not None and user.ward_id is None


def init_templates(app: Flask) -> None:
    # Every page draws the menu: one url_for and one catalogue lookup per item added up to a tenth of a
    # page's time. The links only change with the role, the language, the mount point and the menu itself
    # (features append at import, so its length is in the key), so each combination is built once.
    built: dict[tuple, list[tuple[str, str, Markup]]] = {}
    lock = Lock()

    def nav_items():
        return [item for item in NAV_ITEMS if item[0] in app.view_functions]

    def nav_links(role: str) -> list[tuple[str, str, Markup]]:
        """(endpoint, URL, translated label) of the menu items ``role`` sees, in menu order."""
        province = _is_province_user()
        key = (role, province, str(get_locale()), request.script_root, len(NAV_ITEMS), len(app.view_functions))
        links = built.get(key)
        if links is None:
            # Markup as ``{{ _(label) }}`` gives: the catalogue's text is trusted, never escaped twice.
            links = [
                (endpoint, url_for(endpoint), Markup(gettext(label)))
                for endpoint, label, roles in nav_items()
                if (role in roles or role == "admin") and (province or endpoint not in PROVINCE_ONLY)
            ]
            with lock:
                built[key] = links
        return links

    @app.context_processor
    def _helpers():
        return {"nav_items": nav_items, "nav_links": nav_links}
