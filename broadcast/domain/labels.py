"""Vietnamese names of stored codes (bulletin states, priorities), and the group of bulletin states the core
asks about in several places, written once.

The core uses them in messages and reports; the web marks the same strings for translation.
Vietnamese is the source language, so these are the strings as people read them.
"""

from __future__ import annotations

from .models import BulletinStatus, Priority

S = BulletinStatus

STATUS_LABELS: dict[str, str] = {
    S.draft.value: "Bản nháp",
    S.submitted.value: "Chờ duyệt",
    S.approved.value: "Đã duyệt",
    S.rejected.value: "Bị trả lại",
    S.scheduled.value: "Đã xếp lịch",
    S.airing.value: "Đang phát",
    S.completed.value: "Đã phát xong",
    S.expired.value: "Hết hạn",
    S.withdrawn.value: "Đã rút",
}

#: the states in which an approved bulletin may still air: programmes pick it, an emergency breaks in with it
AIRABLE_STATUSES: tuple[str, ...] = (S.approved.value, S.scheduled.value, S.airing.value)

PRIORITY_LABELS: dict[str, str] = {
    Priority.normal.value: "Thường",
    Priority.priority.value: "Ưu tiên",
    Priority.emergency.value: "Khẩn cấp",
}


def status_label(status: str) -> str:
    """The Vietnamese name of a bulletin state; an unknown value is shown as it is."""
    return STATUS_LABELS.get(status, status)


def priority_label(priority: str) -> str:
    return PRIORITY_LABELS.get(priority, priority)
