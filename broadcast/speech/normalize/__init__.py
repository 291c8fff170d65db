"""Vietnamese text normalisation for administrative bulletins.

``normalize(text)`` turns written text into the words an announcer says:
document numbers, dates, times, amounts, units, Roman numerals, phone
numbers, web addresses and abbreviations are all written out, so that no
digit and no unexpanded abbreviation reaches a TTS engine.  The output has
exactly one line per input line, so editors can compare them side by side.

The passes run in a fixed order because each one relies on the earlier
ones having removed what would confuse it (a document number contains a
slash that the date pass would otherwise take for a date, a Roman "II"
would be spelled as letters by the abbreviation pass, and so on).
"""

from __future__ import annotations

from collections.abc import Mapping

from . import dates, docnumbers, figures, roman, standards, symbols
from .abbreviations import expand_abbreviations, get_lexicon
from .numbers import number_to_words, words_to_number
from .sentences import breath_groups, split_sentences, with_pauses

__all__ = [
    "breath_groups",
    "has_speech",
    "normalize",
    "normalize_line",
    "number_to_words",
    "problems",
    "split_sentences",
    "with_pauses",
    "words_to_number",
]


def normalize_line(line: str, lexicon: Mapping[str, str] | None = None, *, full_symbols: bool = False) -> str:
    lex = get_lexicon(lexicon)
    line = symbols.clean(line)
    line = symbols.expand_web(line)
    line = figures.expand_phones(line)
    line = standards.expand_standards(line, lex)
    line = docnumbers.expand_doc_numbers(line, lex, full=full_symbols)
    line = roman.expand_roman(line)
    line = dates.expand_times(line)
    line = figures.expand_slash_counts(line)
    line = dates.expand_dates(line)
    line = figures.expand_ranges_and_units(line)
    line = figures.expand_house_numbers(line)
    line = expand_abbreviations(line, lex)
    line = figures.expand_numbers(line)
    return symbols.finish(line)


def normalize(text: str, lexicon: Mapping[str, str] | None = None, *, full_symbols: bool = False) -> str:
    """Spoken form of ``text``; ``lexicon`` adds or overrides entries. Document symbols leave out the
    type and issuer the sentence already names unless ``full_symbols`` (a station setting) asks for all.

    Never raises on any ``str``; returns one output line per input line
    ("\\r\\n" counts as one line break).
    """
    if not isinstance(text, str):
        raise TypeError("normalize expects str")
    lines = text.replace("\r\n", "\n").split("\n")
    return "\n".join(normalize_line(line, lexicon, full_symbols=full_symbols) for line in lines)


def has_speech(spoken: str) -> bool:
    """True if the spoken text has at least one letter to say."""
    return any(ch.isalpha() for ch in spoken)


def problems(text: str) -> list[str]:
    """Things in the source an editor should fix (shown in the web preview)."""
    found = []
    for bad in dates.find_invalid_dates(text):
        found.append(f"Ngày không có thật trong lịch: {bad}")
    return found
