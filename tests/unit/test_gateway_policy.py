"""The local gateway's reading of an authorizer's policy (rewards_cli.apigw.policy_allows), as API
Gateway reads it: an explicit Deny wins, IAM wildcards, nothing allowed by default."""

from __future__ import annotations

from typing import Any

import pytest
from aws_lambda_powertools.utilities.data_classes.api_gateway_authorizer_event import (
    APIGatewayAuthorizerResponse,
)

from rewards_cli.apigw import ACCOUNT_ID, API_ID, REGION, STAGE, method_arn, policy_allows

PREFIX = f"arn:aws:execute-api:{REGION}:{ACCOUNT_ID}:{API_ID}/{STAGE}"
GET_CUSTOMER = method_arn("GET", "/customers/KMN@123")


def policy(*statements: tuple[str, Any]) -> dict[str, Any]:
    return {
        "principalId": "app_x",
        "policyDocument": {
            "Version": "2012-10-17",
            "Statement": [
                {"Action": "execute-api:Invoke", "Effect": effect, "Resource": resource}
                for effect, resource in statements
            ],
        },
    }


def test_method_arn_names_stage_method_and_path() -> None:
    assert method_arn("GET", "/customers/KMN@123") == f"{PREFIX}/GET/customers/KMN@123"


def test_an_allow_on_the_exact_resource_allows() -> None:
    assert policy_allows(policy(("Allow", [GET_CUSTOMER])), GET_CUSTOMER)


def test_a_resource_may_be_a_single_string() -> None:
    assert policy_allows(policy(("Allow", GET_CUSTOMER)), GET_CUSTOMER)


def test_an_allow_on_another_resource_does_not_allow() -> None:
    allowed = policy(("Allow", [method_arn("GET", "/customers/other")]))
    assert not policy_allows(allowed, GET_CUSTOMER)
    assert not policy_allows(policy(("Allow", [method_arn("PUT", "/customers/KMN@123")])), GET_CUSTOMER)


@pytest.mark.parametrize(
    "pattern",
    [
        f"{PREFIX}/*/*",
        f"{PREFIX}/*",
        f"{PREFIX}/GET/*",
        f"{PREFIX}/GET/customers/*",
        f"{PREFIX}/*/customers/*",
        f"{PREFIX}/GET/customers/KMN@12?",
        f"arn:aws:execute-api:{REGION}:{ACCOUNT_ID}:*",
        "*",
    ],
)
def test_wildcards_match_as_in_iam(pattern: str) -> None:
    """``*`` spans any characters, ``/`` included; ``?`` is exactly one character."""
    assert policy_allows(policy(("Allow", [pattern])), GET_CUSTOMER)


@pytest.mark.parametrize(
    "pattern",
    [
        f"{PREFIX}/POST/*",
        f"{PREFIX}/GET/campaigns/*",
        f"{PREFIX}/GET/customers/KMN@1?",
        f"arn:aws:execute-api:{REGION}:{ACCOUNT_ID}:otherapi/*",
        f"arn:aws:execute-api:eu-west-1:{ACCOUNT_ID}:*",
        f"{PREFIX}/GET/customers/KMN@123/",
    ],
)
def test_wildcards_do_not_overreach(pattern: str) -> None:
    assert not policy_allows(policy(("Allow", [pattern])), GET_CUSTOMER)


def test_only_star_and_question_mark_are_wildcards() -> None:
    """fnmatch would read ``[1]`` as a character class; IAM reads it literally."""
    literal = method_arn("GET", "/customers/a[1]")
    assert policy_allows(policy(("Allow", [literal])), literal)
    assert not policy_allows(policy(("Allow", [literal])), method_arn("GET", "/customers/a1"))
    dots = method_arn("GET", "/customers/a.b")
    assert not policy_allows(policy(("Allow", [dots])), method_arn("GET", "/customers/aXb"))


@pytest.mark.parametrize("deny_first", [True, False])
def test_an_explicit_deny_wins_whatever_the_order(deny_first: bool) -> None:
    allow, deny = ("Allow", [f"{PREFIX}/*/*"]), ("Deny", [GET_CUSTOMER])
    statements = (deny, allow) if deny_first else (allow, deny)
    assert not policy_allows(policy(*statements), GET_CUSTOMER)
    assert policy_allows(policy(*statements), method_arn("PUT", "/customers/KMN@123"))


def test_a_deny_elsewhere_does_not_block() -> None:
    assert policy_allows(policy(("Allow", [GET_CUSTOMER]), ("Deny", [f"{PREFIX}/DELETE/*"])), GET_CUSTOMER)


@pytest.mark.parametrize(
    "document",
    [
        {},
        {"principalId": "x"},
        {"principalId": "x", "policyDocument": {}},
        {"principalId": "x", "policyDocument": {"Version": "2012-10-17", "Statement": []}},
        policy(("Allow", [])),
        policy(("Maybe", [GET_CUSTOMER])),
    ],
)
def test_nothing_allowed_is_not_allowed(document: dict[str, Any]) -> None:
    assert not policy_allows(document, GET_CUSTOMER)


def _powertools_policy(allow: bool) -> dict[str, Any]:
    """What the authorizer function returns (Powertools' response builder)."""
    response = APIGatewayAuthorizerResponse(
        principal_id="app_x", region=REGION, aws_account_id=ACCOUNT_ID, api_id=API_ID, stage=STAGE
    )
    if allow:
        response.allow_all_routes()
    else:
        response.deny_all_routes()
    return response.asdict()


@pytest.mark.parametrize("arn", [GET_CUSTOMER, method_arn("PUT", "/customers/x"), method_arn("GET", "/campaigns")])
def test_the_authorizers_own_policies(arn: str) -> None:
    assert policy_allows(_powertools_policy(allow=True), arn)
    assert not policy_allows(_powertools_policy(allow=False), arn)
