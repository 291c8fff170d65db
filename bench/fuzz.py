"""Fuzzing run: schemathesis over the whole API, hypothesis over the normaliser and the period parser.

`make test` runs a small sample of the same API fuzzing (tests/web/test_api_fuzz.py
calls `fuzz_api`); this run generates at least 1,000 cases for each target and
reports how many failed. Reports; never fails.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

API_EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "40"))
PROPERTY_EXAMPLES = int(os.environ.get("FUZZ_PROPERTY_EXAMPLES", "1000"))


def fuzz_api(app, token: str, examples: int) -> tuple[int, list[str]]:
    """Run schemathesis over every operation of /api/v1/openapi.json; return (cases, failures)."""
    import schemathesis
    from hypothesis import HealthCheck, given
    from hypothesis import settings as hsettings
    from schemathesis.checks import ignored_auth, positive_data_acceptance

    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    operations = [result.ok() for result in schema.get_all_operations()]
    headers = {"Authorization": f"Bearer {token}"}
    failures: list[str] = []
    cases = 0
    for operation in operations:

        @hsettings(
            max_examples=examples,
            deadline=None,
            database=None,
            derandomize=True,
            suppress_health_check=list(HealthCheck),
        )
        @given(case=operation.as_strategy())
        def check(case):
            nonlocal cases
            cases += 1
            response = case.call(headers=headers)
            # Our fixed, valid token stands in for generated credentials; and some
            # rules (valid_until after valid_from, codes that exist in the
            # database) cannot be written in a static schema, so a documented 400
            # for schema-valid data is allowed. Every other check stays on:
            # no 5xx, status codes, content types and bodies as documented.
            case.validate_response(response, excluded_checks=[ignored_auth, positive_data_acceptance])

        try:
            check()
        except (Exception, BaseExceptionGroup) as exc:  # schemathesis raises a group; collect them all
            failures.append(f"{operation.label}: {exc}")
    return cases, failures


def _property(fn, strategy, examples: int) -> tuple[int, list[str]]:
    from hypothesis import HealthCheck, given
    from hypothesis import settings as hsettings

    count = {"n": 0}
    failures: list[str] = []

    @hsettings(max_examples=examples, deadline=None, database=None, suppress_health_check=list(HealthCheck))
    @given(value=strategy)
    def check(value):
        count["n"] += 1
        fn(value)

    try:
        check()
    except (Exception, BaseExceptionGroup) as exc:
        failures.append(str(exc)[:500])
    return count["n"], failures


def _normaliser_property(text: str) -> None:
    import re

    from broadcast.speech.normalize import normalize

    out = normalize(text)
    assert not re.search(r"\d", out), (text, out)
    assert out.count("\n") == text.count("\n"), (text, out)


def _period_property(text: str) -> None:
    from broadcast.errors import ValidationError
    from broadcast.reports.periods import parse_period

    try:
        period = parse_period(text)
    except ValidationError:
        return
    assert period.start <= period.end


def run() -> list[dict]:
    from hypothesis import strategies as st
    from sqlalchemy import select

    from broadcast.config import Settings
    from broadcast.db import make_engine
    from broadcast.demo import load_demo
    from broadcast.migrate import upgrade
    from broadcast.runtime import Runtime

    rows = []
    with tempfile.TemporaryDirectory(prefix="lp-fuzz-") as tmp:
        url = f"sqlite:///{tmp}/fuzz.db"
        engine = make_engine(url)
        upgrade(engine)
        runtime = Runtime(
            Settings(database_url=url, data_dir=Path(tmp), secret_key="fuzz", tts_engines=("espeak",)), engine
        )
        from broadcast.domain.models import User
        from broadcast.security import create_token
        from web import create_app

        with runtime.unit() as s:
            load_demo(s, runtime.settings)
            tokens = {
                u: create_token(s, s.scalar(select(User).where(User.username == u)), "fuzz")
                for u in ("vanhoa", "vanhanh")
            }
        app = create_app(runtime, config={"TESTING": True, "RATELIMIT_ENABLED": False})
        for username, role in (("vanhoa", "submitter"), ("vanhanh", "operator")):
            cases, failures = fuzz_api(app, tokens[username], API_EXAMPLES)
            rows.append(
                {"name": f"fuzz.api_{role}_cases", "value": cases, "unit": "cases", "limit": None, "target": ">= 1000"}
            )
            rows.append(
                {
                    "name": f"fuzz.api_{role}_failures",
                    "value": len(failures),
                    "unit": "operations",
                    "limit": {"name": "target", "value": 0},
                    "target": "0",
                    **({"note": failures[0][:300]} if failures else {}),
                }
            )
        engine.dispose()
    for name, fn, strategy in (
        (
            "normalizer",
            _normaliser_property,
            st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=200)
            | st.from_regex(r"[0-9./:%,\- A-ZĐa-zđ]{0,60}", fullmatch=True),
        ),
        (
            "period_parser",
            _period_property,
            st.text(max_size=20) | st.from_regex(r"\d{4}(-(Q\d|H\d|\d{1,2}M|\d{1,2}))?", fullmatch=True),
        ),
    ):
        cases, failures = _property(fn, strategy, PROPERTY_EXAMPLES)
        rows.append({"name": f"fuzz.{name}_cases", "value": cases, "unit": "cases", "limit": None, "target": ">= 1000"})
        rows.append(
            {
                "name": f"fuzz.{name}_failures",
                "value": len(failures),
                "unit": "failures",
                "limit": {"name": "target", "value": 0},
                "target": "0",
                **({"note": failures[0][:300]} if failures else {}),
            }
        )
    return rows


if __name__ == "__main__":
    for row in run():
        print(row)
