"""Only one scheduler per database: a ``SchedulerLease`` row renewed by its holder.

The holder names itself ``host:pid:nonce``.  Another process may take the
lease when it has expired, or at once when the holder ran on this same host
and its process is gone (a SIGKILL leaves no time to release it).
"""

from __future__ import annotations

import os
import socket
import uuid
from datetime import timedelta

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from ..domain.models import SchedulerLease
from ..domain.types import utcnow
from ..errors import Conflict

LEASE_NAME = "scheduler"
_HOST = socket.gethostname()


def process_holder() -> str:
    return f"{_HOST}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def holder_alive(holder: str | None) -> bool | None:
    """True/False when ``holder`` ran on this host (its pid checked), None when unknown (another host)."""
    if not holder:
        return False
    parts = holder.split(":")
    if len(parts) < 2 or parts[0] != _HOST:
        return None
    try:
        pid = int(parts[1])
    except ValueError:
        return None
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    # A zombie (killed, not yet reaped by its parent) is gone for our purposes.
    try:
        with open(f"/proc/{pid}/stat") as fh:
            if fh.read().rsplit(")", 1)[1].split()[0] == "Z":
                return False
    except (OSError, IndexError):
        pass
    return True


class LeaseHeld(Conflict):
    code = "scheduler_running"


def _held_message(row: SchedulerLease) -> str:
    return (
        f"Bộ lập lịch phát sóng đã chạy ở tiến trình khác ({row.holder}, giữ quyền đến "
        f"{row.expires_at:%H:%M:%S} UTC): mỗi cơ sở dữ liệu chỉ chạy một bộ lập lịch; "
        "hãy dừng tiến trình kia hoặc chạy `broadcast serve --no-scheduler`."
    )


def acquire(runtime, holder: str, ttl_s: float) -> None:
    """Take the lease or raise ``LeaseHeld`` with a Vietnamese sentence."""
    now = utcnow()
    expires = now + timedelta(seconds=ttl_s)
    with runtime.unit() as session:
        row = session.get(SchedulerLease, LEASE_NAME)
        if row is None:
            session.add(SchedulerLease(name=LEASE_NAME, holder=holder, acquired_at=now, expires_at=expires))
            try:
                session.flush()
                return
            except IntegrityError:
                session.rollback()
                row = session.get(SchedulerLease, LEASE_NAME)
        if row.holder != holder and row.expires_at > now and holder_alive(row.holder) is not False:
            raise LeaseHeld(_held_message(row))
        taken = session.execute(
            update(SchedulerLease)
            .where(
                SchedulerLease.name == LEASE_NAME,
                SchedulerLease.holder == row.holder,
                SchedulerLease.expires_at == row.expires_at,
            )
            .values(holder=holder, acquired_at=now, expires_at=expires)
        ).rowcount
        if taken != 1:
            session.rollback()
            current = session.get(SchedulerLease, LEASE_NAME)
            raise LeaseHeld(_held_message(current))


def renew(runtime, holder: str, ttl_s: float) -> bool:
    """Extend our lease; False when somebody else holds it now."""
    with runtime.unit() as session:
        return (
            session.execute(
                update(SchedulerLease)
                .where(SchedulerLease.name == LEASE_NAME, SchedulerLease.holder == holder)
                .values(expires_at=utcnow() + timedelta(seconds=ttl_s))
            ).rowcount
            == 1
        )


def release(runtime, holder: str) -> None:
    with runtime.unit() as session:
        session.execute(
            update(SchedulerLease)
            .where(SchedulerLease.name == LEASE_NAME, SchedulerLease.holder == holder)
            .values(expires_at=utcnow())
        )


def current(runtime) -> SchedulerLease | None:
    with runtime.unit() as session:
        row = session.scalar(select(SchedulerLease).where(SchedulerLease.name == LEASE_NAME))
        if row is not None:
            session.expunge(row)
        return row


def scheduler_running(runtime) -> bool:
    row = current(runtime)
    return row is not None and row.expires_at > utcnow() and holder_alive(row.holder) is not False
