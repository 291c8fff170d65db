"""Sentence splitting and pause marks.

Administrative sentences run to sixty words with only commas and
semicolons.  A TTS engine reading one in a single breath sounds rushed,
and gTTS cuts requests at 100 characters anyway, so long sentences are cut
at clause boundaries (";", ":", ",") into chunks an announcer would read
in one breath.
"""

from __future__ import annotations

import re

# A sentence ends at . ! ? … followed by a space and a capital, a quote, an
# opening bracket or the end of the text.  Dots inside "TP.HCM", "4.1" and
# "KT." (before a capital they still end a sentence; abbreviations with a
# dot are expanded by the normaliser before splitting).
_END = re.compile(r"(?<=[.!?…])[\"')\]]*\s+(?=[\"'(\[]?[^\W\d_]*[A-ZĐÀ-Ỹ\d])|(?<=[.!?…])\s+(?=[^\W\d_])")

#: Longest chunk read in one breath (characters).
BREATH = 180


def split_sentences(text: str) -> list[str]:
    """Sentences of ``text`` in order; lines are always separate sentences."""
    sentences: list[str] = []
    for line in text.split("\n"):
        line = line.strip()
        if not line:
            continue
        for part in _END.split(line):
            part = part.strip()
            if part and re.search(r"\w", part):
                sentences.append(part)
    return sentences


def breath_groups(sentence: str, limit: int = BREATH) -> list[str]:
    """Cut a long sentence at ';', ':' then ',' so no piece exceeds ``limit``."""
    if len(sentence) <= limit:
        return [sentence]
    for sep in (";", ":", ","):
        pieces = [p.strip() for p in re.split(rf"(?<={re.escape(sep)})\s+", sentence)]
        if len(pieces) > 1:
            groups: list[str] = []
            current = ""
            for piece in pieces:
                if current and len(current) + 1 + len(piece) > limit:
                    groups.append(current)
                    current = piece
                else:
                    current = f"{current} {piece}".strip()
            if current:
                groups.append(current)
            return (
                [g for group in groups for g in breath_groups(group, limit)]
                if any(len(g) > limit for g in groups) and len(groups) > 1
                else groups
            )
    # No punctuation at all: cut at the last space before the limit.
    words = sentence.split()
    groups, current = [], ""
    for word in words:
        if current and len(current) + 1 + len(word) > limit:
            groups.append(current)
            current = word
        else:
            current = f"{current} {word}".strip()
    if current:
        groups.append(current)
    return groups


def with_pauses(text: str, limit: int = BREATH) -> str:
    """One sentence or breath group per line: engines pause at line ends."""
    out = []
    for sentence in split_sentences(text):
        out.extend(breath_groups(sentence, limit))
    return "\n".join(out)
