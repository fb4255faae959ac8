"""Regression tests for what the fuzzer found (tests/fuzz/test_openapi_fuzz.py)."""

from __future__ import annotations

import re

import pytest

from rewards_cli.openapi import build_spec
from tests.support.api import ApiClient, is_compatibility_path
from tests.support.stateful import REQUIRED_QUERY, REWARD_BODY

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


CAPILLARY_ENVELOPES = {
    "/api_gateway/rewards/core/v1/user/reward/{rewardId}/brand/{brandName}": "CapillaryRewardResponse",
    "/api_gateway/rewards/core/v1/user/reward/brand/{brandName}": "CapillaryRewardListResponse",
    "/api_gateway/rewards/core/v1/user/vouchers/brand/{brandName}": "CapillaryVouchersResponse",
}


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
        # The Capillary-compatible routes answer "not found" in Capillary's own envelope (SPEC §7).
        own = CAPILLARY_ENVELOPES[path] if status == "404" and is_compatibility_path(path) else "ErrorResponse"
        assert schema == {"$ref": f"#/components/schemas/{own}"}, f"{method.upper()} {path}: {status}"
    assert "Retry-After" in responses["503"]["headers"]
    assert set(spec["components"]["schemas"]["ErrorResponse"]["required"]) == {
        "code", "key", "message", "details", "request_id",
    }  # fmt: skip


# ---------------------------------------------------------------- issue 29: what `make fuzz` found at 300


@pytest.mark.parametrize("query", ["from=0.0&to=0.0", "from=0", "to=20260101", "from=2026-01-01T00:00:00"])
def test_a_stats_date_is_never_a_number(api: ApiClient, query: str) -> None:
    """``GET /stats?from=0.0&to=0.0`` answered 1970-01-01: the query's dates took numbers (epoch seconds)
    and datetimes, which the body already refused."""
    response = api.get(f"/stats?{query}")
    assert response.status == 400, response.body
    assert response.json()["details"].startswith(query.split("=", maxsplit=1)[0]), response.body
    assert "YYYY-MM-DD" in response.json()["details"]


@pytest.mark.parametrize("query", ["to=0001-01-01", "from=0001-01-01", "from=9999-12-31", "from=9999-12-20"])
def test_a_stats_date_at_the_ends_of_the_calendar_is_a_400(api: ApiClient, query: str) -> None:
    """``to=0001-01-01`` (and ``from`` in 9999) made the default range leave the calendar: a 500."""
    response = api.get(f"/stats?{query}")
    assert response.status == 400, response.body


@pytest.mark.parametrize("value", [0, 0.0, "0", "20260101", "2026-01-01T00:00:00Z"])
def test_a_body_date_is_the_same_type_as_a_query_date(api: ApiClient, value: object) -> None:
    """One date type (``IsoDate``) for bodies and query strings: a revenue cycle date refuses what
    ``GET /stats`` refuses."""
    cycle = {"commission_participant": "BRAND", "commission_rate": 5, "cycle_end_date": "2026-12-31"}
    accepted = api.post(
        "/rewards", {**REWARD_BODY, "reward_revenue_meta": [{**cycle, "cycle_start_date": "2026-01-01"}]}
    )
    assert accepted.status == 201, accepted.body
    reward = {**REWARD_BODY, "reward_revenue_meta": [{**cycle, "cycle_start_date": value}]}
    response = api.post("/rewards", reward)
    assert response.status == 400, response.body
    assert "cycle_start_date" in response.json()["details"], response.body


CURSOR_ROUTES = [
    path
    for path, item in build_spec()["paths"].items()
    if any(p["name"] == "cursor" for p in item.get("get", {}).get("parameters", []))
]


@pytest.mark.parametrize("path", CURSOR_ROUTES)
def test_an_empty_cursor_is_refused_as_the_document_says(api: ApiClient, path: str) -> None:
    """``GET /coupons?cursor=`` was served as a first page while the fuzzer took it for invalid: the
    document now says what the code checks (one annotated type makes both), a cursor is never empty."""
    parameter = next(p for p in build_spec()["paths"][path]["get"]["parameters"] if p["name"] == "cursor")
    assert {"type": "string", "minLength": 1, "maxLength": 1024} in parameter["schema"]["anyOf"]
    required = dict.fromkeys(REQUIRED_QUERY.get(f"GET {path}", ()), "x1")  # what the route asks besides
    response = api.get(re.sub(r"\{\w+\}", "x1", path), query={**required, "cursor": ""})  # any id: the cursor first
    assert response.status == 400, response.body
    assert response.json()["details"].startswith("cursor"), response.body


@pytest.mark.parametrize(
    ("path", "query"),
    [
        ("/campaigns", "limit=1.0"),
        ("/campaigns", "limit=+1"),
        ("/campaigns", "limit=%201"),
        ("/campaigns", "limit=1_0"),
        ("/campaigns", "limit=0"),
        ("/campaigns", "limit=101"),
        ("/campaigns/reward-progress?source_id=kim", "limit=+1"),  # its own limit, found after a merge
        ("/campaigns/reward-progress?source_id=kim", "limit=101"),
        ("/rewards", "active=yes"),
        ("/rewards", "active=1"),
        ("/rewards", "active=True"),
    ],
)
def test_a_typed_query_value_is_read_only_in_its_types_spelling(api: ApiClient, path: str, query: str) -> None:
    """The document types ``limit`` as an integer from 1 to 100 and ``active`` as a boolean; pydantic's lax
    parsing also read ``1.0``, ``+1``, ``1_0`` as integers and ``yes``, ``1``, ``True`` as true."""
    response = api.get(f"{path}{'&' if '?' in path else '?'}{query}")
    assert response.status == 400, response.body
    assert response.json()["details"].startswith(query.split("=", maxsplit=1)[0]), response.body


def test_the_document_keeps_the_bounds_the_code_enforces() -> None:
    limits = [
        p["schema"]
        for item in build_spec()["paths"].values()
        for operation in item.values()
        for p in operation.get("parameters", [])
        if p["name"] == "limit"
    ]
    assert limits
    assert all((s["minimum"], s["maximum"]) == (1, 100) for s in limits), limits
