"""Sinks: ``open_sink(spec)`` parses a station's ``sink`` column.

``device`` / ``device:ALSA_NAME``, ``icecast://source:PW@HOST:PORT/MOUNT``,
``file:PATH``, ``null``; ``export`` (USB-fed stations) and ``agent`` (aired by the station's own
agents, broadcast/agent) have no live sink on the server.
"""

from __future__ import annotations

from ...errors import ValidationError
from .base import BYTES_PER_SECOND, SAMPLE_RATE, Sink, SinkError, bytes_to_ms, ms_to_bytes


def is_live(spec: str | None) -> bool:
    """False for ``export`` stations (the operator confirms their airings by hand) and ``agent``
    stations (their devices air them and deliver the as-run rows)."""
    return bool(spec) and spec.strip() not in ("export", "agent")


def open_sink(spec: str) -> Sink:
    spec = (spec or "").strip()
    if spec == "null":
        from .null import NullSink

        return NullSink(spec)
    if spec == "device" or spec.startswith("device:"):
        from .device import DeviceSink

        return DeviceSink(spec, spec.partition(":")[2] or "default")
    if spec.startswith("file:"):
        from .file import FileSink

        path = spec[5:]
        if not path:
            raise ValidationError("Đích ghi tệp trống: dùng file:/duong/dan.wav hoặc file:/thu/muc/.", field="sink")
        return FileSink(spec, path)
    if spec.startswith("icecast://"):
        from .icecast import IcecastSink

        try:
            return IcecastSink(spec)
        except SinkError as exc:
            raise ValidationError(str(exc), field="sink") from None
    if spec == "export":
        raise ValidationError(
            "Đài này nhận chương trình bằng tệp xuất (USB), không phát trực tiếp: "
            "hãy xác nhận đã phát trong trang Phát sóng.",
            field="sink",
        )
    if spec == "agent":
        raise ValidationError(
            "Đài này do thiết bị phát tại đài (agent) tự phát, máy chủ không phát trực tiếp.", field="sink"
        )
    raise ValidationError(
        f"Đích phát {spec!r} không hợp lệ: dùng device, icecast://..., file:ĐƯỜNG_DẪN, null, export hoặc agent.",
        field="sink",
    )


__all__ = [
    "BYTES_PER_SECOND",
    "SAMPLE_RATE",
    "Sink",
    "SinkError",
    "bytes_to_ms",
    "is_live",
    "ms_to_bytes",
    "open_sink",
]
