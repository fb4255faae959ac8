"""`rewards create-app/set-limits/disable-app --stack` against API Gateway (moto): the application's API
key lands on the default usage plan, moves to a plan of its own and back, and is disabled."""

from __future__ import annotations

from typing import Any

import boto3
import pytest

from rewards_cli.aws_stack import Stack, StackError, describe, disable_key, ensure_key, move_key, register_key
from rewards_cli.template import RateLimits

API_KEY = "ak_0123456789abcdef0123456789abcdef"


@pytest.fixture
def apigateway(table: str) -> Any:
    return boto3.client("apigateway")


@pytest.fixture
def stack(apigateway: Any, table: str) -> Stack:
    api_id = apigateway.create_rest_api(name="shop-api")["id"]
    root = apigateway.get_resources(restApiId=api_id)["items"][0]["id"]
    apigateway.put_method(restApiId=api_id, resourceId=root, httpMethod="GET", authorizationType="NONE")
    apigateway.put_integration(restApiId=api_id, resourceId=root, httpMethod="GET", type="MOCK")
    apigateway.create_deployment(restApiId=api_id, stageName="v1")
    plan = apigateway.create_usage_plan(
        name="shop-default", apiStages=[{"apiId": api_id, "stage": "v1"}], throttle={"rateLimit": 50, "burstLimit": 100}
    )
    return Stack(name="shop", table_name=table, api_id=api_id, stage="v1", default_plan_id=plan["id"])


def _plans_of(apigateway: Any, key_id: str) -> list[dict[str, Any]]:
    plans: list[dict[str, Any]] = []
    for plan in apigateway.get_usage_plans()["items"]:
        keys = apigateway.get_usage_plan_keys(usagePlanId=plan["id"])["items"]
        if any(k["id"] == key_id for k in keys):
            plans.append(plan)
    return plans


def test_a_new_application_key_is_on_the_default_plan(apigateway: Any, stack: Stack) -> None:
    key_id = register_key(stack, "app_1", API_KEY, apigateway)

    key = apigateway.get_api_key(apiKey=key_id, includeValue=True)
    assert (key["name"], key["value"], key["enabled"]) == ("app_1", API_KEY, True)
    assert [p["id"] for p in _plans_of(apigateway, key_id)] == [stack.default_plan_id]


def test_set_limits_moves_the_key_to_its_own_plan_and_back(apigateway: Any, stack: Stack) -> None:
    key_id = register_key(stack, "app_1", API_KEY, apigateway)

    own = move_key(stack, "app_1", RateLimits(rate=5, burst=10), apigateway)
    again = move_key(stack, "app_1", RateLimits(rate=7, burst=14), apigateway)
    plans_while_own = _plans_of(apigateway, key_id)
    back = move_key(stack, "app_1", None, apigateway)

    assert own == again, "the application's plan is reused, its limits updated"
    assert [p["id"] for p in plans_while_own] == [own]
    assert plans_while_own[0]["name"] == "shop-app_1"
    assert back == stack.default_plan_id
    assert [p["id"] for p in _plans_of(apigateway, key_id)] == [stack.default_plan_id]


def test_an_application_without_a_key_gets_one_before_it_moves(apigateway: Any, stack: Stack) -> None:
    ensure_key(stack, "app_old", API_KEY, apigateway)
    ensure_key(stack, "app_old", API_KEY, apigateway)  # the second call finds it

    keys = [k for k in apigateway.get_api_keys(includeValues=True)["items"] if k["name"] == "app_old"]
    assert [k["value"] for k in keys] == [API_KEY]
    assert [p["id"] for p in _plans_of(apigateway, keys[0]["id"])] == [stack.default_plan_id]


def test_disable_key_disables_the_applications_key(apigateway: Any, stack: Stack) -> None:
    key_id = register_key(stack, "app_1", API_KEY, apigateway)
    disable_key("app_1", apigateway)
    assert apigateway.get_api_key(apiKey=key_id)["enabled"] is False


def test_an_application_without_a_key_is_named(apigateway: Any, stack: Stack) -> None:
    with pytest.raises(StackError, match="application app_2 has no API key in API Gateway"):
        disable_key("app_2", apigateway)


def test_an_unknown_stack_is_named(table: str) -> None:
    with pytest.raises(StackError, match="cannot read stack nope"):
        describe("nope", boto3.client("cloudformation"))
