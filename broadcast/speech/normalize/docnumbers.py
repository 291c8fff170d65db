"""Document numbers ("số ký hiệu văn bản").

"576/QĐ-UBND" is read "số năm trăm bảy mươi sáu, quyết định, ủy ban nhân
dân": the number, then the document type, then the issuing body, with
commas for short pauses.  The slash and the hyphen are separators in the
code, so they are never read as "trên" or "trừ".

Forms seen in real plans: "576/QĐ-UBND", "57-NQ/TW" (party documents put
the type after a hyphen), "114/2024/NĐ-CP" (with the year), "09-KL/BCĐ",
"24-CT/ThU", "59/2020/QH14" (body with a term number), "20/PVH,KH&TT".
"""

from __future__ import annotations

import re

from .abbreviations import Lexicon, expand_token
from .numbers import read_integer

# Abbreviations of document types, from Nghị định 30/2020/NĐ-CP (Phụ lục
# III) plus the types of legal documents.  They are fixed by law and take
# precedence over the lexicon in the type position: "TT" there is "thông
# tư", while in "TT Đảng ủy" it is "thường trực".
DOC_TYPES = {
    "NQ": "nghị quyết",
    "QĐ": "quyết định",
    "CT": "chỉ thị",
    "QC": "quy chế",
    "QYĐ": "quy định",
    "TC": "thông cáo",
    "TB": "thông báo",
    "HD": "hướng dẫn",
    "CTr": "chương trình",
    "KH": "kế hoạch",
    "PA": "phương án",
    "ĐA": "đề án",
    "DA": "dự án",
    "BC": "báo cáo",
    "BB": "biên bản",
    "TTr": "tờ trình",
    "HĐ": "hợp đồng",
    "CĐ": "công điện",
    "BGN": "bản ghi nhớ",
    "BTT": "bản thỏa thuận",
    "GUQ": "giấy ủy quyền",
    "GM": "giấy mời",
    "GGT": "giấy giới thiệu",
    "GNP": "giấy nghỉ phép",
    "PG": "phiếu gửi",
    "PC": "phiếu chuyển",
    "PB": "phiếu báo",
    "NĐ": "nghị định",
    "TT": "thông tư",
    "TTLT": "thông tư liên tịch",
    "CV": "công văn",
    "KL": "kết luận",
    "L": "luật",
    "PL": "pháp lệnh",
    "SL": "sắc lệnh",
    "VBHN": "văn bản hợp nhất",
}

_PIECE = r"[A-ZĐ][A-Za-zĐđ0-9]*"
DOC_NUMBER = re.compile(rf"(?<![\w/.,-])(?P<num>\d+)(?:/(?P<year>\d{{4}}))?[/-](?P<code>{_PIECE}(?:[-/&,]{_PIECE})*)")
_SO_BEFORE = re.compile(r"\b(số|Số|SỐ)\s*:?\s*$")
_SENTENCE_END = re.compile(r"[.!?;](?:\s|$)")
_TRAILING_DIGITS = re.compile(r"^(?P<letters>[^\W\d_]+)(?P<digits>\d+)$")


def _piece_words(piece: str, lex: Lexicon, *, is_type: bool) -> str:
    if is_type and piece in DOC_TYPES:
        return DOC_TYPES[piece]
    m = _TRAILING_DIGITS.match(piece)
    if m:  # "QH14" -> "quốc hội mười bốn"
        return f"{_piece_words(m['letters'], lex, is_type=is_type)} {read_integer(m['digits'])}"
    if piece in lex.entries:
        return lex.entries[piece]
    return expand_token(piece, lex)


def code_words(code: str, lex: Lexicon) -> str:
    """ "QĐ-UBND" -> "quyết định, ủy ban nhân dân"; "&" becomes "và"."""
    if code in lex.entries:
        return lex.entries[code]
    parts = [p for p in re.split(r"([-/&,])", code) if p]
    out: list[str] = []
    i = 0
    while i < len(parts):
        part = parts[i]
        if part == "&":
            out.append(" và ")
        elif part in "-/,":
            out.append(", ")
        else:
            # A lexicon term may span separators ("KH&TT" in "PVH,KH&TT").
            for j in range(len(parts), i + 1, -1):
                if i > 0 and "".join(parts[i:j]) in lex.entries:
                    out.append(lex.entries["".join(parts[i:j])])
                    i = j
                    break
            else:
                out.append(_piece_words(part, lex, is_type=(i == 0)))
                i += 1
            continue
        i += 1
    return "".join(out)


def _said_once(m: re.Match, lex: Lexicon) -> str | None:
    """The code's reading without what the sentence already says, or None to read it all.

    Announcers read "Nghị quyết số 76/NQ-CP … của Chính phủ" as "Nghị quyết số bảy mươi sáu … của
    Chính phủ": the type is named just before the number and the issuer later in the sentence, so
    reading the symbol in full would say both twice. Only the plain TYPE-ISSUER form is shortened."""
    parts = re.split(r"[-/]", m["code"])
    if len(parts) != 2 or parts[0] not in DOC_TYPES:
        return None
    type_words, issuer = DOC_TYPES[parts[0]], parts[1]
    issuer_words = _piece_words(issuer, lex, is_type=False)
    before = _SO_BEFORE.sub("", m.string[: m.start()]).rstrip().lower()
    after = _SENTENCE_END.split(m.string[m.end() :], maxsplit=1)[0]
    keep = []
    if not before.endswith(type_words):
        keep.append(type_words)
    if issuer_words.lower() not in after.lower() and not re.search(rf"(?<!\w){re.escape(issuer)}(?!\w)", after):
        keep.append(issuer_words)
    return ", ".join(keep)


def expand_doc_numbers(text: str, lex: Lexicon, *, full: bool = True) -> str:
    """Read document symbols; with ``full=False`` the parts the sentence already names are left out."""

    def sub(m: re.Match) -> str:
        has_so = bool(_SO_BEFORE.search(m.string[: m.start()]))
        words = ("" if has_so else "số ") + read_integer(m["num"])
        if m["year"]:
            words += f", năm {read_integer(m['year'])}"
        code = None if full else _said_once(m, lex)
        if code is None:
            code = code_words(m["code"], lex)
        return f"{words}, {code}" if code else words

    return DOC_NUMBER.sub(sub, text)
