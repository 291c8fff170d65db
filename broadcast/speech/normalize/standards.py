"""Standards and technical regulations ("TCVN ISO 9001:2015", "QCVN 01:2021/BYT").

Vietnamese announcers read a standard's body names the Vietnamese way ("ISO" is "i-xô", "TCVN" is
"tiêu chuẩn Việt Nam"), its number as a number, and the year after the colon as "năm …"; the colon is
neither a clock time nor a ratio there. A trailing "/BYT" names the issuing ministry. This pass runs
before the document-number pass, which would otherwise take "2021/BYT" for a document symbol.
"""

from __future__ import annotations

import re

from .abbreviations import Lexicon, expand_token
from .numbers import digits_to_words, read_integer

BODIES = {
    "TCVN": "tiêu chuẩn Việt Nam",
    "QCVN": "quy chuẩn Việt Nam",
    "ISO": "i xô",  # "i-xô"; a space, since engines may pause at a hyphen
    "IEC": "i e xê",
}

_BODY = "|".join(BODIES)
STANDARD = re.compile(
    rf"\b(?P<bodies>(?:(?:{_BODY})(?:/|\s+))*(?:{_BODY}))\s+(?P<num>\d{{1,6}})(?:-(?P<part>\d{{1,3}}))?"
    r"(?::(?P<year>(?:19|20)\d{2}))?(?:/(?P<issuer>[A-ZĐ][A-Za-zĐđ]*))?(?![\w:/])"
)


def _bodies(text: str) -> str:
    return " ".join(BODIES[b] for b in re.split(r"[/\s]+", text) if b)


def expand_standards(text: str, lex: Lexicon) -> str:
    def sub(m: re.Match) -> str:
        # "QCVN 01" is "không một": a leading zero means the number is a code, read digit by digit
        num = digits_to_words(m["num"]) if m["num"].startswith("0") else read_integer(m["num"])
        words = f"{_bodies(m['bodies'])} {num}"
        if m["part"]:
            words += f" phần {read_integer(m['part'])}"
        if m["year"]:
            words += f", năm {read_integer(m['year'])}"
        if m["issuer"]:
            words += f", {expand_token(m['issuer'], lex)}"
        return words

    return STANDARD.sub(sub, text)
