"""Schemathesis against /api/v1/openapi.json: no 5xx, every response as documented.

`make test` runs a small sample per operation; the fuzz run in `make bench`
(bench/fuzz.py, the same `fuzz_api`) generates at least 1,000 cases per role.
"""

from __future__ import annotations

import os

import pytest

from bench.fuzz import fuzz_api

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "4"))


@pytest.mark.parametrize("username", ["vanhoa", "vanhanh"])  # a submitter and an operator
def test_api_conforms_to_its_schema(app, api_token, username):
    cases, failures = fuzz_api(app, api_token(username), EXAMPLES)
    assert failures == [], "\n\n".join(failures)
    assert cases >= 20, "the OpenAPI document lists too few operations to fuzz"
