"""The user roles, their groupings and their Vietnamese names: one table for the core and the web.

The role names are the values of ``domain.models.Role`` (stored in ``users.role``); the groupings say
who counts as station staff (sees every department's submitted bulletins, reviews) and who edits
the operator's reference data (lexicon, programmes). Admin passes every role check by itself, so
the edit grouping does not list it.
"""

from __future__ import annotations

from .domain.models import Role

ADMIN = Role.admin.value
OPERATOR = Role.operator.value
APPROVER = Role.approver.value
SUBMITTER = Role.submitter.value
VIEWER = Role.viewer.value

# Every role, in the order pickers and menus list them.
ALL_ROLES: tuple[str, ...] = (ADMIN, OPERATOR, APPROVER, SUBMITTER, VIEWER)
# Station staff: every bulletin except other departments' drafts, may comment and review.
STAFF_ROLES: tuple[str, ...] = (ADMIN, OPERATOR, APPROVER)
# Who edits the operator's data (lexicon, programmes); admin always passes role checks.
EDIT_ROLES: tuple[str, ...] = (OPERATOR,)

# Vietnamese names (the source language; the web translates them at render time).
ROLE_LABELS: dict[str, str] = {
    ADMIN: "Quản trị",
    OPERATOR: "Cán bộ đài",
    APPROVER: "Lãnh đạo duyệt tin",
    SUBMITTER: "Người gửi tin",
    VIEWER: "Người xem",
}


def role_label(role: str) -> str:
    """The Vietnamese name of ``role``; an unknown value is shown as it is."""
    return ROLE_LABELS.get(role, role)
