"""Regression tests for what the fuzzer found (tests/fuzz/test_openapi_fuzz.py)."""

from __future__ import annotations

import pytest

from rewards_cli.openapi import build_spec
from tests.support.api import ApiClient, is_compatibility_path

DOCUMENTED_ERRORS = ("400", "401", "404", "409", "500", "503")


def test_a_percent_encoded_path_parameter_is_decoded(api: ApiClient) -> None:
    """API Gateway (REST) passes ``path`` still percent-encoded; Powertools read the parameter from it,
    so ``KMN%40123`` was stored as a customer of that literal id."""
    created = api.put("/customers/KMN%40123", {"name": "Krish"})
    assert created.status == 201, created.body
    assert created.json()["source_id"] == "KMN@123"
    assert api.get("/customers/KMN@123").json()["id"] == created.json()["id"]


def test_an_encoded_control_character_in_a_path_parameter_is_rejected(api: ApiClient) -> None:
    response = api.put("/customers/a%16b", {"name": "Krish"})
    assert response.status == 400, response.body
    assert response.json()["key"] == "validation_failed"
    assert response.json()["details"].startswith("source_id")


@pytest.mark.parametrize(
    ("path", "method"),
    [(path, method) for path, item in build_spec()["paths"].items() for method in item],
)
def test_the_spec_documents_the_error_body_of_every_operation(path: str, method: str) -> None:
    """The fuzzer's first finding: the spec documented only 2xx and 422 (never sent), not the 4xx/5xx
    bodies every operation can answer."""
    spec = build_spec()
    operation = spec["paths"][path][method]
    responses = operation["responses"]
    public = operation.get("security") == []  # the dashboard's files: no credentials, so never a 401
    for status in DOCUMENTED_ERRORS if not public else [s for s in DOCUMENTED_ERRORS if s != "401"]:
        schema = responses.get(status, {}).get("content", {}).get("application/json", {}).get("schema")
        # The Capillary-compatible route answers "not found" in Capillary's own envelope (SPEC §7).
        own = "CapillaryRewardResponse" if status == "404" and is_compatibility_path(path) else "ErrorResponse"
        assert schema == {"$ref": f"#/components/schemas/{own}"}, f"{method.upper()} {path}: {status}"
    assert "Retry-After" in responses["503"]["headers"]
    assert set(spec["components"]["schemas"]["ErrorResponse"]["required"]) == {
        "code", "key", "message", "details", "request_id",
    }  # fmt: skip
