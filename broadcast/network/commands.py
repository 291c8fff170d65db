"""Commands for devices: queued on the server, sent over MQTT (QoS 1) and also offered to HTTP polling,
acknowledged by the device. Every command and every acknowledgement is audited."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..domain.models import Device, DeviceCommand, User
from ..domain.types import utcnow
from ..errors import Conflict, NotFound, ValidationError
from ..security import audit
from .devices import get_device, iso, record_event

ACTIONS = ("play", "stop", "skip", "volume", "resync", "emergency")


def _check_args(action: str, args: dict) -> dict:
    if action == "volume":
        level = args.get("level")
        if isinstance(level, bool) or not isinstance(level, int) or not 0 <= level <= 100:
            raise ValidationError("Âm lượng phải là số nguyên từ 0 đến 100.", field="level")
        return {"level": level}
    if action == "play":
        if not isinstance(args.get("session"), str) or not args["session"]:
            raise ValidationError("Chọn buổi phát cần phát ngay.", field="session")
        return {"session": args["session"], "date": args.get("date")}
    if action == "emergency":
        if isinstance(args.get("bulletin_id"), bool) or not isinstance(args.get("bulletin_id"), int):
            raise ValidationError("Lệnh phát khẩn cần mã tin bài (bulletin_id).", field="bulletin_id")
        return {"bulletin_id": args["bulletin_id"]}
    return {}


def queue_command(session: Session, device_code: str, action: str, args: dict | None = None, *,
                  user: User | None = None, ip: str | None = None) -> DeviceCommand:
    """A command for one device; an unknown or revoked device is refused and nothing is queued."""
    device = get_device(session, device_code)
    if device.revoked_at is not None:
        raise Conflict(f"Thiết bị {device.code} đã bị thu hồi mã, không nhận lệnh.")
    if action not in ACTIONS:
        raise ValidationError(f"Lệnh {action!r} không hợp lệ: chọn {', '.join(ACTIONS)}.", field="action")
    cmd = DeviceCommand(device_id=device.id, action=action, args=_check_args(action, args or {}),
                        status="pending", created_by_id=user.id if user is not None else None)
    session.add(cmd)
    session.flush()
    audit(session, f"device.command.{action}", user=user, obj=cmd, ip=ip,
          detail={"device": device.code, "args": cmd.args})
    return cmd


def command_json(cmd: DeviceCommand) -> dict:
    return {"id": cmd.id, "action": cmd.action, "args": cmd.args or {}, "created_at": iso(cmd.created_at)}


def pending(session: Session, device: Device) -> list[DeviceCommand]:
    return list(session.scalars(select(DeviceCommand).where(DeviceCommand.device_id == device.id,
                                                            DeviceCommand.status == "pending")
                                .order_by(DeviceCommand.id)))


def acknowledge(session: Session, device: Device, command_id, ok: bool, result: str | None = None) -> DeviceCommand:
    """The device's answer; a command of another device is not found (it learns nothing about it)."""
    cmd = session.get(DeviceCommand, command_id) if isinstance(command_id, int) else None
    if cmd is None or cmd.device_id != device.id:
        raise NotFound("Không có lệnh này cho thiết bị.")
    if cmd.status != "pending":
        return cmd  # a repeated ack (QoS 1 may deliver twice) changes nothing
    cmd.status = "done" if ok else "failed"
    cmd.acked_at = utcnow()
    cmd.result = (str(result)[:500] if result else None)
    record_event(session, device, "command", {"id": cmd.id, "action": cmd.action, "status": cmd.status,
                                              "result": cmd.result})
    audit(session, "device.command_ack", obj=cmd, detail={"device": device.code, "status": cmd.status,
                                                          "result": cmd.result})
    return cmd
