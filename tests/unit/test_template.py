"""template.yaml's invariants: runtime, least privilege, logs, outputs, the table's protections, the
authorizer, and the gateway's own 401 body."""

from __future__ import annotations

import json
import re
from typing import Any, get_args

import pytest

from rewards_cli.template import PROJECT_ROOT, TEMPLATE_PATH, load, read_document
from shared.api.schemas.common import ErrorKey
from shared.storage import keys
from shared.storage.keys import TTL_ATTRIBUTE
from tests.support.api import BAD_REQUEST_KEYS, ERROR_BODY_FIELDS, KEY_OF_STATUS, UNAUTHORIZED_BODY

# After the language extensions (the loops expanded), as CloudFormation deploys it.
DOCUMENT: dict[str, Any] = read_document()
RESOURCES: dict[str, Any] = DOCUMENT["Resources"]
GLOBALS: dict[str, Any] = DOCUMENT.get("Globals", {}).get("Function", {})
FUNCTIONS = {name: r for name, r in RESOURCES.items() if r["Type"] == "AWS::Serverless::Function"}
FUNCTION_IDS = list(FUNCTIONS)
WRITE_ACTIONS = {"dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem", "dynamodb:BatchWriteItem"}
ERROR_KEYS = set(get_args(ErrorKey))


def _resource_of_type(kind: str) -> tuple[str, dict[str, Any]]:
    found = [(name, r) for name, r in RESOURCES.items() if r["Type"] == kind]
    assert len(found) == 1, f"expected one {kind}, found {[name for name, _ in found]}"
    return found[0]


TABLE_ID, TABLE = _resource_of_type("AWS::DynamoDB::Table")
API_ID, API = _resource_of_type("AWS::Serverless::Api")


def _property(function: dict[str, Any], name: str) -> Any:
    return function["Properties"].get(name, GLOBALS.get(name))


def _statements(function_id: str) -> list[dict[str, Any]]:
    statements: list[dict[str, Any]] = []
    for policy in FUNCTIONS[function_id]["Properties"].get("Policies", []):
        only_inline = f"{function_id}: only inline statements, no managed or SAM policy templates: {policy}"
        assert isinstance(policy, dict), only_inline
        assert set(policy) == {"Statement"}, only_inline
        statements.extend(policy["Statement"])
    return statements


def _actions(statement: dict[str, Any]) -> list[str]:
    actions = statement["Action"]
    return [actions] if isinstance(actions, str) else list(actions)


def _refers_to_table(resource: Any) -> bool:
    """``!GetAtt Table.Arn`` or ``!Sub "${Table.Arn}/index/..."`` (never ``*`` or another table)."""
    if resource == {"Fn::GetAtt": [TABLE_ID, "Arn"]}:
        return True
    sub = resource.get("Fn::Sub") if isinstance(resource, dict) else None
    return isinstance(sub, str) and re.fullmatch(rf"\$\{{{TABLE_ID}\.Arn\}}(/index/[\w*-]+)?", sub) is not None


# The only non-DynamoDB actions a function may have, each on a resource of the stack of this type (an
# object action on the objects of one of the stack's buckets).
MESSAGING_ACTIONS = {
    "events:PutEvents": "AWS::Events::EventBus",
    "sqs:SendMessage": "AWS::SQS::Queue",
    "sqs:ChangeMessageVisibility": "AWS::SQS::Queue",
    # objects of the stack's own bucket, or under one prefix of it, never another bucket's
    "s3:GetObject": "AWS::S3::Bucket",
    "s3:PutObject": "AWS::S3::Bucket",
    "s3:AbortMultipartUpload": "AWS::S3::Bucket",
}
_OBJECTS_OF = re.compile(r"\$\{(\w+)\.Arn\}/(?:[\w-]+/)?\*")


def _is_own(resource: Any, kind: str) -> bool:
    if kind == "AWS::S3::Bucket":
        objects = _OBJECTS_OF.fullmatch(resource.get("Fn::Sub", "")) if isinstance(resource, dict) else None
        return objects is not None and RESOURCES[objects.group(1)]["Type"] == kind
    attribute = resource.get("Fn::GetAtt") if isinstance(resource, dict) else None
    return attribute is not None and attribute[1] == "Arn" and RESOURCES[attribute[0]]["Type"] == kind


def _api_methods(function_id: str) -> set[str]:
    events = FUNCTIONS[function_id]["Properties"].get("Events", {}).values()
    return {e["Properties"]["Method"].upper() for e in events if e["Type"] == "Api"}


# ---------------------------------------------------------------------------------------- functions


def test_the_template_declares_functions() -> None:
    assert "AuthorizerFunction" in FUNCTIONS
    assert len(FUNCTIONS) >= 3


def test_every_function_runs_python313_on_arm64() -> None:
    for function_id, function in FUNCTIONS.items():
        assert _property(function, "Runtime") == "python3.13", function_id
        assert _property(function, "Architectures") == ["arm64"], function_id


@pytest.mark.parametrize("function_id", FUNCTION_IDS)
def test_code_and_handler_exist(function_id: str) -> None:
    function = load().functions[function_id]
    assert function.code_dir.is_dir(), function.code_dir
    source = function.module_path.read_text()
    assert re.search(rf"^(def )?{function.handler_name}\b", source, re.MULTILINE), (
        f"{function.module_path} has no handler"
    )
    assert {"Ref": "SharedLayer"} in _property(FUNCTIONS[function_id], "Layers")


# Functions that touch no table at all (the authorizer in front, where there is one, is the whole check).
NO_TABLE_ACCESS = {"SegmentCheckAuthFunction", "DashboardFunction", "MethodNotAllowedFunction"}


@pytest.mark.parametrize("function_id", sorted(NO_TABLE_ACCESS))
def test_a_function_that_reads_nothing_is_granted_nothing(function_id: str) -> None:
    assert "Policies" not in FUNCTIONS[function_id]["Properties"], f"{function_id} needs no policy"
    module = (PROJECT_ROOT / _property(FUNCTIONS[function_id], "CodeUri") / "app.py").read_text()
    assert "shared.domain" not in module, f"{function_id} reaches the table"
    assert "shared.storage" not in module, f"{function_id} reaches the table"


@pytest.mark.parametrize("function_id", FUNCTION_IDS)
def test_each_function_has_its_own_least_privilege_statements(function_id: str) -> None:
    statements = _statements(function_id)
    assert statements or function_id in NO_TABLE_ACCESS, f"{function_id} has no policy statement of its own"
    for statement in statements:
        assert statement["Effect"] == "Allow"
        actions = _actions(statement)
        assert actions, statement
        service = {action.split(":", 1)[0] for action in actions}
        assert len(service) == 1, f"{function_id}: one service per statement, so each names its own resources"
        for action in actions:
            assert action.startswith("dynamodb:") or action in MESSAGING_ACTIONS, f"{function_id}: {action}"
            assert "*" not in action, f"{function_id}: wildcard action {action}"
            assert action != "dynamodb:Scan", f"{function_id} may scan the table"
        assert len(set(actions)) == len(actions), f"{function_id}: repeated actions {actions}"
        resources = statement["Resource"]
        for resource in resources if isinstance(resources, list) else [resources]:
            if service == {"dynamodb"}:
                assert _refers_to_table(resource), f"{function_id}: {resource} is not the table or one of its indexes"
            else:
                kind = MESSAGING_ACTIONS[actions[0]]
                assert _is_own(resource, kind), f"{function_id}: {resource} is not one of this stack's {kind}"


def test_no_function_uses_a_broad_policy_template() -> None:
    text = TEMPLATE_PATH.read_text()
    for broad in ("DynamoDBCrudPolicy", "DynamoDBWritePolicy", "AmazonDynamoDBFullAccess", "dynamodb:*"):
        assert broad not in text


def test_no_scan_anywhere() -> None:
    """Neither granted nor called by shipped code (SPEC §9: no request path scans the table)."""
    assert "dynamodb:Scan" not in TEMPLATE_PATH.read_text()
    scan_call = re.compile(r"""\.scan\(|["']Scan["']|paginator\(\s*["']scan["']""")
    offenders = [
        str(path.relative_to(PROJECT_ROOT))
        for folder in ("shared", "functions")
        for path in (PROJECT_ROOT / folder).rglob("*.py")
        if scan_call.search(path.read_text())
    ]
    assert not offenders, offenders


def test_the_authorizer_only_reads() -> None:
    actions = {a for s in _statements(load().authorizer.function_id) for a in _actions(s)}
    assert actions == {"dynamodb:GetItem"}


@pytest.mark.parametrize("function_id", [f for f in FUNCTION_IDS if _api_methods(f) == {"GET"}])
def test_read_only_routes_cannot_write(function_id: str) -> None:
    actions = {a for s in _statements(function_id) for a in _actions(s)}
    assert not actions & WRITE_ACTIONS, f"{function_id} serves only GET but may write: {actions & WRITE_ACTIONS}"


def test_log_retention_parameter_is_bounded() -> None:
    parameter = DOCUMENT["Parameters"]["LogRetentionInDays"]
    assert parameter["Default"] in parameter["AllowedValues"]
    assert 0 < parameter["Default"] <= 365


# The dashboard's static files (a browser loads them before anyone has signed in) and the 405 of a
# method a resource lacks: they hold no data and their functions are granted nothing (NO_TABLE_ACCESS).
# No other route may leave the authorizer out. Each with the one method it may have.
PUBLIC_FUNCTIONS = {"DashboardFunction": "get", "MethodNotAllowedFunction": "any"}


def test_every_route_requires_the_authorizer_but_the_dashboard_files_and_the_405s() -> None:
    for function_id, function in FUNCTIONS.items():
        for event in function["Properties"].get("Events", {}).values():
            if event["Type"] != "Api":
                continue
            assert event["Properties"]["RestApiId"] == {"Ref": API_ID}
            if function_id in PUBLIC_FUNCTIONS:
                assert event["Properties"]["Auth"] == {"Authorizer": "NONE", "ApiKeyRequired": False}, function_id
                assert event["Properties"]["Method"] == PUBLIC_FUNCTIONS[function_id], function_id
            else:
                assert "Auth" not in event["Properties"], f"{function_id} overrides the API's authorizer"


# ------------------------------------------------------------------------------------------ outputs


def test_outputs_api_url_and_table_name() -> None:
    outputs = DOCUMENT["Outputs"]
    api_url = outputs["ApiUrl"]["Value"]["Fn::Sub"]
    assert api_url.startswith(f"https://${{{API_ID}}}.execute-api.${{AWS::Region}}.")
    assert api_url.endswith("/${StageName}")
    assert outputs["TableName"]["Value"] == {"Ref": TABLE_ID}


# -------------------------------------------------------------------------------------------- table


def test_table_is_protected_and_expires_items() -> None:
    props = TABLE["Properties"]
    assert TABLE["DeletionPolicy"] == "Retain"
    assert TABLE["UpdateReplacePolicy"] == "Retain"
    assert props["DeletionProtectionEnabled"] is True
    assert props["PointInTimeRecoverySpecification"] == {"PointInTimeRecoveryEnabled": True}
    assert props["SSESpecification"]["SSEEnabled"] is True
    assert props["TimeToLiveSpecification"] == {"AttributeName": TTL_ATTRIBUTE, "Enabled": True}
    assert props["BillingMode"] == "PAY_PER_REQUEST"


def test_every_key_attribute_is_declared() -> None:
    props = TABLE["Properties"]
    declared = {a["AttributeName"] for a in props["AttributeDefinitions"]}
    used = {k["AttributeName"] for k in props["KeySchema"]} | {
        k["AttributeName"] for index in props.get("GlobalSecondaryIndexes", []) for k in index["KeySchema"]
    }
    assert declared == used


def test_the_code_knows_every_key_attribute_of_the_table() -> None:
    # what the audit log and a customer's export leave out as the table's own (shared/storage/keys.py)
    declared = {a["AttributeName"] for a in TABLE["Properties"]["AttributeDefinitions"]}
    assert declared == keys.TABLE_KEY_ATTRIBUTES


# ------------------------------------------------------------------------------------- authorizer


def test_the_authorizer_is_a_cached_request_authorizer_on_the_authorization_header() -> None:
    auth = API["Properties"]["Auth"]
    authorizer = auth["Authorizers"][auth["DefaultAuthorizer"]]
    assert authorizer["FunctionPayloadType"] == "REQUEST"
    # Its alias: the published version SnapStart restores (when on), never $LATEST.
    assert authorizer["FunctionArn"] == {"Ref": "AuthorizerFunction.Alias"}
    assert authorizer["Identity"]["Headers"] == ["Authorization"]
    assert 0 < authorizer["Identity"]["ReauthorizeEvery"] <= 3600


# ------------------------------------------------------------------------------- gateway responses


def _render(template: str, request_id: str) -> Any:
    """A response template as API Gateway renders it ($context.error.messageString is already quoted)."""
    rendered = (
        template.replace("$context.requestId", request_id)
        .replace("$context.error.messageString", json.dumps("some message"))
        .replace("$context.httpMethod", "GET")
        .replace("$context.path", "/somewhere")
    )
    assert "$context" not in rendered, rendered
    return json.loads(rendered)


@pytest.mark.parametrize("kind", ["UNAUTHORIZED", "ACCESS_DENIED", "INVALID_API_KEY"])
def test_the_gateway_answers_401_with_the_one_unauthorized_body(kind: str) -> None:
    response = API["Properties"]["GatewayResponses"][kind]
    assert response["StatusCode"] == "401"
    body = _render(response["ResponseTemplates"]["application/json"], "req-1")
    assert body == {**UNAUTHORIZED_BODY, "request_id": "req-1"}
    assert body == {
        "code": 401,
        "key": "unauthorized",
        "message": "Unauthorized",
        "details": "app id or app secret invalid",
        "request_id": "req-1",
    }
    headers = response["ResponseParameters"]["Headers"]
    assert headers["WWW-Authenticate"].startswith("'Basic ")
    assert headers["x-request-id"] == "context.requestId"


@pytest.mark.parametrize("kind", list(API["Properties"]["GatewayResponses"]))
def test_every_gateway_response_is_the_one_error_body(kind: str) -> None:
    response = API["Properties"]["GatewayResponses"][kind]
    body = _render(response["ResponseTemplates"]["application/json"], "req-2")
    assert set(body) == ERROR_BODY_FIELDS
    assert body["key"] in ERROR_KEYS
    assert body["request_id"] == "req-2"
    if "StatusCode" in response:
        assert body["code"] == int(response["StatusCode"])
    assert body["key"] in (BAD_REQUEST_KEYS if body["code"] == 400 else (KEY_OF_STATUS[body["code"]],)), kind
    assert response["ResponseParameters"]["Headers"]["x-request-id"] == "context.requestId"


# ------------------------------------------------------------------------- domain events and webhooks


def test_the_table_streams_new_and_old_images_to_the_publisher() -> None:
    assert TABLE["Properties"]["StreamSpecification"] == {"StreamViewType": "NEW_AND_OLD_IMAGES"}
    (source,) = FUNCTIONS["OutboxPublisherFunction"]["Properties"]["Events"].values()
    properties = source["Properties"]
    assert source["Type"] == "DynamoDB"
    assert properties["Stream"] == {"Fn::GetAtt": [TABLE_ID, "StreamArn"]}
    assert properties["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
    assert properties["BisectBatchOnFunctionError"] is True
    assert properties["DestinationConfig"]["OnFailure"]["Destination"] == {
        "Fn::GetAtt": ["PublisherFailureQueue", "Arn"]
    }
    assert 1 <= properties["BatchSize"] <= 1000


def test_only_the_publisher_puts_events_on_the_bus() -> None:
    putting = [f for f in FUNCTION_IDS if any("events:PutEvents" in _actions(s) for s in _statements(f))]
    assert putting == ["OutboxPublisherFunction"]


def test_the_delivery_queue_outlives_the_retry_schedule() -> None:
    from shared.domain import webhooks

    queue = RESOURCES["WebhookDeliveryQueue"]["Properties"]
    schedule = sum(webhooks.retry_delay(n, 60) for n in range(1, webhooks.MAX_ATTEMPTS))
    assert queue["MessageRetentionPeriod"] > schedule >= 24 * 3600
    assert queue["RedrivePolicy"]["maxReceiveCount"] > webhooks.MAX_ATTEMPTS
    deliverer = FUNCTIONS["WebhookDelivererFunction"]["Properties"]
    assert queue["VisibilityTimeout"] >= 6 * deliverer["Timeout"]
    (source,) = deliverer["Events"].values()
    assert source["Properties"]["FunctionResponseTypes"] == ["ReportBatchItemFailures"]


def test_no_deployed_function_may_call_local_webhook_targets() -> None:
    """Loopback targets are the local runner's allowance only (rewards_cli/environment.py)."""
    assert "WEBHOOK_ALLOW_LOCAL_TARGETS" not in TEMPLATE_PATH.read_text()
