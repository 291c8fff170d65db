"""Table-driven normalisation cases (tests/speech/cases_normalize.tsv)."""

from pathlib import Path

import pytest

from broadcast.speech.normalize import normalize

CASES_FILE = Path(__file__).with_name("cases_normalize.tsv")


def _load():
    cases = []
    for number, line in enumerate(CASES_FILE.read_text("utf-8").splitlines(), 1):
        if not line.strip() or line.startswith("#"):
            continue
        written, spoken, *flags = line.split("\t")
        cases.append(pytest.param(written, spoken, flags == ["full"], id=f"L{number}"))
    return cases


CASES = _load()


def test_table_is_large_enough():
    assert len(CASES) >= 150


@pytest.mark.parametrize("written,spoken,full_symbols", CASES)
def test_case(written, spoken, full_symbols):
    assert normalize(written, full_symbols=full_symbols) == spoken
