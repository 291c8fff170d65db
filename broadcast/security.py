"""Passwords, API tokens and the audit trail."""

from __future__ import annotations

import functools
import hashlib
import secrets
from datetime import timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import bindparam, insert, select
from sqlalchemy.orm import Session, joinedload

from .domain.models import ApiToken, AuditLog, Role, User
from .domain.types import utcnow
from .errors import NotFound, ValidationError
from .tenancy import ward_of

_hasher = PasswordHasher()
MIN_PASSWORD_LENGTH = 8
TOKEN_PREFIX = "lp_"
TOKEN_TOUCH_INTERVAL = timedelta(minutes=1)


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def check_password_strength(password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise ValidationError(f"Mật khẩu phải có ít nhất {MIN_PASSWORD_LENGTH} ký tự.", field="password")


def authenticate(session: Session, username: str, password: str) -> User | None:
    user = session.scalar(select(User).where(User.username == username.strip().lower()))
    if user is None or not user.active:
        # Hash anyway so a wrong username takes as long as a wrong password.
        verify_password(_dummy_hash(), password)
        return None
    if not verify_password(user.password_hash, password):
        return None
    if _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    return user


@functools.cache
def _dummy_hash() -> str:
    # Made on first use, not at import: argon2 takes a third of a second and 64 MB, which every process
    # importing this module (the agent, the CLI, an export) would pay without ever checking a password.
    return _hasher.hash("loa-phuong-dummy")


def _token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_token(session: Session, user: User, name: str = "") -> str:
    """Create a token and return it; only its digest is kept."""
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    session.add(ApiToken(user=user, name=name, prefix=token[:10], token_hash=_token_digest(token)))
    return token


# Every API request runs it: one statement, not two, and composed once (composing it cost more than running it).
_TOKEN_WITH_USER = (
    select(ApiToken)
    .where(ApiToken.token_hash == bindparam("digest"), ApiToken.revoked_at.is_(None))
    .options(joinedload(ApiToken.user))
)


def user_for_token(session: Session, token: str) -> User | None:
    row = session.scalar(_TOKEN_WITH_USER, {"digest": _token_digest(token)})
    if row is None or not row.user.active:
        return None
    now = utcnow()
    # Recorded to the minute: writing it on every request would turn each API
    # read into a write and serialise readers on SQLite's single writer lock.
    if row.last_used_at is None or now - row.last_used_at > TOKEN_TOUCH_INTERVAL:
        row.last_used_at = now
    return row.user


def revoke_token(session: Session, prefix: str) -> int:
    rows = session.scalars(select(ApiToken).where(ApiToken.prefix == prefix, ApiToken.revoked_at.is_(None))).all()
    if not rows:
        raise NotFound(f"Không có mã truy cập nào bắt đầu bằng {prefix!r} còn hiệu lực.")
    for row in rows:
        row.revoked_at = utcnow()
    return len(rows)


def parse_role(value: str) -> Role:
    try:
        return Role(value)
    except ValueError:
        roles = ", ".join(r.value for r in Role)
        raise ValidationError(f"Vai trò {value!r} không hợp lệ: chọn một trong {roles}.", field="role") from None


def audit(
    session: Session,
    action: str,
    *,
    user: User | None = None,
    obj=None,
    object_type: str | None = None,
    object_id=None,
    detail: dict | None = None,
    ip: str | None = None,
) -> AuditLog:
    """Append one audit row in the caller's transaction, under the object's ward (else the actor's)."""
    ward_id = ward_of(obj) if obj is not None else None
    if ward_id is None and object_type == "wards" and object_id is not None:
        ward_id = int(object_id)
    if ward_id is None and user is not None:
        ward_id = user.ward_id
    if obj is not None:
        object_type = object_type or obj.__tablename__
        object_id = object_id if object_id is not None else getattr(obj, "id", None)
    row = AuditLog(
        ward_id=ward_id,
        user_id=user.id if user is not None else None,
        username=user.username if user is not None else None,
        action=action,
        object_type=object_type,
        object_id=None if object_id is None else str(object_id),
        detail=detail,
        ip=ip,
    )
    session.add(row)
    return row


def audit_many(
    session: Session, action: str, objects: list[tuple], *, user: User | None = None, ip: str | None = None
) -> None:
    """One audit row per ``(obj, detail)`` pair, inserted in one statement (a fan-out to many devices)."""
    if not objects:
        return
    who = {"user_id": user.id if user is not None else None, "username": user.username if user is not None else None}
    who_ward = user.ward_id if user is not None else None
    rows = [
        {
            **who,
            "ward_id": ward_of(obj) or who_ward,
            "action": action,
            "object_type": obj.__tablename__,
            "object_id": str(obj.id),
            "detail": detail,
            "ip": ip,
        }
        for obj, detail in objects
    ]
    session.execute(insert(AuditLog), rows)
