"""Errors the user sees.

Every error meant for a person carries one clear sentence in Vietnamese (the
UI language) saying what is wrong and what to do.  The CLI prints ``message``
without a stack trace; the web layer maps ``http_status`` and ``code`` onto
its JSON and HTML error responses.
"""


class BroadcastError(Exception):
    """Base class: an expected failure with a message for the user."""

    code = "error"
    http_status = 400

    def __init__(self, message: str, *, code: str | None = None, field: str | None = None):
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code
        self.field = field

    def __str__(self) -> str:  # pragma: no cover - trivial
        return self.message


class ConfigError(BroadcastError):
    """The environment or the machine is not set up right."""

    code = "config_error"
    http_status = 500


class ValidationError(BroadcastError):
    """Input from a user is not acceptable; nothing was changed."""

    code = "invalid"
    http_status = 400


class NotFound(BroadcastError):
    code = "not_found"
    http_status = 404


class PermissionDenied(BroadcastError):
    code = "forbidden"
    http_status = 403


class Conflict(BroadcastError):
    """The request is valid but the object's state does not allow it."""

    code = "conflict"
    http_status = 409
