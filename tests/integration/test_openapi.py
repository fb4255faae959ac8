"""openapi.json: committed, current (what `rewards openapi` generates), OpenAPI 3.1 with HTTP Basic, and
covering exactly the routes of template.yaml."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any, get_args

import pytest

import rewards_cli.openapi
from rewards_cli import cli
from rewards_cli.openapi import SPEC_PATH, build_spec, render
from rewards_cli.template import load

HTTP_METHODS = {"get", "put", "post", "patch", "delete", "head", "options"}


@pytest.fixture(scope="module")
def committed() -> dict[str, Any]:
    spec: dict[str, Any] = json.loads(SPEC_PATH.read_text())
    return spec


def _template_routes() -> set[tuple[str, str]]:
    return {(route.method.lower(), route.path) for f in load().api_functions for route in f.routes}


def _spec_routes(spec: dict[str, Any]) -> set[tuple[str, str]]:
    return {(method, path) for path, item in spec["paths"].items() for method in item if method in HTTP_METHODS}


def test_the_committed_spec_is_what_the_code_generates() -> None:
    assert SPEC_PATH.read_text() == render(build_spec()), "openapi.json is stale: run `make openapi`"


def test_rewards_openapi_check_agrees(restored_environ: None, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["openapi", "--check"]) == 0, capsys.readouterr().err


@pytest.mark.parametrize("constant", ["SPEC_PATH", "ALLOWED_METHODS_PATH"])
def test_rewards_openapi_check_fails_on_a_stale_document(
    restored_environ: None,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    constant: str,
) -> None:
    current: Path = getattr(rewards_cli.openapi, constant)
    stale = tmp_path / current.name
    stale.write_text(current.read_text().replace('"', "'", 1))
    monkeypatch.setattr(rewards_cli.openapi, constant, stale)

    assert cli.main(["openapi", "--check"]) == 1
    assert f"{current.name} is stale" in capsys.readouterr().err


def _public_routes() -> set[tuple[str, str]]:
    return {(route.method.lower(), route.path) for f in load().api_functions for route in f.routes if route.public}


def test_it_is_openapi_31_with_http_basic_on_every_operation_but_the_public_ones(committed: dict[str, Any]) -> None:
    assert re.fullmatch(r"3\.1\.\d+", committed["openapi"])
    assert committed["info"]["title"]
    assert committed["info"]["version"]
    assert committed["components"]["securitySchemes"] == {"basicAuth": {"type": "http", "scheme": "basic"}}
    assert committed["security"] == [{"basicAuth": []}]
    public = _public_routes()
    assert public == {("get", "/dashboard"), ("get", "/dashboard/{asset}")}, "only the dashboard's files are public"
    for path, item in committed["paths"].items():
        for method, operation in item.items():
            if method not in HTTP_METHODS:
                continue
            if (method, path) in public:
                assert operation["security"] == [], (method, path)
                assert "401" not in operation["responses"], (method, path)
            else:
                assert operation.get("security", [{"basicAuth": []}]) == [{"basicAuth": []}], (method, path)


def test_every_route_of_the_template_is_documented_and_nothing_else(committed: dict[str, Any]) -> None:
    template, documented = _template_routes(), _spec_routes(committed)
    assert template - documented == set(), "routes missing from openapi.json"
    assert documented - template == set(), "openapi.json documents routes that template.yaml does not deploy"


def test_path_parameters_match_the_template(committed: dict[str, Any]) -> None:
    for method, path in _template_routes() & _spec_routes(committed):
        operation = committed["paths"][path][method]
        declared = {p["name"] for p in operation.get("parameters", []) if p["in"] == "path"}
        assert declared == set(re.findall(r"\{(\w+)\}", path)), (method, path)


def test_every_operation_has_a_unique_operation_id(committed: dict[str, Any]) -> None:
    ids = [
        operation["operationId"]
        for item in committed["paths"].values()
        for method, operation in item.items()
        if method in HTTP_METHODS
    ]
    assert len(ids) == len(set(ids))


def _operations(spec: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (method, path, operation)
        for path, item in spec["paths"].items()
        for method, operation in item.items()
        if method in HTTP_METHODS
    ]


# The resource groups a generated client's modules are named after.
TAGS = {"Customers", "Campaigns", "Events", "Rewards", "Coupons", "Webhooks", "Compatibility", "Settings", "Stats",
        "Dashboard", "Earning", "Orders", "Audit", "Exports", "Imports"}  # fmt: skip


def test_the_committed_spec_passes_two_independent_validators(committed: dict[str, Any]) -> None:
    from openapi_pydantic import OpenAPI
    from openapi_spec_validator import validate

    validate(committed)  # the OpenAPI 3.1 JSON schema, with every $ref resolved
    OpenAPI.model_validate(committed)  # an independent object model of the 3.1 specification


def test_every_operation_is_named_for_people_and_grouped_by_resource(committed: dict[str, Any]) -> None:
    for method, path, operation in _operations(committed):
        where = f"{method.upper()} {path}"
        # Powertools' automatic ids look like create_campaign_campaigns_post: a hand-chosen one is camelCase.
        assert re.fullmatch(r"[a-z]+(?:[A-Z][a-z0-9]*)+", operation["operationId"]), f"{where}: set operation_id"
        assert len(operation.get("tags", [])) == 1, f"{where}: set one tag"
        assert operation["tags"][0] in TAGS, f"{where}: tag {operation['tags'][0]!r} is not a resource group"
        assert operation.get("summary"), f"{where}: set a summary"
        assert len(operation.get("description", "")) >= 40, f"{where}: say what a merchant needs to know"


def test_every_response_body_is_typed(committed: dict[str, Any]) -> None:
    """No bag of keys where the API answers fields: a generated client gets attributes, not a dict."""
    schemas = committed["components"]["schemas"]
    for name, schema in schemas.items():
        if name.startswith(("ListResponse", "ErrorResponse")) or name.endswith(("Response", "Progress", "Out")):
            assert schema.get("type") == "object", name
            assert schema.get("properties"), f"{name} has no typed properties"
            assert schema.get("additionalProperties") is not True, f"{name} is an untyped object"


def test_reward_progress_actions_have_the_seed_fields_awt_ones_optional(committed: dict[str, Any]) -> None:
    action = committed["components"]["schemas"]["ActionProgress"]
    awt = {"start_time", "end_time", "time_duration", "time_left", "expired"}
    assert {"event_id", "event_name", "progress", "trigger", "status", "current", "target"} <= set(action["required"])
    assert awt <= set(action["properties"]), "AWT fields are documented"
    assert not awt & set(action["required"]), "AWT fields appear only on AWT actions"
    assert action["properties"]["time_left"]["type"] == "integer"


def test_the_error_body_documents_every_key_the_engine_sends(committed: dict[str, Any]) -> None:
    from shared.api.errors import ERROR_TABLE
    from shared.api.schemas.common import ErrorKey

    documented = set(committed["components"]["schemas"]["ErrorResponse"]["properties"]["key"]["enum"])
    assert documented == set(get_args(ErrorKey))
    sent = {answer.key for answer in ERROR_TABLE.values()}
    assert sent <= documented, "a domain error sends a key the spec does not list"
    gateway_keys = {
        m.group(1)
        for body in _gateway_bodies(load().gateway_responses)
        if (m := re.search(r"\"key\": \"(\w+)\"", body))
    }
    assert gateway_keys, "the gateway's own answers carry the one error body"
    assert gateway_keys <= documented


def _gateway_bodies(value: Any) -> list[str]:
    if isinstance(value, dict):
        return [body for key, item in value.items() for body in
                ([item] if key == "application/json" else _gateway_bodies(item))]  # fmt: skip
    return []


def test_every_example_is_valid_for_its_operation(committed: dict[str, Any]) -> None:
    """The seeds' examples are checked against the schemas they illustrate, so neither can drift."""
    from jsonschema import Draft202012Validator
    from referencing import Registry, Resource
    from referencing.jsonschema import DRAFT202012

    registry = Registry().with_resource(
        "urn:spec", Resource.from_contents(committed, default_specification=DRAFT202012)
    )
    checked = 0
    for method, path, operation in _operations(committed):
        contents = [operation.get("requestBody", {}).get("content", {})]
        contents += [response.get("content", {}) for response in operation["responses"].values()]
        for content in contents:
            media = content.get("application/json", {})
            for name, example in media.get("examples", {}).items():
                schema = json.loads(json.dumps(media["schema"]).replace('"#/', '"urn:spec#/'))
                errors = [
                    e.message for e in Draft202012Validator(schema, registry=registry).iter_errors(example["value"])
                ]
                assert not errors, f"{method.upper()} {path} {name}: {errors}"
                checked += 1
    assert checked >= 8, "the seeds' examples are attached"


def test_every_operation_has_an_example_of_what_it_takes_and_answers(committed: dict[str, Any]) -> None:
    """A merchant reading any operation sees a body it accepts and an answer it gets (not only the seeds')."""
    lacking = []
    for method, path, operation in _operations(committed):
        takes = operation.get("requestBody", {}).get("content", {}).get("application/json")
        answers = [
            media
            for status, response in operation["responses"].items()
            if status.startswith("2") and (media := response.get("content", {}).get("application/json"))
        ]
        if takes is not None and not takes.get("examples"):
            lacking.append(f"{method.upper()} {path} request")
        if answers and not any(media.get("examples") for media in answers):
            lacking.append(f"{method.upper()} {path} answer")
    assert not lacking, f"operations without an example: {lacking}"


def test_no_two_models_share_a_name(committed: dict[str, Any]) -> None:
    """Two pydantic models of one name get module-qualified schema names, which generators reject as
    duplicate models (the coupons' and the campaigns' ConditionIn once did)."""
    qualified = [name for name in committed["components"]["schemas"] if "__" in name]
    assert qualified == [], "rename one of the models so each schema has a plain, unique name"
