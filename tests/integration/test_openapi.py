"""openapi.json: committed, current (what `rewards openapi` generates), OpenAPI 3.1 with HTTP Basic, and
covering exactly the routes of template.yaml."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest

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


def test_rewards_openapi_check_fails_on_a_stale_spec(
    restored_environ: None, monkeypatch: pytest.MonkeyPatch, tmp_path: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    import rewards_cli.openapi

    stale = tmp_path / "openapi.json"
    stale.write_text(SPEC_PATH.read_text().replace('"3.1', '"3.0', 1))
    monkeypatch.setattr(rewards_cli.openapi, "SPEC_PATH", stale)

    assert cli.main(["openapi", "--check"]) == 1
    assert "stale" in capsys.readouterr().err


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
