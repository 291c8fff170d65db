"""Every transition of the bulletin state machine, allowed and forbidden (table-driven)."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from broadcast.bulletins import permissions, workflow
from broadcast.domain.models import AuditLog
from broadcast.errors import Conflict, NotFound, PermissionDenied, ValidationError

OK = "ok"
ERRORS = {403: PermissionDenied, 404: NotFound, 409: Conflict, 400: ValidationError}

# (action, state before, actor (None = system), options, expected)
CASES = [
    # submit
    ("submit", "draft", "vanhoa", {}, OK),
    ("submit", "rejected", "vanhoa", {}, OK),
    ("submit", "draft", "vanhanh", {}, OK),  # operator of the same department
    ("submit", "draft", "tuphap", {}, 404),  # another department's draft is invisible
    ("submit", "draft", "xem", {}, 404),  # viewers never see drafts
    ("submit", "draft", "lanhdao", {}, 404),  # nor do approvers of other departments
    ("submit", "submitted", "vanhoa", {}, 409),
    ("submit", "approved", "vanhoa", {}, 409),
    ("submit", "draft", None, {}, 403),  # not a system transition
    # approve
    ("approve", "submitted", "lanhdao", {}, OK),
    ("approve", "submitted", "admin", {}, OK),
    ("approve", "submitted", "vanhoa", {}, 403),  # own bulletin, and a submitter
    ("approve", "submitted", "mttq", {}, 404),  # another department
    ("approve", "submitted", "xem", {}, 403),
    ("approve", "submitted", "vanhanh", {}, 403),  # operator, ward setting off
    ("approve", "submitted", "vanhanh", {"setting": True}, OK),
    ("approve", "submitted", "vanhanh", {"setting": True, "priority": "priority"}, 403),
    ("approve", "submitted", "vanhanh", {"setting": True, "priority": "emergency"}, 403),
    ("approve", "submitted", "lanhdao", {"author": "lanhdao"}, 403),  # nobody approves their own
    ("approve", "submitted", "admin", {"author": "admin"}, 403),
    ("approve", "submitted", "lanhdao", {"priority": "emergency"}, OK),
    ("approve", "rejected", "lanhdao", {}, 409),
    ("approve", "approved", "lanhdao", {}, 409),
    ("approve", "withdrawn", "lanhdao", {}, 409),
    ("approve", "submitted", None, {}, 403),
    # reject
    ("reject", "submitted", "lanhdao", {"reason": "Sai số điện thoại."}, OK),
    ("reject", "submitted", "lanhdao", {}, 400),  # a reason is required
    ("reject", "submitted", "lanhdao", {"reason": "   "}, 400),
    ("reject", "submitted", "vanhoa", {"reason": "x"}, 403),
    ("reject", "submitted", "tuphap", {"reason": "x"}, 404),
    ("reject", "submitted", "vanhanh", {"reason": "x"}, 403),
    ("reject", "submitted", "vanhanh", {"reason": "x", "setting": True}, OK),
    ("reject", "approved", "lanhdao", {"reason": "x"}, 409),
    # withdraw
    ("withdraw", "draft", "vanhoa", {}, OK),
    ("withdraw", "submitted", "vanhoa", {}, OK),
    ("withdraw", "rejected", "vanhoa", {}, OK),
    ("withdraw", "approved", "vanhoa", {}, 403),  # after approval only staff withdraw
    ("withdraw", "approved", "lanhdao", {"reason": "Hủy sự kiện."}, OK),
    ("withdraw", "scheduled", "vanhanh", {}, OK),
    ("withdraw", "airing", "admin", {}, OK),
    ("withdraw", "submitted", "xem", {}, 403),
    ("withdraw", "submitted", "tuphap", {}, 404),
    ("withdraw", "withdrawn", "lanhdao", {}, 409),
    ("withdraw", "completed", "admin", {}, 409),
    ("withdraw", "expired", "vanhanh", {}, 409),
    ("withdraw", "submitted", None, {}, 403),
    # system transitions (scheduler = None, or the operator)
    ("schedule", "approved", None, {}, OK),
    ("schedule", "approved", "vanhanh", {}, OK),
    ("schedule", "approved", "lanhdao", {}, 403),
    ("schedule", "approved", "vanhoa", {}, 403),
    ("schedule", "submitted", None, {}, 409),
    ("start_airing", "scheduled", None, {}, OK),
    ("start_airing", "approved", None, {}, OK),
    ("start_airing", "draft", None, {}, 409),
    ("complete", "airing", None, {}, OK),
    ("complete", "scheduled", "vanhanh", {}, OK),
    ("complete", "completed", None, {}, 409),
    ("complete", "airing", "xem", {}, 403),
    ("expire", "approved", None, {}, OK),
    ("expire", "airing", None, {}, OK),
    ("expire", "draft", None, {}, 409),
    ("expire", "withdrawn", None, {}, 409),
]


@pytest.mark.parametrize(
    "action,state,actor,opts,expected",
    CASES,
    ids=[f"{a}-{s}-{u or 'system'}-{i}" for i, (a, s, u, _, __) in enumerate(CASES)],
)
def test_transition(session, users, make_bulletin, action, state, actor, opts, expected):
    if opts.get("setting"):
        permissions.set_setting(session, permissions.OPERATOR_MAY_APPROVE_NORMAL, True)
    bulletin = make_bulletin(state, author=opts.get("author", "vanhoa"), priority=opts.get("priority", "normal"))
    version = bulletin.version
    user = users[actor] if actor else None
    audit_before = session.scalar(select(AuditLog.id).order_by(AuditLog.id.desc()))
    if expected == OK:
        assert workflow.allowed(session, action, bulletin, user)
        workflow.perform(session, action, bulletin, user, opts.get("reason"))
        assert bulletin.status == workflow.TRANSITIONS[action].target
        row = session.scalar(select(AuditLog).order_by(AuditLog.id.desc()))
        assert row.action == f"bulletin.{action}" and row.object_id == str(bulletin.id)
        assert row.detail["from"] == state and row.detail["to"] == bulletin.status
        assert row.username == (actor if actor else None)
        assert row.detail["reason"] == (opts.get("reason") or "").strip() or row.detail["reason"] is None
    else:
        assert not workflow.allowed(session, action, bulletin, user) or expected == 400
        with pytest.raises(ERRORS[expected]) as info:
            workflow.perform(session, action, bulletin, user, opts.get("reason"))
        assert info.value.http_status == expected
        assert info.value.message and info.value.message[0].isupper()
        assert bulletin.status == state and bulletin.version == version
        assert session.scalar(select(AuditLog.id).order_by(AuditLog.id.desc())) == audit_before


def test_approve_records_approver_and_emergency_just_becomes_approved(session, users, make_bulletin):
    b = make_bulletin("submitted", priority="emergency")
    workflow.approve(session, b, users["lanhdao"], "Phát ngay.")
    assert b.status == "approved" and b.approved_by is users["lanhdao"] and b.approved_at is not None
    assert b.review_comment == "Phát ngay."


def test_reject_then_resubmit_clears_approval(session, users, make_bulletin):
    b = make_bulletin("submitted")
    workflow.reject(session, b, users["lanhdao"], "Bổ sung giờ tiêm.")
    assert b.status == "rejected" and b.review_comment == "Bổ sung giờ tiêm."
    workflow.submit(session, b, users["vanhoa"])
    assert b.status == "submitted" and b.submitted_at is not None


def test_complete_sets_airings_left_to_zero(session, make_bulletin):
    b = make_bulletin("airing")
    workflow.complete(session, b, None)
    assert b.airings_left == 0


def test_available_actions_per_role(session, users, make_bulletin):
    b = make_bulletin("submitted")
    assert workflow.available_actions(session, b, users["vanhoa"]) == ["withdraw"]
    assert workflow.available_actions(session, b, users["lanhdao"]) == ["approve", "reject", "withdraw"]
    assert workflow.available_actions(session, b, users["xem"]) == []


def test_every_transition_has_a_test():
    assert {case[0] for case in CASES} == set(workflow.TRANSITIONS)
