"""/api/v1/openapi.json (web/api/openapi.py) assembled from web/api/contract/: public, complete, and the
contract kept out of the view modules."""

from __future__ import annotations

import re
from importlib import import_module

from web.api.openapi import API_MODULES


def test_openapi_document_is_public_and_lists_reference_endpoints(client):
    doc = client.get("/api/v1/openapi.json").json
    assert doc["openapi"].startswith("3.")
    assert {"/categories", "/departments", "/stations", "/bulletins"} <= set(doc["paths"])


def test_every_api_route_is_in_the_document(app, client):
    documented = set(client.get("/api/v1/openapi.json").json["paths"])
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/api/v1/") or rule.endpoint == "api.openapi_document":
            continue
        path = re.sub(r"<(?:[a-z]+:)?([a-z0-9_]+)>", r"{\1}", rule.rule[len("/api/v1") :])
        assert path in documented, path


def test_every_operation_answers_401_and_403_with_the_error_schema(client):
    doc = client.get("/api/v1/openapi.json").json
    for path, ops in doc["paths"].items():
        for method, op in ops.items():
            assert {"401", "403"} <= set(op["responses"]), (method, path)
    assert "Error" in doc["components"]["schemas"]


def test_the_contract_lives_apart_from_the_views():
    for name in API_MODULES:
        view, contract = import_module(f"web.api.{name}"), import_module(f"web.api.contract.{name}")
        assert contract.PATHS, name
        assert not hasattr(view, "OPENAPI_PATHS") and not hasattr(view, "OPENAPI_SCHEMAS"), name
