"""Who may see, edit and review a bulletin.

- submitter: only bulletins of their own department (every state), creates only
  for their own department, edits while draft/submitted/rejected.
- operator, approver, admin: every bulletin except other departments' drafts
  (a draft is the department's own work until submitted); admin sees all.
- viewer: every bulletin that left the draft state, read-only.
- Nobody approves or rejects a bulletin they wrote.
"""

from __future__ import annotations

from sqlalchemy import and_, false, or_, true

from ..domain.models import Bulletin, BulletinStatus, Priority, Role, Setting, User
from ..roles import STAFF_ROLES  # callers also write ``perm.STAFF_ROLES``

S = BulletinStatus

# States in which each kind of user may change the text of a bulletin.
SUBMITTER_EDITABLE = {S.draft.value, S.submitted.value, S.rejected.value}
STAFF_EDITABLE = SUBMITTER_EDITABLE | {S.approved.value, S.scheduled.value}
# States in which the operator may change the spoken text (what TTS reads).
SPOKEN_EDITABLE = STAFF_EDITABLE | {S.airing.value}

OPERATOR_MAY_APPROVE_NORMAL = "operator_may_approve_normal"


def get_setting(session, key: str, default=None):
    row = session.get(Setting, key)
    return default if row is None else row.value


def set_setting(session, key: str, value) -> None:
    row = session.get(Setting, key)
    if row is None:
        session.add(Setting(key=key, value=value))
    else:
        row.value = value


def same_department(user: User, bulletin: Bulletin) -> bool:
    return user.department_id is not None and user.department_id == bulletin.department_id


def can_view(user: User, bulletin: Bulletin) -> bool:
    if user.role == Role.admin.value or bulletin.author_id == user.id:
        return True
    if user.role == Role.submitter.value:
        return same_department(user, bulletin)
    if bulletin.status == S.draft.value:
        return same_department(user, bulletin)
    return user.role in (Role.operator.value, Role.approver.value, Role.viewer.value)


def visibility_clause(user: User):
    """The SQL form of ``can_view`` for list queries."""
    if user.role == Role.admin.value:
        return true()
    own = Bulletin.author_id == user.id
    dept = Bulletin.department_id == user.department_id if user.department_id is not None else false()
    if user.role == Role.submitter.value:
        return or_(own, dept)
    if user.role in (Role.operator.value, Role.approver.value, Role.viewer.value):
        return or_(own, dept, Bulletin.status != S.draft.value)
    return false()


def can_create_for(user: User, department_id: int) -> bool:
    if user.role in STAFF_ROLES:
        return True
    return user.role == Role.submitter.value and user.department_id == department_id


def can_edit_text(user: User, bulletin: Bulletin) -> bool:
    """May change title/body/dates/etc. (state permitting)."""
    if not can_view(user, bulletin):
        return False
    if user.role == Role.submitter.value:
        return same_department(user, bulletin) and bulletin.status in SUBMITTER_EDITABLE
    if user.role in STAFF_ROLES:
        return bulletin.status in STAFF_EDITABLE
    return False


def can_edit_spoken(user: User, bulletin: Bulletin) -> bool:
    return user.role in (Role.admin.value, Role.operator.value) and bulletin.status in SPOKEN_EDITABLE


def can_review(session, user: User, bulletin: Bulletin) -> bool:
    """May approve or reject (ignoring state): the role rule plus 'never your own'."""
    if bulletin.author_id == user.id:
        return False
    if user.role in (Role.admin.value, Role.approver.value):
        return True
    if user.role == Role.operator.value:
        return bulletin.priority == Priority.normal.value and bool(
            get_setting(session, OPERATOR_MAY_APPROVE_NORMAL, False)
        )
    return False


def review_clause(session, user: User):
    """SQL form of ``can_review`` (for the approval queue)."""
    not_own = Bulletin.author_id != user.id
    if user.role in (Role.admin.value, Role.approver.value):
        return not_own
    if user.role == Role.operator.value and get_setting(session, OPERATOR_MAY_APPROVE_NORMAL, False):
        return and_(not_own, Bulletin.priority == Priority.normal.value)
    return false()
