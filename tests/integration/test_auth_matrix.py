"""Authentication and tenant isolation, for every operation of the route table (template.yaml).

- Every operation answers every bad credential (none, wrong secret, unknown key, malformed headers,
  another scheme) with the one 401 body, whose request_id is the x-request-id header.
- Every operation that takes an id answers application B on application A's object with 404 (an
  upsert by a client-chosen id creates B's own object instead), and A's data is unchanged.
- No response to B ever carries one of A's ids.

A route's objects are created through the factories of tests/support/stateful.py (one per path
parameter name): a new route is covered as soon as it is in template.yaml, and a route whose parameter
has no factory fails here with a message saying what to add.
"""

from __future__ import annotations

import base64
import re
from typing import Any

import pytest

from rewards_cli.gateway import HttpResponse
from tests.support.api import UNAUTHORIZED_BODY, ApiClient, Credentials, basic, is_not_found_answer
from tests.support.stateful import (
    EXAMPLE_BODIES,
    FACTORIES,
    MissingFactory,
    Operation,
    create_path_objects,
    operations,
    send,
)

OPERATIONS = operations()
WITH_IDS = [operation for operation in OPERATIONS if operation.parameters]
READS = [operation for operation in OPERATIONS if operation.method == "GET"]
ENGINE_ID = re.compile(r"\b[a-z]{2,5}_[A-Za-z0-9]{21}\b")  # cust_…, camp_…, txn_… (SPEC §2)


def _b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


def bad_credentials(mine: Credentials, other: Credentials) -> dict[str, str | None]:
    return {
        "no Authorization header": None,
        "empty header": "",
        "wrong secret": basic(mine.api_key, mine.secret_key + "x"),
        "another application's secret": basic(mine.api_key, other.secret_key),
        "unknown API key": basic("ak_" + "0" * 32, mine.secret_key),
        "API key without secret": basic(mine.api_key, ""),
        "secret without API key": basic("", mine.secret_key),
        "not base64": "Basic !!!",
        "base64 without a colon": "Basic " + _b64(mine.api_key + mine.secret_key),
        "scheme only": "Basic",
        "Bearer scheme": "Bearer " + mine.secret_key,
        "credentials without a scheme": _b64(f"{mine.api_key}:{mine.secret_key}"),
    }


def assert_unauthorized(response: HttpResponse, situation: str) -> None:
    assert response.status == 401, f"{situation}: {response.status} {response.body!r}"
    request_id = response.header("x-request-id")
    assert request_id, f"{situation}: no x-request-id header"
    assert response.json() == {**UNAUTHORIZED_BODY, "request_id": request_id}, situation
    assert (response.header("WWW-Authenticate") or "").startswith("Basic"), f"{situation}: no WWW-Authenticate"


def placeholders(operation: Operation) -> dict[str, str]:
    return dict.fromkeys(operation.parameters, "anything")


@pytest.mark.parametrize("operation", OPERATIONS, ids=lambda o: o.label)
def test_every_bad_credential_gets_the_one_401(
    api: ApiClient, credentials: Credentials, other_credentials: Credentials, operation: Operation
) -> None:
    for situation, header in bad_credentials(credentials, other_credentials).items():
        response = send(api, operation, placeholders(operation), authorization=header)
        assert_unauthorized(response, f"{operation.label}, {situation}")
    # and the matrix is not vacuous: the same request with the right credentials gets past the authorizer
    assert send(api, operation, placeholders(operation)).status != 401


def test_every_path_parameter_has_a_factory() -> None:
    missing = sorted({f"{{{p}}} ({o.label})" for o in WITH_IDS for p in o.parameters if p not in FACTORIES})
    assert not missing, str(MissingFactory(", ".join(missing), "the route table"))


def snapshot(api: ApiClient, values: dict[str, str]) -> dict[str, Any]:
    """What A sees of its objects: every GET whose path parameters are all among ``values``."""
    seen = {}
    for read in READS:
        if read.parameters and set(read.parameters) <= set(values):
            response = api.get(read.fill(values))
            seen[read.label] = (response.status, response.json())
    return seen


def ids_in(value: Any) -> set[str]:
    return set(ENGINE_ID.findall(repr(value)))


@pytest.mark.parametrize("operation", WITH_IDS, ids=lambda o: o.label)
def test_another_application_gets_404_on_an_object_and_changes_nothing(
    api: ApiClient, other_api: ApiClient, operation: Operation
) -> None:
    # Given application A's objects for this route
    values = create_path_objects(api, operation)
    before = snapshot(api, values)
    assert before, f"{operation.label}: no GET route reads the objects {sorted(values)}"
    # When application B sends the request with A's ids
    response = send(other_api, operation, values)
    # Then B learns nothing: 404, or for an upsert by a client-chosen id, an object of its own
    leaked = (ids_in(before) - set(values.values())) & ids_in(response.body.decode())  # echoing B's input is fine
    assert not leaked, f"{operation.label}: B's response carries A's ids {leaked}: {response.body!r}"
    if operation.method == "PUT" and response.status in (200, 201):
        assert response.status == 201, f"{operation.label}: B's upsert updated something: {response.body!r}"
    else:
        assert response.status == 404, f"{operation.label}: B got {response.status} {response.body!r}" + (
            "; if the body was refused, register a valid one in EXAMPLE_BODIES (tests/support/stateful.py)"
            if response.status == 400 and operation.label not in EXAMPLE_BODIES
            else ""
        )
        assert is_not_found_answer(operation.path, response.json()), response.body
    # And A's objects are unchanged
    assert snapshot(api, values) == before


@pytest.mark.parametrize("operation", [o for o in READS if not o.parameters], ids=lambda o: o.label)
def test_a_list_never_shows_another_applications_objects(
    api: ApiClient, other_api: ApiClient, operation: Operation
) -> None:
    # Given one object of every kind in application A
    values = {parameter: factory(api) for parameter, factory in FACTORIES.items()}
    mine = set(values.values()) | ids_in(snapshot(api, values))
    # When application B reads the collection, also filtered by each of A's ids
    for query in [{}, *({parameter: value} for parameter, value in values.items())]:
        response = other_api.get(operation.path, query=query)
        # Then none of A's ids appears (but those B sent, which an error may quote)
        assert response.status < 500, response.body
        text = response.body.decode()
        seen = {i for i in mine - set(query.values()) if i in text}
        assert not seen, f"{operation.label}?{query}: B sees A's {seen}: {text[:500]}"
