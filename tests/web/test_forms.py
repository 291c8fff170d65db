"""web/forms.py: commit_or_flash commits and flashes the success, or rolls back and flashes the error."""

from __future__ import annotations

from flask import get_flashed_messages
from sqlalchemy import select

from broadcast.domain.models import Setting
from broadcast.errors import Conflict
from broadcast.users import N_, error
from web import db_session
from web.forms import commit_or_flash


def _setting(app, key):
    with app.app_context():
        return db_session().scalar(select(Setting.value).where(Setting.key == key))


def test_success_commits_then_flashes(app):
    with app.test_request_context("/"):
        with commit_or_flash("Đã lưu.") as outcome:
            db_session().add(Setting(key="k1", value=1))
            outcome.message = "Đã lưu 1."
        assert outcome.ok and outcome.error is None
        assert get_flashed_messages(with_categories=True) == [("success", "Đã lưu 1.")]
    assert _setting(app, "k1") == 1


def test_an_error_rolls_back_and_is_flashed(app):
    with app.test_request_context("/"):
        with commit_or_flash("Đã lưu.") as outcome:
            db_session().add(Setting(key="k2", value=2))
            db_session().flush()
            raise Conflict("Không được.")
        assert not outcome.ok and outcome.error_message == "Không được."
        assert get_flashed_messages(with_categories=True) == [("error", "Không được.")]
    assert _setting(app, "k2") is None


def test_errors_named_in_also_and_silent_errors(app):
    with app.test_request_context("/"):
        with commit_or_flash(also=(ValueError,)) as outcome:
            int("abc")
        assert outcome.error_message == "Dữ liệu không hợp lệ."
        with commit_or_flash(flash_error=False) as quiet:
            raise Conflict("Lỗi hiện trong biểu mẫu.")
        assert quiet.error is not None
        assert get_flashed_messages() == ["Dữ liệu không hợp lệ."]


def test_core_sentences_are_translated_with_their_values(app):
    with app.test_request_context("/?lang=en"):
        from flask_babel import force_locale

        with force_locale("en"), commit_or_flash() as outcome:
            raise error(Conflict, N_("Mã đơn vị %(code)s đã có."), code="VHTT")
        assert outcome.error_message == "Department code VHTT already exists."
