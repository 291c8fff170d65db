"""Who is asking: session login for pages, bearer tokens for the API, and role checks."""

from __future__ import annotations

from functools import wraps

from flask import abort, g, request
from flask_login import UserMixin, current_user

from broadcast.domain.models import User


class LoginUser(UserMixin):
    """Wraps the ORM user for Flask-Login without leaking the session."""

    def __init__(self, user: User):
        self.user = user
        self.id = str(user.id)

    @property
    def role(self) -> str:
        return self.user.role

    def __getattr__(self, name):
        return getattr(self.user, name)


def current_db_user() -> User | None:
    """The acting user, from the API token or the login session."""
    if getattr(g, "api_user", None) is not None:
        return g.api_user
    if current_user.is_authenticated:
        return current_user.user
    return None


def roles_required(*roles: str):
    """Page decorator: logged in and one of ``roles`` (admin always passes)."""

    def decorator(view):
        @wraps(view)
        def wrapper(*args, **kwargs):
            from . import login_manager

            user = current_db_user()
            if user is None:
                return login_manager.unauthorized()
            if roles and user.role not in roles and user.role != "admin":
                abort(403)
            return view(*args, **kwargs)

        wrapper.allowed_roles = roles  # read by the route-permission matrix test
        return wrapper

    return decorator


def province_required(view):
    """Under ``roles_required``: only a province user (no ward) may pass; a ward user gets 403 before anything
    is read.  Marked on the view for the route matrix tests."""

    @wraps(view)
    def wrapper(*args, **kwargs):
        user = current_db_user()
        if user is None or user.ward_id is not None:
            abort(403)
        return view(*args, **kwargs)

    wrapper.province_only = True
    return wrapper


def client_ip() -> str | None:
    return request.remote_addr


def api_roles_required(*roles: str):
    """API decorator: the token's user must have one of ``roles`` (admin always passes)."""

    def decorator(view):
        @wraps(view)
        def wrapper(*args, **kwargs):
            from broadcast.errors import PermissionDenied

            user = current_db_user()
            if roles and (user is None or (user.role not in roles and user.role != "admin")):
                raise PermissionDenied("Vai trò của bạn không được phép thực hiện thao tác này.")
            return view(*args, **kwargs)

        wrapper.allowed_roles = roles
        return wrapper

    return decorator
