"""Number words: Vietnamese rules, and property tests against our parser."""

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from broadcast.speech.normalize import normalize
from broadcast.speech.normalize.numbers import (
    MAX_NUMBER,
    digits_to_words,
    number_to_words,
    read_integer,
    words_to_number,
)

DIGIT = re.compile(r"\d")


@given(st.integers(min_value=0, max_value=10**12))
def test_every_integer_round_trips(n):
    words = number_to_words(n)
    assert not DIGIT.search(words)
    assert words_to_number(words) == n


@given(st.integers(min_value=0, max_value=10**12))
@settings(max_examples=300)
def test_normalize_plain_and_dotted_integers(n):
    for written in (str(n), f"{n:,}".replace(",", ".")):
        spoken = normalize(written)
        assert not DIGIT.search(spoken)
        assert words_to_number(spoken) == n


@given(st.integers(min_value=10**12, max_value=MAX_NUMBER - 1))
def test_large_integers_round_trip(n):
    assert words_to_number(number_to_words(n)) == n


@given(st.integers(min_value=0, max_value=10**6), st.integers(min_value=1, max_value=99))
def test_decimal_comma_reads_phay(whole, frac):
    spoken = normalize(f"{whole},{frac}")
    head, sep, tail = spoken.partition(" phẩy ")
    assert sep and words_to_number(head) == whole and words_to_number(tail) == frac


@pytest.mark.parametrize(
    "n,words",
    [
        (21, "hai mươi mốt"),
        (11, "mười một"),
        (14, "mười bốn"),
        (15, "mười lăm"),
        (24, "hai mươi tư"),
        (25, "hai mươi lăm"),
        (105, "một trăm linh năm"),
        (2024, "hai nghìn không trăm hai mươi tư"),
        (1_500_000, "một triệu năm trăm nghìn"),
    ],
)
def test_rules_from_the_issue(n, words):
    assert number_to_words(n) == words


def test_mot_only_after_muoi_from_twenty():
    assert number_to_words(31).endswith("mốt")
    assert number_to_words(11).endswith("một")
    assert number_to_words(101).endswith("linh một")


def test_limits_and_types():
    with pytest.raises(ValueError):
        number_to_words(MAX_NUMBER)
    with pytest.raises(TypeError):
        number_to_words(True)
    assert number_to_words(-5) == "âm năm"
    with pytest.raises(ValueError):
        words_to_number("hai con mèo")


def test_long_digit_strings_are_read_digit_by_digit():
    forty = "1234567890" * 4
    spoken = read_integer(forty)
    assert spoken == digits_to_words(forty)
    assert len(spoken.split()) == 40
