"""Validation against the export's JSON Schema document (draft 2020-12) with ``jsonschema``."""

from __future__ import annotations

import jsonschema


def errors(document, schema: dict) -> list[str]:
    jsonschema.Draft202012Validator.check_schema(schema)  # the document itself is a valid schema
    validator = jsonschema.Draft202012Validator(schema)
    return [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(document)]
