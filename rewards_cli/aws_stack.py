"""The deployed stack's API Gateway side of an application: its API key (the value the authorizer returns
as ``usageIdentifierKey``) and the usage plan that throttles it.

``rewards create-app --stack S`` creates the key and puts it on the stack's DefaultUsagePlan;
``rewards set-limits --stack S`` moves it to a plan of its own (created on demand, named after the
application) or back to the default one; ``rewards disable-app --stack S`` disables the key, which stops
the application at once (API Gateway answers INVALID_API_KEY, the template's 401), whatever the
authorizer's cache still holds.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from rewards_cli.template import RateLimits


class StackError(Exception):
    """The stack is missing, or lacks what the command needs; the message says what."""


@dataclass(frozen=True, slots=True)
class Stack:
    name: str
    table_name: str
    api_id: str
    stage: str
    default_plan_id: str
    # `rewards export --stack`: where the jobs are queued and the files written ("" on a stack deployed
    # before exports existed)
    export_queue_url: str = ""
    exports_bucket: str = ""
    imports_bucket: str | None = None  # where `rewards import --stack` uploads members' files


def describe(name: str, cloudformation: Any) -> Stack:
    """The stack's outputs the commands need (TableName, ApiId, DefaultUsagePlanId, ApiUrl's stage)."""
    try:
        stacks = cloudformation.describe_stacks(StackName=name)["Stacks"]
    except Exception as error:  # botocore's ClientError: unknown stack, no credentials
        raise StackError(f"cannot read stack {name}: {error}") from error
    outputs = {o["OutputKey"]: o["OutputValue"] for o in stacks[0].get("Outputs", [])}
    missing = [key for key in ("TableName", "ApiId", "DefaultUsagePlanId", "ApiUrl") if key not in outputs]
    if missing:
        raise StackError(f"stack {name} has no output {', '.join(missing)}: deploy this version of template.yaml")
    return Stack(
        name=name,
        table_name=outputs["TableName"],
        api_id=outputs["ApiId"],
        stage=outputs["ApiUrl"].rstrip("/").rsplit("/", 1)[-1],
        default_plan_id=outputs["DefaultUsagePlanId"],
        export_queue_url=outputs.get("ExportQueueUrl", ""),
        exports_bucket=outputs.get("ExportsBucketName", ""),
        imports_bucket=outputs.get("ImportsBucketName"),
    )


def _key_id(apigateway: Any, app_id: str) -> str:
    keys = apigateway.get_api_keys(nameQuery=app_id, includeValues=False)["items"]
    found = [key["id"] for key in keys if key["name"] == app_id]
    if not found:
        raise StackError(f"application {app_id} has no API key in API Gateway: was it created with --stack?")
    return str(found[0])


def register_key(stack: Stack, app_id: str, api_key: str, apigateway: Any) -> str:
    """The application's API Gateway key (named after the application) on the default plan; its id."""
    key_id = str(
        apigateway.create_api_key(name=app_id, value=api_key, enabled=True, description=f"{stack.name} application")[
            "id"
        ]
    )
    apigateway.create_usage_plan_key(usagePlanId=stack.default_plan_id, keyId=key_id, keyType="API_KEY")
    return key_id


def ensure_key(stack: Stack, app_id: str, api_key: str, apigateway: Any) -> None:
    """Give an application created before the stack had usage plans (or without ``--stack``) its key."""
    keys = apigateway.get_api_keys(nameQuery=app_id, includeValues=False)["items"]
    if not any(key["name"] == app_id for key in keys):
        register_key(stack, app_id, api_key, apigateway)


def _plans_of_key(stack: Stack, key_id: str, apigateway: Any) -> list[str]:
    plans = apigateway.get_usage_plans(keyId=key_id)["items"]
    return [str(plan["id"]) for plan in plans if any(s["apiId"] == stack.api_id for s in plan.get("apiStages", []))]


def _own_plan(stack: Stack, app_id: str, limits: RateLimits, apigateway: Any) -> str:
    name = f"{stack.name}-{app_id}"
    throttle = {"rateLimit": limits.rate, "burstLimit": limits.burst}
    existing = [p for p in apigateway.get_usage_plans()["items"] if p["name"] == name]
    if existing:
        plan_id = str(existing[0]["id"])
        apigateway.update_usage_plan(
            usagePlanId=plan_id,
            patchOperations=[
                {"op": "replace", "path": "/throttle/rateLimit", "value": str(limits.rate)},
                {"op": "replace", "path": "/throttle/burstLimit", "value": str(limits.burst)},
            ],
        )
        return plan_id
    created = apigateway.create_usage_plan(
        name=name,
        description=f"Limits of application {app_id} (rewards set-limits)",
        apiStages=[{"apiId": stack.api_id, "stage": stack.stage}],
        throttle=throttle,
    )
    return str(created["id"])


def move_key(stack: Stack, app_id: str, limits: RateLimits | None, apigateway: Any) -> str:
    """Put the application's key on a plan of its own with ``limits``, or (None) back on the default
    plan; the plan's id. A key is on one plan per API stage, so it leaves the one it was on."""
    key_id = _key_id(apigateway, app_id)
    target = stack.default_plan_id if limits is None else _own_plan(stack, app_id, limits, apigateway)
    current = _plans_of_key(stack, key_id, apigateway)
    for plan_id in current:
        if plan_id != target:
            apigateway.delete_usage_plan_key(usagePlanId=plan_id, keyId=key_id)
    if target not in current:
        apigateway.create_usage_plan_key(usagePlanId=target, keyId=key_id, keyType="API_KEY")
    return target


def disable_key(app_id: str, apigateway: Any) -> None:
    apigateway.update_api_key(
        apiKey=_key_id(apigateway, app_id), patchOperations=[{"op": "replace", "path": "/enabled", "value": "false"}]
    )
