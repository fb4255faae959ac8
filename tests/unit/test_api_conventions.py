"""The API's one naming convention (README: "API conventions"), checked over the committed OpenAPI document:
its schemas and the examples attached to them (the recorded ones are real answers).

What a seed or SPEC §10 fixes keeps its name and shape; each such exception is listed below by schema and
field, with where it comes from, and nothing else may differ. A new route follows the convention from
its first commit.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

import pytest

from rewards_cli.openapi import SPEC_PATH, reachable_schemas

SPEC = json.loads(SPEC_PATH.read_text())
SCHEMAS: dict[str, dict[str, Any]] = SPEC["components"]["schemas"]

SNAKE_CASE = re.compile(r"^[a-z][a-z0-9]*(_[a-z0-9]+)*$")
ISO_INSTANT = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,6})?Z$")
ISO_DAY = re.compile(r"^\d{4}-\d\d-\d\d$")

CAPILLARY_PATHS = "/api_gateway/"  # Capillary's own paths: seed 003 and the Shopify app's routes


def _reachable(prefix: str) -> set[str]:
    """The schemas the operations under ``prefix`` use, at any depth."""
    return reachable_schemas(SPEC, [item for path, item in SPEC["paths"].items() if path.startswith(prefix)])


# camelCase where the seed's shape is camelCase (SPEC §2): Capillary's routes (SPEC §7), seed 004's answer.
CAMEL_CASE_SCHEMAS = dict.fromkeys(_reachable(CAPILLARY_PATHS), "Capillary's shapes (seed 003, SPEC §7)") | {
    "ApplyResponse": "seed 004: couponId, orderId",
    "SeveralAppliedResponse": "seed 004: couponId, orderId",
    "AppliedCouponOut": "seed 004: couponId",
}
# A resource's own identifier is `id`; these two are named by SPEC §5 and §10.
OWN_ID_BY_SPEC = {"campaign": "campaign_id", "coupon": "coupon_id"}
# Objects that are answers or views, not resources with an identity of their own.
NOT_RESOURCES = {
    "list": "the list envelope",
    "stats": "daily figures",
    "auth_check": "an answer about the credentials",
    "event": "the answer to an ingested event",
    "coupon_validation": "the answer of a validate",
    "coupon_code_import": "the answer of an import",
    "points_policy": "the application's one setting",
    "tier_program": "the application's one tier program",
    "member_reward": "a reward as one member sees it (the reward inside has its id)",
    "customer_coupon": "a coupon as one customer holds it (named by coupon_id)",
    "coupon_redemption": "one order's use of a coupon (named by coupon_id and order_id)",
    "customer_export": "what the engine holds about one customer (the profile inside has its id)",
}
# A resource's own name is `name`; SPEC §5 and seed 000 name the campaign's `campaign_name`.
OWN_NAME_BY_SPEC = {"campaign": "campaign_name"}
# Instants are ISO 8601 UTC strings named `*_at`; these fields keep a seed's name or epoch seconds.
TIME_FIELDS_BY_SEED = {
    ("ActionProgress", "start_time"): "seed 000: epoch seconds",
    ("ActionProgress", "end_time"): "seed 000: epoch seconds",
    ("EventIn", "timestamp"): "SPEC §10: epoch seconds",
    ("EventInvoke", "timestamp"): "Rehook's timestamp (SPEC §8): epoch seconds",
    ("EventResponse", "timestamp"): "the ingested event's SPEC §10 timestamp",
    ("RewardCreate", "start_time"): "seed 003, SPEC §10: ISO",
    ("RewardCreate", "end_time"): "seed 003, SPEC §10: ISO",
    ("RewardPatch", "start_time"): "seed 003, SPEC §10: ISO",
    ("RewardPatch", "end_time"): "seed 003, SPEC §10: ISO",
    ("RewardResponse", "start_time"): "seed 003, SPEC §10: ISO",
    ("RewardResponse", "end_time"): "seed 003, SPEC §10: ISO",
    ("CapillaryReward", "startTime"): "seed 003",
    ("CapillaryReward", "endTime"): "seed 003",
}
TIME_NAME = re.compile(r"(_time$|Time$|^timestamp$|_at$)")
DAY_NAME = re.compile(r"(^date$|_day$|_date$)")


def _types(prop: dict[str, Any]) -> set[str]:
    found = {prop["type"]} if isinstance(prop.get("type"), str) else set(prop.get("type") or [])
    for option in prop.get("anyOf", []):
        found |= _types(option)
    return found - {"null"}


def _object_name(schema: dict[str, Any]) -> str | None:
    marker = schema.get("properties", {}).get("object", {})
    name = marker.get("const") or marker.get("default")
    return name if isinstance(name, str) else None


def _examples() -> Iterator[Any]:
    for item in SPEC["paths"].values():
        for operation in item.values():
            if not isinstance(operation, dict):
                continue
            contents = [operation.get("requestBody", {}).get("content", {})]
            contents += [response.get("content", {}) for response in operation.get("responses", {}).values()]
            for content in contents:
                for example in content.get("application/json", {}).get("examples", {}).values():
                    yield example["value"]


def _fields(value: Any) -> Iterator[tuple[str, Any]]:
    """Every (name, value) pair in an example, at any depth."""
    if isinstance(value, dict):
        for name, inner in value.items():
            yield name, inner
            yield from _fields(inner)
    elif isinstance(value, list):
        for inner in value:
            yield from _fields(inner)


def test_field_names_are_snake_case_but_where_a_seed_is_camel_case() -> None:
    wrong = [
        f"{schema}.{name}"
        for schema, body in SCHEMAS.items()
        if schema not in CAMEL_CASE_SCHEMAS
        for name in body.get("properties", {})
        if not SNAKE_CASE.match(name)
    ]
    assert not wrong, f"not snake_case: {wrong}"


def test_a_resource_is_identified_by_id_but_where_spec_names_it() -> None:
    wrong = []
    for schema, body in SCHEMAS.items():
        kind = _object_name(body)
        if kind is None or kind in NOT_RESOURCES:
            continue
        own = OWN_ID_BY_SPEC.get(kind, "id")
        properties = body.get("properties", {})
        if own not in properties:
            wrong.append(f"{schema} ({kind}) has no `{own}`")
        if f"{kind}_id" in properties and own != f"{kind}_id":
            wrong.append(f"{schema} ({kind}) repeats its id as `{kind}_id`")
    assert not wrong, wrong


def test_a_resource_is_named_by_name_but_where_spec_names_it() -> None:
    wrong = [
        f"{schema}.{kind}_name"
        for schema, body in SCHEMAS.items()
        if (kind := _object_name(body)) is not None
        and kind not in NOT_RESOURCES
        and f"{kind}_name" in body.get("properties", {})
        and OWN_NAME_BY_SPEC.get(kind) != f"{kind}_name"
    ]
    assert not wrong, f"a resource's own name is `name`: {wrong}"


def test_instants_are_iso_strings_named_at_but_where_a_seed_says_otherwise() -> None:
    wrong = []
    for schema, body in SCHEMAS.items():
        for name, prop in body.get("properties", {}).items():
            if not TIME_NAME.search(name) or (schema, name) in TIME_FIELDS_BY_SEED:
                continue
            if not name.endswith("_at"):
                wrong.append(f"{schema}.{name}: an instant is named `*_at`")
            elif _types(prop) != {"string"}:
                wrong.append(f"{schema}.{name}: an instant is an ISO 8601 string, not {sorted(_types(prop))}")
    assert not wrong, wrong


def test_every_instant_and_day_in_the_examples_is_written_the_one_way() -> None:
    """The recorded examples are the API's real answers: their times show what a client gets."""
    wrong = []
    for example in _examples():
        for name, value in _fields(example):
            if name.endswith("_at") and value is not None and not ISO_INSTANT.match(str(value)):
                wrong.append(f"{name}: {value!r} is not ISO 8601 UTC with Z")
            if DAY_NAME.search(name) and isinstance(value, str) and not ISO_DAY.match(value):
                wrong.append(f"{name}: {value!r} is not YYYY-MM-DD")
    assert not wrong, wrong


@pytest.mark.parametrize(
    "exceptions",
    [CAMEL_CASE_SCHEMAS, dict.fromkeys(f"{s}.{f}" for s, f in TIME_FIELDS_BY_SEED)],
    ids=["camelCase schemas", "seed time fields"],
)
def test_every_listed_exception_still_exists(exceptions: dict[str, str]) -> None:
    """An exception whose field was renamed away must leave the list, so the list stays the truth."""
    gone = [
        name
        for name in exceptions
        if name.partition(".")[0] not in SCHEMAS
        or ("." in name and name.partition(".")[2] not in SCHEMAS[name.partition(".")[0]].get("properties", {}))
    ]
    assert not gone, f"listed, but no longer in the document: {gone}"
