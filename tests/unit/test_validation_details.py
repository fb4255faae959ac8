"""shared/api/validation_details.py describe_validation_errors: the 400's ``details`` names each offending
field by its full path, all of them, in plain words."""

from __future__ import annotations

import json
from typing import Annotated, Any, Literal, cast

import pytest
from aws_lambda_powertools.event_handler.openapi.params import Query
from aws_lambda_powertools.utilities.typing import LambdaContext
from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError

from rewards_cli.apigw import proxy_event
from rewards_cli.lambdas import LocalContext
from shared.api.http import create_app
from shared.api.schemas.customers import CustomerUpsert
from shared.api.validation_details import MAX_REPORTED_ERRORS, describe_validation_errors


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


def test_only_the_first_letter_of_pydantics_words_is_lowered() -> None:
    described = describe_validation_errors([error("greater_than", "body", "x", msg="Input should be greater than 0")])
    assert described == "x: input should be greater than 0"


@pytest.mark.parametrize("wrapper", ["Value error, ", "Assertion failed, "])
def test_a_validators_own_words_are_kept_without_pydantics_wrapper(wrapper: str) -> None:
    described = describe_validation_errors([error("value_error", "body", "x", msg=f"{wrapper}ID must be 'cust_'")])
    assert described == "x: ID must be 'cust_'"


def test_a_field_a_validator_names_joins_the_path_of_the_object_it_checks() -> None:
    loc = ("body", "rules", 0)
    described = describe_validation_errors([error("value_error", *loc, msg="Value error, actions.1: two at most")])
    assert described == "rules.0.actions.1: two at most"


def test_a_bad_key_is_named_as_a_key_of_its_object() -> None:
    loc = ("body", "attributes", "bad key!", "[key]")
    described = describe_validation_errors([error("string_pattern_mismatch", *loc, msg="String should match x")])
    assert described == "attributes: the key 'bad key!': string should match x"


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


def test_every_error_is_reported_up_to_a_bound_that_says_how_many_more() -> None:
    every = [error("missing", "body", f"f{i}") for i in range(MAX_REPORTED_ERRORS)]
    assert describe_validation_errors(every) == "; ".join(f"f{i} is required" for i in range(MAX_REPORTED_ERRORS))

    beyond = [*every, *(error("missing", "body", f"g{i}") for i in range(7))]
    assert describe_validation_errors(beyond) == describe_validation_errors(every) + "; and 7 more"


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
        ({"attributes": {"bad key!": 1}}, "attributes: the key 'bad key!': string should match pattern"),
    ],
)
def test_the_customer_models_errors(data: dict[str, Any], details: str) -> None:
    assert describe_validation_errors(_errors_of(CustomerUpsert, data)).startswith(details)


# ------------------------------------------------------------------ unions: one sentence, no tags

Short = Annotated[str, StringConstraints(max_length=3)]


class _Points(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)
    type: Literal["points"]
    points: int


class _Coupon(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)
    type: Literal["coupon"]
    coupon_id: str


class _Event(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)
    properties: dict[str, Short | int | float | bool | list[Short | int]] = {}
    events: list[Literal["customer.created", "points.credited"] | Literal["*"]] = []
    reward: Annotated[_Points | _Coupon, Field(discriminator="type")] | None = None
    target: _Points | str | None = None


@pytest.mark.parametrize(
    ("data", "details"),
    [
        ({"properties": {"t": [1, {}]}}, "properties.t.1: must be a valid string or integer"),
        ({"properties": {"t": None}}, "properties.t: must be a valid string, integer, number, boolean or list"),
        ({"properties": {"t": "long"}}, "properties.t: string should have at most 3 characters"),
        ({"events": ["*", "nope"]}, "events.1: must be one of: customer.created, points.credited, *"),
        ({"reward": {"type": "points"}}, "reward.points is required"),
        ({"reward": {"type": "points", "points": "1"}}, "reward.points: input should be a valid integer"),
        ({"reward": {"type": "cash"}}, "reward.type: must be one of: points, coupon"),
        ({"reward": {"points": 1}}, "reward.type is required"),
        ({"target": {"type": "points", "points": 1, "x": 1}}, "target.x is not a known field"),
        (
            {"properties": {"a": {}, "b": "long"}, "events": ["x"], "reward": {"type": "coupon"}},
            "properties.a: must be a valid string, integer, number, boolean or list; "
            "properties.b: string should have at most 3 characters; "
            "events.0: must be one of: customer.created, points.credited, *; reward.coupon_id is required",
        ),
    ],
)
def test_a_unions_members_make_one_sentence_at_the_fields_path(data: dict[str, Any], details: str) -> None:
    described = describe_validation_errors(_errors_of(_Event, data), data)
    assert described.startswith(details), described
    for internal in ("literal[", "constrained-str", "_Points", "_Coupon", "list[", "function-", "[key]", "union["):
        assert internal not in described


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
