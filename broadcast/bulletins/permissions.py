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

from .. import tenancy
from ..domain.models import Bulletin, BulletinStatus, Priority, Role, Setting, User, WardSetting
from ..roles import STAFF_ROLES
from ..tenancy import ward_bulletin_ids  # callers also write ``perm.STAFF_ROLES``

S = BulletinStatus

# States in which each kind of user may change the text of a bulletin.
SUBMITTER_EDITABLE = {S.draft.value, S.submitted.value, S.rejected.value}
STAFF_EDITABLE = SUBMITTER_EDITABLE | {S.approved.value, S.scheduled.value}
# States in which the operator may change the spoken text (what TTS reads).
SPOKEN_EDITABLE = STAFF_EDITABLE | {S.airing.value}

OPERATOR_MAY_APPROVE_NORMAL = "operator_may_approve_normal"


#: ``ward_id`` default of ``get_setting``/``set_setting``: the ward the session acts for (None for a province
#: user or an unscoped session, i.e. the installation's value).
SESSION_WARD = object()


def _ward(session, ward_id):
    return tenancy.ward_id(session) if ward_id is SESSION_WARD else ward_id


def get_setting(session, key: str, default=None, *, ward_id=SESSION_WARD):
    """A run-time setting as a ward sees it: the ward's own value (``ward_settings``) over the installation's
    (``settings``).  ``ward_id`` None reads the installation's value."""
    ward_id = _ward(session, ward_id)
    if ward_id is not None:
        own = session.get(WardSetting, (ward_id, key))
        if own is not None:
            return own.value
    row = session.get(Setting, key)
    return default if row is None else row.value


def set_setting(session, key: str, value, *, ward_id=SESSION_WARD) -> None:
    """Set the ward's own value (``ward_id``, by default the session's ward), or the installation's (None)."""
    ward_id = _ward(session, ward_id)
    if ward_id is not None:
        row = session.get(WardSetting, (ward_id, key))
        if row is None:
            session.add(WardSetting(ward_id=ward_id, key=key, value=value))
        else:
            row.value = value
        return
    row = session.get(Setting, key)
    if row is None:
        session.add(Setting(key=key, value=value))
    else:
        row.value = value


def operator_may_approve_normal(session, ward_id) -> bool:
    """Whether operators may approve normal-priority bulletins of ``ward_id`` (the ward's own setting, else
    the installation's)."""
    return bool(get_setting(session, OPERATOR_MAY_APPROVE_NORMAL, False, ward_id=ward_id))


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
    """The SQL form of ``can_view`` for list queries, within the user's ward (Core statements, such as the API
    list's plain rows, carry no ORM ward criteria: the ward is part of the clause itself)."""
    if user.ward_id is not None:
        return and_(Bulletin.id.in_(ward_bulletin_ids(user.ward_id)), _role_clause(user))
    return _role_clause(user)


def _role_clause(user: User):
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
    if not can_view(user, bulletin) or sent_down_to(user, bulletin):
        return False
    if user.role == Role.submitter.value:
        return same_department(user, bulletin) and bulletin.status in SUBMITTER_EDITABLE
    if user.role in STAFF_ROLES:
        return bulletin.status in STAFF_EDITABLE
    return False


def can_edit_spoken(user: User, bulletin: Bulletin) -> bool:
    if sent_down_to(user, bulletin):
        return False
    return user.role in (Role.admin.value, Role.operator.value) and bulletin.status in SPOKEN_EDITABLE


def can_review(session, user: User, bulletin: Bulletin) -> bool:
    """May approve or reject (ignoring state): the role rule plus 'never your own'."""
    if bulletin.author_id == user.id or sent_down_to(user, bulletin):
        return False
    if user.role in (Role.admin.value, Role.approver.value):
        return True
    if user.role == Role.operator.value:
        # The setting of the bulletin's ward (a province bulletin: the installation's).
        return bulletin.priority == Priority.normal.value and operator_may_approve_normal(
            session, tenancy.ward_of(bulletin)
        )
    return False


def review_clause(session, user: User):
    """SQL form of ``can_review`` (for the approval queue)."""
    not_own = Bulletin.author_id != user.id
    if user.role in (Role.admin.value, Role.approver.value):
        return not_own
    if user.role == Role.operator.value and operator_may_approve_normal(session, user.ward_id):
        return and_(not_own, Bulletin.priority == Priority.normal.value)
    return false()


def sent_down_to(user: User, bulletin: Bulletin) -> bool:
    """A province bulletin seen by a ward user: the province wrote and reviews it; the ward only accepts or
    declines its delivery (``broadcast.province.decisions``), never edits, reviews or withdraws it."""
    department = bulletin.department
    return getattr(user, "ward_id", None) is not None and department is not None and department.ward_id is None
