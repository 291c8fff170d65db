"""web/labels.py: the core's role and status names (broadcast.roles, broadcast.domain.labels) on pages,
in the page's language."""

from __future__ import annotations

from broadcast import roles
from broadcast.domain import labels
from web.labels import CATALOGUE


def test_the_catalogue_marks_every_core_label():
    core = set(roles.ROLE_LABELS.values()) | set(labels.STATUS_LABELS.values()) | set(labels.PRIORITY_LABELS.values())
    assert set(CATALOGUE) == core


def test_labels_in_both_languages(login_as):
    client = login_as("lanhdao")
    vi = client.get("/bulletins?lang=vi").get_data(as_text=True)
    assert "Lãnh đạo duyệt tin" in vi and "Chờ duyệt" in vi
    en = client.get("/bulletins?lang=en").get_data(as_text=True)
    assert "Approving leader" in en and "Lãnh đạo duyệt tin" not in en
    assert "Chờ duyệt" not in en


def test_as_run_states(app):
    from flask import render_template_string

    with app.test_request_context("/"):
        assert render_template_string("{{ asrun_status_text('missed') }}") == "Lỡ giờ"
        assert render_template_string("{{ asrun_status_text('new') }}") == "new"
