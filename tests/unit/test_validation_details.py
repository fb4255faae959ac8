"""shared/api/errors.py describe_validation_errors: the 400's ``details`` names each offending field."""

from __future__ import annotations

import json
from typing import Annotated, Any, cast

import pytest
from aws_lambda_powertools.event_handler.openapi.params import Query
from aws_lambda_powertools.utilities.typing import LambdaContext
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from rewards_cli.apigw import proxy_event
from rewards_cli.lambdas import LocalContext
from shared.api.errors import describe_validation_errors
from shared.api.http import create_app
from shared.api.schemas.customers import CustomerUpsert


def error(kind: str, *loc: str | int, msg: str = "") -> dict[str, Any]:
    return {"type": kind, "loc": loc, "msg": msg}


# ------------------------------------------------------------------------------ one error at a time


@pytest.mark.parametrize(
    ("errors", "details"),
    [
        ([error("missing", "body", "selling_price", msg="Field required")], "selling_price is required"),
        ([error("extra_forbidden", "body", "nickname", msg="Extra inputs are not permitted")],
         "nickname is not a known field"),
        ([error("json_invalid", "body", 1, msg="JSON decode error")], "body is not valid JSON"),
        ([error("string_type", "body", "name", msg="Input should be a valid string")],
         "name: input should be a valid string"),
        ([error("dict_type", "body", msg="Input should be a valid dictionary")],
         "body: input should be a valid dictionary"),
        ([error("missing", "body", msg="Field required")], "body is required"),
        ([error("int_parsing", msg="Input should be a valid integer")], "body: input should be a valid integer"),
    ],
)  # fmt: skip
def test_each_kind_of_error(errors: list[dict[str, Any]], details: str) -> None:
    assert describe_validation_errors(errors) == details


@pytest.mark.parametrize(
    ("loc", "path"),
    [
        (("body", "attributes", "city"), "attributes.city"),
        (("body", "tags", 2), "tags.2"),
        (("body", "rules", 0, "actions", 1, "target"), "rules.0.actions.1.target"),
        (("body", "attributes", "bad key!", "[key]"), "attributes.bad key!.[key]"),
    ],
)
def test_nested_locations_are_dotted_paths(loc: tuple[str | int, ...], path: str) -> None:
    assert describe_validation_errors([error("missing", *loc)]) == f"{path} is required"
    assert describe_validation_errors([error("greater_than", *loc, msg="Input should be greater than 0")]) == (
        f"{path}: input should be greater than 0"
    )


@pytest.mark.parametrize("source", ["query", "header", "path"])
def test_parameters_are_named_without_their_source(source: str) -> None:
    assert describe_validation_errors([error("missing", source, "source_id")]) == "source_id is required"
    parsing = error("int_parsing", source, "limit", msg="Input should be a valid integer, unable to parse string")
    assert describe_validation_errors([parsing]) == "limit: input should be a valid integer, unable to parse string"


def test_only_the_first_letter_is_lowered() -> None:
    described = describe_validation_errors([error("value_error", "body", "x", msg="Value error, ID must be 'cust_'")])
    assert described == "x: value error, ID must be 'cust_'"


def test_a_message_is_never_empty() -> None:
    assert describe_validation_errors([{"type": "custom", "loc": ("body", "x")}]) == "x: is invalid"


# ---------------------------------------------------------------------------------- several errors


def test_several_errors_are_joined_in_order_without_repeats() -> None:
    errors = [
        error("missing", "body", "a"),
        error("extra_forbidden", "body", "b"),
        error("missing", "body", "a"),
        error("string_type", "query", "c", msg="Input should be a valid string"),
    ]
    assert describe_validation_errors(errors) == (
        "a is required; b is not a known field; c: input should be a valid string"
    )


def test_at_most_five_errors_are_reported() -> None:
    errors = [error("missing", "body", f"f{i}") for i in range(20)]
    assert describe_validation_errors(errors) == "; ".join(f"f{i} is required" for i in range(5))


def test_no_errors_is_an_empty_description() -> None:
    assert describe_validation_errors([]) == ""


# ------------------------------------------------------------------------- real pydantic errors


def _errors_of(model: type[BaseModel], data: Any) -> list[dict[str, Any]]:
    with pytest.raises(ValidationError) as raised:
        model.model_validate(data)
    # Powertools reports body errors under ("body", ...), as the resolver validates the request
    return [{**e, "loc": ("body", *e["loc"])} for e in raised.value.errors()]


@pytest.mark.parametrize(
    ("data", "details"),
    [
        ({"name": 5}, "name: input should be a valid string"),
        ({"nickname": "K"}, "nickname is not a known field"),
        ({"tags": ["ok", 7]}, "tags.1: input should be a valid string"),
        ({"enrolled_at": "yesterday"}, "enrolled_at: input should be a valid datetime"),
        ({"attributes": {"bad key!": 1}}, "attributes.bad key!.[key]: string should match pattern"),
    ],
)
def test_the_customer_models_errors(data: dict[str, Any], details: str) -> None:
    assert describe_validation_errors(_errors_of(CustomerUpsert, data)).startswith(details)


# ------------------------------------------------------------------- through the real resolver


class _Order(BaseModel):
    model_config = ConfigDict(extra="forbid")
    selling_price: Annotated[float, Field(gt=0)]
    items: list[str] = []


def _create_order(
    body: _Order,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
    mode: Annotated[str | None, Query(pattern="^(redeem|revert)$")] = None,
) -> dict[str, Any]:
    return {"ok": True}


_app = create_app()
_app.post("/orders")(_create_order)


def _post(body: str, query: dict[str, list[str]] | None = None) -> tuple[int, dict[str, Any]]:
    event = proxy_event(method="POST", resource="/orders", path="/orders", body=body, query=query,
                        headers={"Content-Type": ["application/json"]})  # fmt: skip
    response = _app.resolve(event, cast(LambdaContext, LocalContext("test")))
    return response["statusCode"], json.loads(response["body"])


@pytest.mark.parametrize(
    ("body", "query", "details"),
    [
        ("{}", None, "selling_price is required"),
        ('{"selling_price": 10, "coupon": "X"}', None, "coupon is not a known field"),
        ("{not json", None, "body is not valid JSON"),
        ('{"selling_price": "a lot"}', None, "selling_price: input should be a valid number"),
        ('{"selling_price": -1}', None, "selling_price: input should be greater than 0"),
        ('{"selling_price": 1, "items": [1]}', None, "items.0: input should be a valid string"),
        ('{"selling_price": 1}', {"limit": ["many"]}, "limit: input should be a valid integer"),
        ('{"selling_price": 1}', {"limit": ["0"]}, "limit: input should be greater than or equal to 1"),
        ('{"selling_price": 1}', {"mode": ["burn"]}, "mode: string should match pattern"),
    ],
)
def test_a_request_that_breaks_a_rule_is_a_400_naming_the_field(
    body: str, query: dict[str, list[str]] | None, details: str
) -> None:
    status, answer = _post(body, query)
    assert status == 400
    assert answer["key"] == "validation_failed"
    assert answer["details"].startswith(details), answer["details"]


def test_a_valid_request_passes() -> None:
    assert _post('{"selling_price": 1}', {"limit": ["5"], "mode": ["redeem"]}) == (200, {"ok": True})
