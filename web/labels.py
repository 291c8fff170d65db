"""The core's label tables in the page's language: role names (broadcast.roles) and bulletin states and
priorities (broadcast.domain.labels). The Vietnamese text is written once, in the core; here it is only
looked up in the catalogue at render time."""

from __future__ import annotations

from flask import Flask
from flask_babel import lazy_gettext as _l

from broadcast import roles
from broadcast.domain import labels


def N_(message: str) -> str:
    return message


def _translated(table: dict[str, str]) -> dict:
    return {code: _l(text) for code, text in table.items()}


ROLE_TEXT = _translated(roles.ROLE_LABELS)
STATUS_TEXT = _translated(labels.STATUS_LABELS)
PRIORITY_TEXT = _translated(labels.PRIORITY_LABELS)
# The as-run log's states (as_run.status); the core has no table of them, so they are written here.
# Vietnamese in every language for now: "Đã phát", "Bỏ qua" and "Lỡ giờ" are already catalogue entries
# with other meanings (a clock, a button), so translating these needs message contexts first.
ASRUN_STATUS_TEXT = {
    "airing": "Đang phát",
    "aired": "Đã phát",
    "interrupted": "Bị ngắt",
    "failed": "Lỗi",
    "skipped": "Bỏ qua",
    "missed": "Lỡ giờ",
}

# pybabel extracts only marked calls, not the core's tables: these keep the labels in web/translations.
# tests/web/test_labels.py fails when they and the core's tables differ.
CATALOGUE = (
    N_("Quản trị"),
    N_("Cán bộ đài"),
    N_("Lãnh đạo duyệt tin"),
    N_("Người gửi tin"),
    N_("Người xem"),
    N_("Bản nháp"),
    N_("Chờ duyệt"),
    N_("Đã duyệt"),
    N_("Bị trả lại"),
    N_("Đã xếp lịch"),
    N_("Đang phát"),
    N_("Đã phát xong"),
    N_("Hết hạn"),
    N_("Đã rút"),
    N_("Thường"),
    N_("Ưu tiên"),
    N_("Khẩn cấp"),
)


def init_templates(app: Flask) -> None:
    @app.context_processor
    def _labels():
        return {
            "role_label": lambda r: ROLE_TEXT.get(r, r),
            "status_text": lambda s: STATUS_TEXT.get(s, s),
            "priority_text": lambda p: PRIORITY_TEXT.get(p, p),
            "asrun_status_text": lambda s: ASRUN_STATUS_TEXT.get(s, s),
        }
