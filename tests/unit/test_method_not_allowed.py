"""A method its resource lacks is a 405 deployed as locally (template.yaml "Wrong methods"): every resource
has an ANY route to the one function that answers it, and that function's ``Allow`` table is the
template's own methods."""

from __future__ import annotations

import json

import pytest

from rewards_cli.template import ANY_METHOD, load
from shared.api.allowed_methods import ALLOWED_METHODS_PATH, allowed_methods

ANSWERING_FUNCTION = "MethodNotAllowedFunction"


def test_every_resource_sends_its_other_methods_to_the_405_function_and_only_those() -> None:
    template = load()
    resources = set(template.methods_by_resource())
    answering = template.functions[ANSWERING_FUNCTION]

    assert {route.path for route in answering.other_methods} == resources
    assert all(route.method == ANY_METHOD and route.public for route in answering.other_methods)
    assert not answering.routes
    others = [f.logical_id for f in template.functions.values() if f.other_methods and f is not answering]
    assert not others, f"only {ANSWERING_FUNCTION} takes a resource's other methods: {others}"


def test_the_allow_table_the_function_reads_is_the_templates() -> None:
    assert json.loads(ALLOWED_METHODS_PATH.read_text()) == load().methods_by_resource(), "run `make openapi`"


@pytest.mark.parametrize(
    ("resource", "methods"),
    [
        ("/campaigns/{campaign_id}", ["DELETE", "GET", "PATCH"]),
        ("/customers/{source_id}", ["GET", "PUT"]),
        ("/events", ["POST"]),
        ("/events/{event_name}", []),
    ],
)
def test_a_resource_is_looked_up_by_its_path_template(resource: str, methods: list[str]) -> None:
    assert allowed_methods(resource) == methods


def test_a_resource_own_method_is_served_before_its_any_route() -> None:
    template = load()

    own = template.find_route("POST", "/events")
    other = template.find_route("PATCH", "/events")

    assert own is not None
    assert own[0].logical_id == "EventsIngestFunction"
    assert other is not None
    assert other[0].logical_id == ANSWERING_FUNCTION
    assert template.find_route("PATCH", "/events/nope") is None
