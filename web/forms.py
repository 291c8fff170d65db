"""One way for a page to run a change: commit it, or roll back and tell the user why.

The API turns every ``BroadcastError`` into JSON in one handler (web/api/errors.py); pages answer with
a redirect or the form again, so they use ``commit_or_flash`` instead of repeating try/rollback/flash::

    with commit_or_flash(_("Đã lưu.")) as outcome:
        service.change_something(db_session(), ...)
    return redirect(...)          # outcome.ok / outcome.error say what happened

The success message may also be set inside the block (``outcome.message = ...``) when it depends on
what the block did; it is flashed only after the commit succeeded.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from flask import flash
from flask_babel import gettext as _

from broadcast.errors import BroadcastError

from . import db_session


@dataclass
class Outcome:
    message: str | None = None
    category: str = "success"
    ok: bool = False
    error: BroadcastError | Exception | None = None

    @property
    def error_message(self) -> str | None:
        return None if self.error is None else error_text(self.error)


def error_text(exc: Exception) -> str:
    """The error's sentence in the page's language: the core writes Vietnamese, and a sentence that
    is in the catalogue (the core marks its own with N_, keeping the template and its values on the
    error) is shown translated; anything else as the core wrote it."""
    template = getattr(exc, "template", None)
    if template is not None:
        return _(template, **getattr(exc, "params", {}))
    message = getattr(exc, "message", None)
    return _(message) if message else _("Dữ liệu không hợp lệ.")


@contextmanager
def commit_or_flash(
    message: str | None = None,
    *,
    category: str = "success",
    flash_error: bool = True,
    also: tuple[type[Exception], ...] = (),
) -> Iterator[Outcome]:
    """Commit the request's session after the block and flash ``message``; on a ``BroadcastError``
    (or one of ``also``, e.g. ValueError from parsing a form number) roll back, flash its Vietnamese
    message unless ``flash_error`` is False (the caller shows it in the form) and carry on."""
    session = db_session()
    outcome = Outcome(message, category)
    try:
        yield outcome
        session.commit()
    except (BroadcastError, *also) as exc:
        session.rollback()
        outcome.error = exc
        if flash_error:
            flash(outcome.error_message, "error")
        return
    outcome.ok = True
    if outcome.message:
        flash(outcome.message, outcome.category)
