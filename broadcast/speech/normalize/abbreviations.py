"""Abbreviations: the lexicon, and spelling out what the lexicon lacks.

Administrative text is dense with initialisms (UBND, CCHC, TTHC, TDP...).
TTS engines either spell them with English letter names or skip them, so
every token that looks like an initialism must leave this module either
expanded from the lexicon or spelled with Vietnamese letter names.

ALL-CAPS headings ("KẾ HOẠCH", "MỤC ĐÍCH, YÊU CẦU") are real words, not
initialisms: a token that forms a valid Vietnamese syllable is lower-cased
instead of spelled.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from functools import lru_cache
from importlib import resources

# Vietnamese names of letters, in the short form used when reading
# initialisms aloud on the radio ("VTV" -> "vê tê vê").
LETTER_NAMES = {
    "a": "a",
    "ă": "á",
    "â": "ớ",
    "b": "bê",
    "c": "xê",
    "d": "dê",
    "đ": "đê",
    "e": "e",
    "ê": "ê",
    "f": "ép",
    "g": "giê",
    "h": "hát",
    "i": "i",
    "j": "giây",
    "k": "ca",
    "l": "lờ",
    "m": "mờ",
    "n": "nờ",
    "o": "o",
    "ô": "ô",
    "ơ": "ơ",
    "p": "pê",
    "q": "quy",
    "r": "rờ",
    "s": "ét",
    "t": "tê",
    "u": "u",
    "ư": "ư",
    "v": "vê",
    "w": "vê kép",
    "x": "ích",
    "y": "i dài",
    "z": "dét",
}

_SYLLABLE = re.compile(
    r"^(ngh|ng|gh|gi|kh|nh|ph|th|tr|ch|qu|[bcdghklmnprstvx])?"
    r"[aeiouy]{1,3}(ng|nh|ch|[cmnpt])?$"
)

# A word in the broad sense: letters only (digits are split off elsewhere).
WORD = r"[^\W\d_]+"
_TOKEN = re.compile(rf"(?<![\w.]){WORD}(?![\w])")


def _base_letters(word: str) -> str:
    """Strip tones and vowel marks: "HOẠCH" -> "hoach", "Đ" -> "d"."""
    decomposed = unicodedata.normalize("NFD", word.lower().replace("đ", "d"))
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def is_vietnamese_syllable(word: str) -> bool:
    """True if ``word`` could be one written Vietnamese syllable."""
    return bool(_SYLLABLE.match(_base_letters(word)))


def spell(letters: str) -> str:
    """Spell a token letter by letter with Vietnamese letter names."""
    names = []
    for ch in letters.lower():
        base = _base_letters(ch) if ch not in LETTER_NAMES else ch
        name = LETTER_NAMES.get(ch) or LETTER_NAMES.get(base)
        if name:
            names.append(name)
    return " ".join(names)


def _parse_tsv(text: str) -> dict[str, str]:
    entries: dict[str, str] = {}
    for raw in text.splitlines():
        if not raw.strip() or raw.lstrip().startswith("#"):
            continue
        term, sep, spoken = raw.partition("\t")
        if sep and term.strip() and spoken.strip():
            entries[term.strip()] = spoken.strip()
    return entries


@lru_cache(maxsize=1)
def default_lexicon() -> Mapping[str, str]:
    """The shipped lexicon (``broadcast/speech/data/lexicon.tsv``)."""
    text = resources.files("broadcast.speech").joinpath("data/lexicon.tsv").read_text("utf-8")
    return _parse_tsv(text)


class Lexicon:
    """Default entries overlaid with operator entries, with a matcher."""

    def __init__(self, entries: Mapping[str, str]):
        self.entries = dict(entries)
        terms = sorted(self.entries, key=len, reverse=True)
        if terms:
            alternation = "|".join(re.escape(t) for t in terms)
            self.pattern = re.compile(rf"(?<![\w.&/-])(?:{alternation})(?![\w&])")
        else:
            self.pattern = re.compile(r"(?!x)x")

    def get(self, term: str) -> str | None:
        return self.entries.get(term)


@lru_cache(maxsize=32)
def _build(extra_items: tuple[tuple[str, str], ...]) -> Lexicon:
    merged = dict(default_lexicon())
    for term, spoken in extra_items:
        term, spoken = term.strip(), spoken.strip()
        if term and spoken:
            merged[term] = spoken
    return Lexicon(merged)


def get_lexicon(extra: Mapping[str, str] | None = None) -> Lexicon:
    """The default lexicon extended/overridden by ``extra`` (operator entries)."""
    items = tuple(sorted((extra or {}).items()))
    return _build(items)


def _segment(token: str, lex: Lexicon) -> list[str] | None:
    """Split a run of capitals into lexicon terms ("UBNDTP" -> UBND + TP)."""
    if not token:
        return []
    for end in range(len(token), 1, -1):
        head = token[:end]
        if head in lex.entries:
            rest = _segment(token[end:], lex)
            if rest is not None:
                return [lex.entries[head]] + rest
    return None


def expand_token(token: str, lex: Lexicon) -> str:
    """Spoken form of one letters-only token that looks like an initialism."""
    if token in lex.entries:
        return lex.entries[token]
    if token.upper() in lex.entries and not is_vietnamese_syllable(token):
        return lex.entries[token.upper()]
    if is_vietnamese_syllable(token):
        return token.lower()
    pieces = _segment(token, lex)
    if pieces:
        return " ".join(pieces)
    return spell(token)


def _looks_like_initialism(token: str) -> bool:
    upper = sum(1 for ch in token if ch.isupper())
    return upper >= 2


def _is_heading_word(word: str | None) -> bool:
    return bool(word) and word.isupper() and len(word) > 1


# Dotted abbreviations of administrative units in addresses: "P. Mộ Lao",
# "Q. Hà Đông", "TX. Sơn Tây", "TT. Trâu Quỳ", "H. Gia Lâm", "P.5".  Only
# before a capitalised name or a number, and not after a capitalised word
# that is part of a person's name ("Nguyễn Văn H. Ông ấy..." is an initial
# ending a sentence, not "huyện").
PLACE_ABBREVIATIONS = {
    "P": "phường",
    "Q": "quận",
    "TX": "thị xã",
    "TT": "thị trấn",
    "H": "huyện",
    "X": "xã",
}
_PLACE = re.compile(r"(?<![\w.&/-])(?P<abbr>TX|TT|P|Q|H|X)\.\s?(?=(?P<next>[^\W_]))")
# Words after which a capitalised abbreviation is an address, not an initial.
_PLACE_LEADS = {
    "tại",
    "ở",
    "thuộc",
    "của",
    "và",
    "về",
    "đến",
    "tới",
    "từ",
    "trên",
    "địa",
    "bàn",
    "chỉ",
    "số",
    "nhà",
    "đường",
    "phố",
    "ngõ",
    "thôn",
    "xóm",
    "tổ",
    "khu",
}


def expand_place_abbreviations(text: str, lex: Lexicon) -> str:
    def sub(m: re.Match) -> str:
        abbr = m["abbr"]
        if abbr + "." in lex.entries:
            return m.group(0)
        nxt = m["next"]
        if not (nxt.isdigit() or nxt.isupper()):
            return m.group(0)
        before = re.search(r"([^\W\d_]+)\s*$", text[: m.start()])
        if before:  # right after a word, with no comma or bracket between
            word = before[1]
            is_name_part = word[0].isupper() and (len(word) == 1 or not word.isupper())
            if is_name_part and word.lower() not in _PLACE_LEADS:
                return m.group(0)
        return PLACE_ABBREVIATIONS[abbr] + " "

    return _PLACE.sub(sub, text)


def expand_abbreviations(text: str, lex: Lexicon) -> str:
    """Expand lexicon terms, then spell or lower-case leftover capitals."""
    text = expand_place_abbreviations(text, lex)

    def from_lexicon(m: re.Match) -> str:
        term = m.group(0)
        # A lexicon term that is also a real syllable ("CA", "TU", "AI")
        # inside an ALL-CAPS heading is a word of the heading, not an
        # abbreviation: "CA NHẠC" is not "công an nhạc".
        if term.isupper() and is_vietnamese_syllable(term):
            before = re.findall(WORD, text[: m.start()])[-1:] or [None]
            after = re.findall(WORD, text[m.end() :])[:1] or [None]
            if _is_heading_word(before[0]) or _is_heading_word(after[0]):
                return term.lower()
        return lex.entries[term]

    text = lex.pattern.sub(from_lexicon, text)

    def leftover(m: re.Match) -> str:
        token = m.group(0)
        if not _looks_like_initialism(token):
            return token
        return expand_token(token, lex)

    return _TOKEN.sub(leftover, text)
