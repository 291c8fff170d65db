"""Bulletin categories with stable codes; reports group by these codes.

The CCHC (cải cách hành chính, administrative reform) areas follow the six
areas of the national programme plus a general one, as the ward propaganda
plans list them.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class CategoryDef:
    code: str
    name: str
    is_cchc: bool
    colour: str


CATEGORIES: tuple[CategoryDef, ...] = (
    CategoryDef("cchc-the-che", "CCHC: Cải cách thể chế", True, "#1f6feb"),
    CategoryDef("cchc-tthc", "CCHC: Cải cách thủ tục hành chính", True, "#2f81f7"),
    CategoryDef("cchc-bo-may", "CCHC: Cải cách tổ chức bộ máy", True, "#388bfd"),
    CategoryDef("cchc-cong-vu", "CCHC: Cải cách chế độ công vụ", True, "#58a6ff"),
    CategoryDef("cchc-tai-chinh", "CCHC: Cải cách tài chính công", True, "#79c0ff"),
    CategoryDef("cchc-chinh-quyen-so", "CCHC: Chính quyền điện tử, chính quyền số", True, "#0969da"),
    CategoryDef("cchc-chung", "CCHC: Thông tin chung (PAR INDEX, SIPAS, kết quả, gương điển hình)", True, "#0550ae"),
    CategoryDef("thoi-su", "Thời sự", False, "#8250df"),
    CategoryDef("thong-bao", "Thông báo", False, "#bf8700"),
    CategoryDef("phap-luat", "Phổ biến pháp luật", False, "#1a7f37"),
    CategoryDef("thien-tai", "Phòng chống thiên tai", False, "#cf222e"),
    CategoryDef("y-te", "Y tế, dịch bệnh", False, "#d1242f"),
    CategoryDef("van-hoa", "Văn hóa, xã hội", False, "#9a6700"),
    CategoryDef("khac", "Khác", False, "#6e7781"),
)

CATEGORY_CODES = tuple(c.code for c in CATEGORIES)
CCHC_CODES = tuple(c.code for c in CATEGORIES if c.is_cchc)
CCHC_GROUP = "cchc"  # a target or report row meaning "all CCHC areas together"


def category(code: str) -> CategoryDef | None:
    return next((c for c in CATEGORIES if c.code == code), None)
