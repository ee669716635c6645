"""The OpenAPI document is the API: it lists exactly the routes Flask serves, and schemathesis,
generating calls from it with a working write token, finds no server error, no undocumented
status code and no response that breaks its schema."""

from __future__ import annotations

import re

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis import GenerationMode
from test_api_support import bearer, hand_made_request, make_token, seed

from campaign.web.api.openapi import openapi_document

PREFIX = "/api/v1"
AUTOMATIC_METHODS = {"HEAD", "OPTIONS"}
EXAMPLES = 10  # per operation and mode: enough to find a 5xx, short enough for the suite


def _flask_operations(app) -> set[tuple[str, str]]:
    operations = set()
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith(f"{PREFIX}/"):
            continue
        path = re.sub(r"<(?:[a-z]+:)?([a-z_]+)>", r"{\1}", rule.rule[len(PREFIX) :])
        for method in rule.methods - AUTOMATIC_METHODS:
            operations.add((method, path))
    return operations


def _documented_operations(document: dict) -> set[tuple[str, str]]:
    return {
        (method.upper(), path)
        for path, item in document["paths"].items()
        for method in item
        if method in ("get", "post", "put", "patch", "delete")
    }


def test_the_document_lists_exactly_the_routes_flask_serves(app, client):
    served = client.get(f"{PREFIX}/openapi.json").get_json()
    assert served == openapi_document()
    assert served["servers"] == [{"url": PREFIX}]
    assert _flask_operations(app) == _documented_operations(served)


def test_every_path_parameter_is_described(client):
    document = client.get(f"{PREFIX}/openapi.json").get_json()
    for path, item in document["paths"].items():
        in_path = set(re.findall(r"{([a-z_]+)}", path))
        for method, operation in item.items():
            described = {p["name"] for p in operation.get("parameters", []) if p["in"] == "path"}
            assert described == in_path, f"{method.upper()} {path}"


def test_every_call_but_the_document_needs_the_bearer_token(client):
    document = client.get(f"{PREFIX}/openapi.json").get_json()
    assert document["components"]["securitySchemes"]["bearerAuth"] == {
        "type": "http",
        "scheme": "bearer",
        "description": document["components"]["securitySchemes"]["bearerAuth"]["description"],
    }
    assert document["security"] == [{"bearerAuth": []}]
    for path, item in document["paths"].items():
        for operation in item.values():
            if path == "/openapi.json":
                assert operation["security"] == []
            else:
                assert "security" not in operation and "401" in operation["responses"]


def test_the_document_is_valid_openapi(app):
    schema = schemathesis.openapi.from_wsgi(f"{PREFIX}/openapi.json", app)
    operations = {
        (result.ok().method.upper(), result.ok().path) for result in schema.get_all_operations()
    }
    # Schemathesis leaves out the document's own path; every other operation must load.
    assert operations == _documented_operations(openapi_document()) - {("GET", "/openapi.json")}


OPERATIONS = sorted(_documented_operations(openapi_document()) - {("GET", "/openapi.json")})


@pytest.fixture
def seeded_app(app):
    """The app with a little of everything to read, and a write token to call it with."""
    hand_made_request(app)
    seed(app, authorities=6)
    return app


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE])
def test_the_api_keeps_to_its_document(seeded_app, mode):
    """Generated calls to every operation, valid ones and invalid ones: no 5xx, every status
    code documented, every response its documented type and shape."""
    headers = bearer(make_token(seeded_app, role="owner", scope="write"))
    schema = schemathesis.openapi.from_wsgi(f"{PREFIX}/openapi.json", seeded_app)
    for method, path in OPERATIONS:
        operation = schema[path][method]

        @given(case=operation.as_strategy(generation_mode=mode))
        @settings(
            max_examples=EXAMPLES,
            deadline=None,
            derandomize=True,
            database=None,
            phases=[Phase.explicit, Phase.generate],
            suppress_health_check=list(HealthCheck),
        )
        def keeps_to_the_document(case):
            case.call_and_validate(headers=headers)

        keeps_to_the_document()
