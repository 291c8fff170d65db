"""Operator commands (play now, stop, skip): queued by the web, carried out by the scheduler.

Commands are rows (``playout_commands``) that the scheduler process polls, so
a web process elsewhere reaches it through the database.  Queuing is audited;
a command older than ``command_ttl_s`` when the scheduler sees it is expired,
not carried out.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from sqlalchemy import select, update

from ..dates import parse_day
from ..domain.models import PlayoutCommand, Programme, Station
from ..domain.types import utcnow
from ..errors import BroadcastError, Conflict, NotFound, ValidationError
from ..security import audit
from ..stations import station_by_code
from .sinks import is_live

log = logging.getLogger("broadcast.playout")

ACTIONS = ("play", "stop", "skip")


# ---------------------------------------------------------------- the web side


def queue_command(
    session,
    user,
    station_code: str,
    action: str,
    *,
    session_code: str | None = None,
    air_date=None,
    ip: str | None = None,
) -> PlayoutCommand:
    if action not in ACTIONS:
        raise ValidationError(f"Lệnh {action!r} không hợp lệ: chọn play, stop hoặc skip.", field="action")
    station = station_by_code(session, station_code)
    if not is_live(station.sink):
        raise Conflict(
            f"Đài {station.code} nhận chương trình bằng tệp xuất, không điều khiển phát trực tiếp được; "
            "hãy xác nhận đã phát."
        )
    day = parse_day(air_date)
    if action == "play":
        if not session_code:
            raise ValidationError("Chọn buổi phát cần phát ngay.", field="session")
        day = day or utcnow().date()
        exists = session.scalar(
            select(Programme.id).where(
                Programme.station_id == station.id, Programme.on_date == day, Programme.session_code == session_code
            )
        )
        if exists is None:
            raise NotFound(
                f"Chưa có chương trình buổi {session_code} ngày {day:%d/%m/%Y} của đài {station.code}.", field="session"
            )
    cmd = PlayoutCommand(
        station_id=station.id,
        action=action,
        session_code=session_code,
        air_date=day,
        created_by_id=user.id if user is not None else None,
    )
    session.add(cmd)
    session.flush()
    audit(
        session,
        f"playout.{action}",
        user=user,
        obj=cmd,
        detail={"station": station.code, "session": session_code, "date": day.isoformat() if day else None},
        ip=ip,
    )
    return cmd


def recent_commands(session, limit: int = 10) -> list[PlayoutCommand]:
    return list(session.scalars(select(PlayoutCommand).order_by(PlayoutCommand.id.desc()).limit(limit)))


# ---------------------------------------------------------------- the scheduler side


def process(service) -> int:
    """Take every pending command (one process wins each) and carry it out; returns how many were pending."""
    runtime = service.runtime
    now = utcnow()
    with runtime.unit() as session:
        pending = session.scalars(
            select(PlayoutCommand).where(PlayoutCommand.status == "pending").order_by(PlayoutCommand.id)
        ).all()
        session.expunge_all()
    for cmd in pending:
        with runtime.unit() as session:
            taken = session.execute(
                update(PlayoutCommand)
                .where(PlayoutCommand.id == cmd.id, PlayoutCommand.status == "pending")
                .values(status="taken")
            ).rowcount
        if not taken:
            continue
        if cmd.created_at < now - timedelta(seconds=service.config.command_ttl_s):
            finish(runtime, cmd.id, "expired", "Lệnh quá hạn, không thực hiện.")
            continue
        try:
            finish(runtime, cmd.id, "done", carry_out(service, cmd))
        except BroadcastError as exc:
            finish(runtime, cmd.id, "failed", exc.message)
        except Exception as exc:  # report it to the operator rather than crash the loop
            log.exception("command %s", cmd.id)
            finish(runtime, cmd.id, "failed", f"Lỗi: {exc}")
    return len(pending)


def carry_out(service, cmd: PlayoutCommand) -> str:
    """Do what one command asks; returns the sentence shown to the operator."""
    with service.runtime.unit() as session:
        station = session.get(Station, cmd.station_id)
        session.expunge(station)
    channel = service.channel(station)
    if cmd.action == "play":
        on_date = cmd.air_date or utcnow().astimezone(service.runtime.settings.tz).date()
        run_id = service.play_now(station.id, on_date, cmd.session_code, command_id=cmd.id)
        return f"Đang phát buổi {cmd.session_code} (lượt phát #{run_id})."
    if cmd.action in ("stop", "skip"):
        with channel.cond:
            if not channel.active:
                raise BroadcastError(f"Đài {station.code} không có buổi phát nào đang chạy.")
            (channel.control.stop if cmd.action == "stop" else channel.control.skip).set()
        return "Đã dừng buổi phát." if cmd.action == "stop" else "Đã bỏ qua mục đang phát."
    raise BroadcastError(f"Lệnh {cmd.action!r} không hợp lệ.")


def finish(runtime, command_id: int, status: str, result: str) -> None:
    with runtime.unit() as session:
        session.execute(
            update(PlayoutCommand)
            .where(PlayoutCommand.id == command_id)
            .values(status=status, result=result[:2000], done_at=utcnow())
        )
