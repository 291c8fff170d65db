"""Vietnamese number words, and a parser back for round-trip tests.

Rules (as read on the radio, Northern standard):

* 1..9 after "mươi" change form: 1 -> "mốt", 4 -> "tư", 5 -> "lăm"
  (21 "hai mươi mốt", 24 "hai mươi tư", 25 "hai mươi lăm"); after "mười"
  only 5 changes (15 "mười lăm", but 11 "mười một", 14 "mười bốn").
* A zero tens digit inside a hundred is "linh" (105 "một trăm linh năm").
* A group of three digits that follows a larger non-zero group is always
  read with its hundreds, "không trăm" if needed (2024 "hai nghìn không
  trăm hai mươi tư"); groups that are entirely zero are skipped
  (1.000.500 "một triệu năm trăm").
* Scales: nghìn, triệu, tỷ, then "nghìn tỷ", "triệu tỷ".  We stop at
  10^18: beyond that Vietnamese has no agreed wording, and the normaliser
  reads such long digit strings digit by digit instead.
"""

from __future__ import annotations

DIGITS = ("không", "một", "hai", "ba", "bốn", "năm", "sáu", "bảy", "tám", "chín")

#: Largest value number_to_words accepts (exclusive).
MAX_NUMBER = 10**18

_SCALES = ((10**9, "tỷ"), (10**6, "triệu"), (10**3, "nghìn"))


def _two_digits(n: int, *, after_hundred: bool) -> list[str]:
    """Words for 0..99; ``after_hundred`` means a hundreds word precedes."""
    tens, unit = divmod(n, 10)
    if tens == 0:
        if unit == 0:
            return []
        return (["linh"] if after_hundred else []) + [DIGITS[unit]]
    words = ["mười"] if tens == 1 else [DIGITS[tens], "mươi"]
    if unit == 0:
        return words
    if unit == 5:
        return words + ["lăm"]
    if tens >= 2 and unit == 1:
        return words + ["mốt"]
    if tens >= 2 and unit == 4:
        return words + ["tư"]
    return words + [DIGITS[unit]]


def _three_digits(n: int, *, full: bool) -> list[str]:
    """Words for 0..999; ``full`` forces the hundreds ("không trăm")."""
    hundreds, rest = divmod(n, 100)
    if hundreds == 0 and not full:
        return _two_digits(rest, after_hundred=False)
    words = [DIGITS[hundreds], "trăm"]
    return words + _two_digits(rest, after_hundred=True)


def _words(n: int, *, full: bool) -> list[str]:
    for scale, name in _SCALES:
        if n >= scale:
            high, low = divmod(n, scale)
            words = _words(high, full=full) + [name]
            if low:
                words += _words(low, full=True)
            return words
    return _three_digits(n, full=full)


def number_to_words(n: int) -> str:
    """Spoken Vietnamese for a non-negative integer below 10^18.

    >>> number_to_words(2024)
    'hai nghìn không trăm hai mươi tư'
    """
    if isinstance(n, bool) or not isinstance(n, int):
        raise TypeError("number_to_words expects an int")
    if n < 0:
        return "âm " + number_to_words(-n)
    if n >= MAX_NUMBER:
        raise ValueError("number too large to read as a quantity")
    if n == 0:
        return DIGITS[0]
    return " ".join(_words(n, full=False))


def digits_to_words(digits: str) -> str:
    """Read a string of digits one by one ("0912" -> "không chín một hai")."""
    return " ".join(DIGITS[int(d)] for d in digits if d.isdigit())


# --- parser ---------------------------------------------------------------

_UNIT_WORDS = {w: i for i, w in enumerate(DIGITS)}
_UNIT_WORDS.update({"mốt": 1, "tư": 4, "lăm": 5, "linh": 0, "lẻ": 0})
_SCALE_WORDS = {"nghìn": 10**3, "ngàn": 10**3, "triệu": 10**6, "tỷ": 10**9, "tỉ": 10**9}


def words_to_number(text: str) -> int:
    """Parse Vietnamese number words back to an int.

    The inverse of :func:`number_to_words`, written independently of it so
    that property tests can check one against the other.  Raises
    ``ValueError`` on words that are not part of a number.
    """
    words = text.split()
    if not words:
        raise ValueError("empty")
    negative = words[0] == "âm"
    if negative:
        words = words[1:]
    # Stack of (value, scale): a scale word multiplies everything after the
    # last larger-or-equal scale, so "một nghìn tỷ" is (1 * 1000) * 10^9.
    stack: list[tuple[int, int]] = []
    small = 0  # the 0..999 part being read
    seen_any = False
    for word in words:
        seen_any = True
        if word in _UNIT_WORDS:
            small += _UNIT_WORDS[word]
        elif word == "mười":
            small += 10
        elif word == "mươi":
            # the digit read just before is the tens digit
            tens_digit = small % 10
            small = small - tens_digit + tens_digit * 10
        elif word == "trăm":
            small = small * 100
        elif word in _SCALE_WORDS:
            scale = _SCALE_WORDS[word]
            value = small
            inner_scale = 1
            while stack and stack[-1][1] < scale:
                v, s = stack.pop()
                value += v
                inner_scale = max(inner_scale, s)
            stack.append((value * scale, scale * inner_scale if inner_scale > 1 else scale))
            small = 0
        else:
            raise ValueError(f"not a number word: {word!r}")
    if not seen_any:
        raise ValueError("empty")
    total = sum(v for v, _ in stack) + small
    return -total if negative else total


#: Digit strings longer than this are read digit by digit: nobody says
#: "một trăm hai mươi ba triệu tỷ", and such strings are codes, not amounts.
MAX_QUANTITY_DIGITS = 15


def read_integer(digits: str) -> str:
    """Read a digit string as a quantity, or digit by digit if it is too long."""
    digits = digits.strip()
    significant = digits.lstrip("0") or "0"
    if len(significant) > MAX_QUANTITY_DIGITS:
        return digits_to_words(digits)
    return number_to_words(int(significant))
