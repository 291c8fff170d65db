"""Text check before airing: words the voice would read wrongly.

Text pasted from PDFs often loses letters ("đư c", "ết quả"): the damage is not caught by the
normaliser, and the voice reads it aloud. This check warns (never refuses) about words that are
not Vietnamese syllables, known abbreviations or lexicon entries, and about all-caps runs the
lexicon does not know (the voice would spell them letter by letter).

Syllables come from Debian's ``hunspell-vi`` word list (about 6,600 syllables in use); without it
(a machine where the package is missing) the structural test of the abbreviation pass stands in,
which catches lone consonants ("c") but not well-formed fragments ("ết").
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from .normalize.abbreviations import get_lexicon, is_vietnamese_syllable
from .normalize.roman import roman_to_int
from .normalize.symbols import EMAIL, URL
from .normalize.units import UNITS

SYLLABLES_FILE = Path("/usr/share/hunspell/vi_VN.dic")
MAX_WARNINGS = 30  # a pasted page full of damage needs fixing, not a list of 500 words

_TONES = "\u0300\u0301\u0303\u0309\u0323"  # huyền, sắc, ngã, hỏi, nặng as combining marks
_WORD = re.compile(r"(?<![\w.@/])[^\W\d_]+(?![\w@/])")  # not a piece of "b/c" or a path
_DOMAIN = re.compile(r"(?i)\b[\w-]+(?:\.[\w-]+)+\b")
_LIST_MARK = re.compile(r"(?m)(?<![\w.])[^\W\d_]\)|^\s*[^\W\d_][.)](?=\s)")  # "a)", "b." before list items


@dataclass(frozen=True)
class TextWarning:
    kind: str  # "syllable" | "caps"
    word: str
    count: int
    message: str

    def as_dict(self) -> dict:
        return {"kind": self.kind, "word": self.word, "count": self.count, "message": self.message}


def _key(word: str) -> str:
    """The syllable without regard to where its tone mark sits: "ủy" and "uỷ", "hòa" and "hoà" are one."""
    decomposed = unicodedata.normalize("NFD", word.lower())
    tones = "".join(ch for ch in decomposed if ch in _TONES)
    return unicodedata.normalize("NFC", "".join(ch for ch in decomposed if ch not in _TONES)) + tones


@lru_cache(maxsize=1)
def syllables() -> frozenset[str] | None:
    """The syllables of the word list (as ``_key``), or None where it is not installed."""
    try:
        lines = SYLLABLES_FILE.read_text("utf-8").splitlines()[1:]  # the first line is the count
    except OSError:
        return None
    return frozenset(_key(line.split("/")[0].strip()) for line in lines if line.strip())


def _is_syllable(word: str, known: frozenset[str] | None) -> bool:
    if known is None:
        return is_vietnamese_syllable(word)
    return _key(word) in known


def _verdict(word: str, lexicon, known) -> str | None:
    """None when the voice will read ``word`` right, else the warning's kind."""
    if word in lexicon.entries or word.upper() in lexicon.entries or word in UNITS:
        return None
    if word.isupper() and len(word) > 1:
        # A heading in capitals ("KẾ HOẠCH") is made of real words; a Roman numeral is read as one.
        if _is_syllable(word, known) or roman_to_int(word):
            return None
        return "caps"
    return None if _is_syllable(word, known) else "syllable"


def _message(kind: str, word: str) -> str:
    if kind == "caps":
        return (
            f"“{word}” viết hoa nhưng chưa có trong từ điển phát âm: máy sẽ đánh vần từng chữ. "
            "Thêm vào từ điển hoặc viết rõ cách đọc."
        )
    return (
        f"“{word}” không phải một tiếng trong tiếng Việt: có thể văn bản bị mất chữ khi sao chép "
        "(ví dụ “đư c” thay cho “được”). Hãy sửa lại trước khi phát."
    )


def check_text(text: str, lexicon: Mapping[str, str] | None = None) -> list[TextWarning]:
    """Warnings for ``text``, in order of first appearance, one per distinct word."""
    lex, known = get_lexicon(lexicon), syllables()
    # Addresses are read by the normaliser's own rules and lexicon terms (some of several words,
    # "PAR INDEX") as the lexicon says: neither is checked word by word.
    for pattern in (URL, EMAIL, _DOMAIN, _LIST_MARK, lex.pattern):
        text = pattern.sub(" ", text)
    counts: dict[tuple[str, str], int] = {}
    for match in _WORD.finditer(text):
        word = match.group()
        kind = _verdict(word, lex, known)
        if kind is not None:
            counts[(kind, word)] = counts.get((kind, word), 0) + 1
    return [TextWarning(kind, word, n, _message(kind, word)) for (kind, word), n in counts.items()][:MAX_WARNINGS]
