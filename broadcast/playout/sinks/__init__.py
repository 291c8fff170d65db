"""Sinks: ``open_sink(spec)`` parses a station's ``sink`` column.

``device`` / ``device:ALSA_NAME``, ``icecast://source:PW@HOST:PORT/MOUNT``,
``file:PATH``, ``null``; ``export`` (USB-fed stations) has no live sink.
"""

from __future__ import annotations

from ...errors import ValidationError
from .base import BYTES_PER_SECOND, SAMPLE_RATE, Sink, SinkError, bytes_to_ms, ms_to_bytes


def is_live(spec: str | None) -> bool:
    """False for ``export`` stations: the operator confirms their airings by hand."""
    return bool(spec) and spec.strip() != "export"


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
        raise ValidationError("Đài này nhận chương trình bằng tệp xuất (USB), không phát trực tiếp: "
                              "hãy xác nhận đã phát trong trang Phát sóng.", field="sink")
    raise ValidationError(f"Đích phát {spec!r} không hợp lệ: dùng device, icecast://..., file:ĐƯỜNG_DẪN, null hoặc export.",
                          field="sink")


__all__ = ["open_sink", "is_live", "Sink", "SinkError", "SAMPLE_RATE", "BYTES_PER_SECOND", "ms_to_bytes",
           "bytes_to_ms"]
