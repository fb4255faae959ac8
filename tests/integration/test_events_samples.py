"""events/: one sample event per function of template.yaml (named by a rule), each in the shape the SAM
CLI generates, and each running to a well-formed answer in process, as `rewards invoke` runs it."""

from __future__ import annotations

import base64
import copy
import json
import re
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import pytest

from rewards_cli import cli
from rewards_cli.apigw import policy_allows
from rewards_cli.lambdas import FunctionPool
from rewards_cli.template import PROJECT_ROOT, Function, load
from shared.auth import parse_basic_header
from tests.support.api import ERROR_BODY_FIELDS, is_compatibility_path, is_not_found_answer

EVENTS_DIR = PROJECT_ROOT / "events"
DEMO_APP_ID = cli.SAMPLE_APP_ID
WELL_FORMED_STATUSES = {200, 201, 202, 204, 404}
# Samples whose answer on an empty table is an error by design: a row of the seed's own error table
# (seed 004: an unknown customer is a 400 "Invalid source_id"; test_the_coupon_samples_redeem_and_revert
# runs them on data), and the wrong method that is all the 405 function ever sees.
ERROR_ON_EMPTY_TABLE = {
    "CouponsApplyFunction": (400, "Invalid source_id"),
    "CouponsValidateFunction": (400, "Invalid source_id"),
    "MethodNotAllowedFunction": (405, "DELETE is not a method of /events; allowed: POST"),
}

# The keys `sam local generate-event` prints for each kind of event.
AWS_PROXY_KEYS = {
    "body",
    "resource",
    "path",
    "httpMethod",
    "isBase64Encoded",
    "queryStringParameters",
    "multiValueQueryStringParameters",
    "pathParameters",
    "stageVariables",
    "headers",
    "multiValueHeaders",
    "requestContext",
}
AWS_PROXY_CONTEXT_KEYS = {
    "accountId",
    "resourceId",
    "stage",
    "requestId",
    "requestTime",
    "requestTimeEpoch",
    "identity",
    "path",
    "resourcePath",
    "httpMethod",
    "apiId",
    "protocol",
}
REQUEST_AUTHORIZER_KEYS = {
    "type",
    "methodArn",
    "resource",
    "path",
    "httpMethod",
    "headers",
    "queryStringParameters",
    "pathParameters",
    "stageVariables",
    "requestContext",
}
REQUEST_AUTHORIZER_CONTEXT_KEYS = {
    "path",
    "accountId",
    "resourceId",
    "stage",
    "requestId",
    "identity",
    "resourcePath",
    "httpMethod",
    "apiId",
}
SCHEDULED_EVENT_KEYS = {"id", "detail-type", "source", "account", "time", "region", "resources", "detail"}
STREAM_RECORD_KEYS = {"eventID", "eventName", "eventVersion", "eventSource", "awsRegion", "dynamodb", "eventSourceARN"}
SQS_RECORD_KEYS = {
    "messageId",
    "receiptHandle",
    "body",
    "attributes",
    "messageAttributes",
    "md5OfBody",
    "eventSource",
    "eventSourceARN",
    "awsRegion",
}
_METHOD_ARN = re.compile(r"arn:aws:execute-api:[a-z0-9-]+:\d{12}:\w+/(?P<stage>\w+)/(?P<method>[A-Z]+)(?P<path>/.*)")

TEMPLATE = load()
FUNCTION_IDS = list(TEMPLATE.functions)


def event_file_name(logical_id: str) -> str:
    """``CustomersPutFunction`` -> ``customers_put.json``; an acronym stays a word (``AWTCloser`` -> ``awt_closer``)."""
    words = re.sub(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])", "_", logical_id.removesuffix("Function"))
    return f"{words.lower()}.json"


def event_path(logical_id: str) -> Path:
    return EVENTS_DIR / event_file_name(logical_id)


def load_event(logical_id: str) -> dict[str, Any]:
    path = event_path(logical_id)
    if not path.exists():
        pytest.fail(f"{logical_id} has no sample event: add events/{path.name} (see events/README.md)")
    event: dict[str, Any] = json.loads(path.read_text())
    return event


def kind_of(function: Function) -> str:
    if function.logical_id == TEMPLATE.authorizer.function_id:
        return "authorizer"
    if function.routes or function.other_methods:
        return "api"
    if function.schedules:
        return "scheduled"
    if function.stream_filters is not None:
        return "stream"
    if function.queue is not None:
        return "queue"
    raise AssertionError(f"{function.logical_id}: not an API, the authorizer, a scheduled or an event source function")


def invoke(logical_id: str, event: dict[str, Any]) -> Any:
    return FunctionPool().invoke(TEMPLATE.functions[logical_id], event)


# ------------------------------------------------------------------------------------------- naming


@pytest.mark.parametrize(
    ("logical_id", "file_name"),
    [
        ("AuthorizerFunction", "authorizer.json"),
        ("CustomersPutFunction", "customers_put.json"),
        ("CampaignsRewardProgressFunction", "campaigns_reward_progress.json"),
        ("AWTWindowCloserFunction", "awt_window_closer.json"),
        ("CouponsApply2Function", "coupons_apply2.json"),
    ],
)
def test_the_naming_rule(logical_id: str, file_name: str) -> None:
    assert event_file_name(logical_id) == file_name


def test_every_function_has_its_event_file() -> None:
    missing = [f"{name} -> events/{event_file_name(name)}" for name in FUNCTION_IDS if not event_path(name).exists()]
    assert not missing, f"add a sample event (see events/README.md) for: {missing}"


def test_every_event_file_belongs_to_a_function() -> None:
    expected = {event_file_name(name) for name in FUNCTION_IDS}
    orphans = sorted(p.name for p in EVENTS_DIR.glob("*.json") if p.name not in expected)
    assert not orphans, f"event files named after no function of template.yaml: {orphans}"


# -------------------------------------------------------------------------------------------- shape


def _check_proxy_event(function: Function, event: dict[str, Any]) -> None:
    assert set(event) == AWS_PROXY_KEYS
    context = event["requestContext"]
    assert set(context) >= AWS_PROXY_CONTEXT_KEYS
    method, resource, path = event["httpMethod"], event["resource"], event["path"]
    found = TEMPLATE.find_route(method, path)
    assert found is not None, f"the API has no route for {method} {path}"
    routed_to, route, parameters = found
    assert (routed_to.logical_id, route.path) == (function.logical_id, resource), f"{method} {path} goes to {found}"
    assert {k: unquote(v) for k, v in parameters.items()} == (event["pathParameters"] or {})
    assert (context["httpMethod"], context["resourcePath"]) == (method, resource)
    assert context["path"] == f"/{context['stage']}{path}"
    assert event["multiValueHeaders"] == {k: [v] for k, v in event["headers"].items()}
    if route.public:  # API Gateway runs no authorizer: no authorizer block, and no credentials to send
        assert "authorizer" not in context
        assert "Authorization" not in event["headers"]
    else:
        assert context["authorizer"]["app_id"] == DEMO_APP_ID
        assert context["authorizer"]["principalId"] == DEMO_APP_ID
        credentials = parse_basic_header(event["headers"]["Authorization"])
        assert credentials is not None
        # what the authorizer passes: the key that names the credential in the audit log
        assert context["authorizer"]["api_key"] == credentials.api_key
    if event["multiValueQueryStringParameters"] is not None:
        single = {k: v[-1] for k, v in event["multiValueQueryStringParameters"].items()}
        assert event["queryStringParameters"] == single
    if event["body"] is not None:
        raw = base64.b64decode(event["body"]) if event["isBase64Encoded"] else event["body"]
        json.loads(raw)
        assert event["headers"]["Content-Type"] == "application/json"


def _check_authorizer_event(event: dict[str, Any]) -> None:
    assert set(event) == REQUEST_AUTHORIZER_KEYS
    assert set(event["requestContext"]) >= REQUEST_AUTHORIZER_CONTEXT_KEYS
    assert event["type"] == "REQUEST"
    arn = _METHOD_ARN.fullmatch(event["methodArn"])
    assert arn is not None, event["methodArn"]
    assert (arn["method"], arn["path"]) == (event["httpMethod"], event["path"])
    assert event["requestContext"]["stage"] == arn["stage"]
    assert TEMPLATE.find_route(event["httpMethod"], event["path"]) is not None, "a route the API has"
    assert parse_basic_header(event["headers"][TEMPLATE.authorizer.identity_header]) is not None


def _check_scheduled_event(event: dict[str, Any]) -> None:
    assert SCHEDULED_EVENT_KEYS <= set(event) <= {*SCHEDULED_EVENT_KEYS, "version"}
    assert (event["detail-type"], event["source"]) == ("Scheduled Event", "aws.events")
    assert all(r.startswith("arn:aws:events:") and ":rule/" in r for r in event["resources"])


def _check_stream_event(event: dict[str, Any]) -> None:
    assert event["Records"]
    for record in event["Records"]:
        assert set(record) == STREAM_RECORD_KEYS
        assert record["eventSource"] == "aws:dynamodb"
        assert {"Keys", "SequenceNumber", "StreamViewType"} <= set(record["dynamodb"])


def _check_queue_event(event: dict[str, Any]) -> None:
    assert event["Records"]
    for record in event["Records"]:
        assert set(record) == SQS_RECORD_KEYS
        assert record["eventSource"] == "aws:sqs"
        json.loads(record["body"])


@pytest.mark.parametrize("logical_id", FUNCTION_IDS)
def test_event_has_the_shape_the_sam_cli_generates(logical_id: str) -> None:
    function = TEMPLATE.functions[logical_id]
    event = load_event(logical_id)
    checks = {
        "api": lambda: _check_proxy_event(function, event),
        "authorizer": lambda: _check_authorizer_event(event),
        "scheduled": lambda: _check_scheduled_event(event),
        "stream": lambda: _check_stream_event(event),
        "queue": lambda: _check_queue_event(event),
    }
    checks[kind_of(function)]()


# ------------------------------------------------------------------------------------------ running


def _check_proxy_result(event: dict[str, Any], result: dict[str, Any], error: tuple[int, str] | None = None) -> None:
    if error is not None:
        assert (result["statusCode"], json.loads(result["body"])["details"]) == error, result
    else:
        assert result["statusCode"] in WELL_FORMED_STATUSES, result
    request_id = event["requestContext"]["requestId"]
    assert result["multiValueHeaders"]["x-request-id"] == [request_id]
    if result["statusCode"] == 204:
        return
    content_type = {**(result.get("headers") or {}), **(result.get("multiValueHeaders") or {})}.get("Content-Type")
    if content_type and "application/json" not in str(content_type):  # the dashboard's files
        assert result["statusCode"] == 200, result
        return
    body = json.loads(result["body"])
    if result["statusCode"] == 404 and is_compatibility_path(event["path"]):
        assert is_not_found_answer(event["path"], body), body
    elif result["statusCode"] >= 400:
        assert set(body) == ERROR_BODY_FIELDS
        assert (body["code"], body["request_id"]) == (result["statusCode"], request_id)
    assert "Traceback" not in result["body"]


@pytest.mark.parametrize("logical_id", FUNCTION_IDS)
def test_event_runs_to_a_well_formed_answer(table: str, logical_id: str) -> None:
    function = TEMPLATE.functions[logical_id]
    event = load_event(logical_id)
    kind = kind_of(function)
    result = invoke(logical_id, event)
    if kind == "api":
        _check_proxy_result(event, result, ERROR_ON_EMPTY_TABLE.get(logical_id))
    elif kind == "authorizer":
        assert result["policyDocument"]["Statement"], result
        assert not policy_allows(result, event["methodArn"]), "no application has the demo credentials yet"
    elif kind in ("stream", "queue"):
        assert set(result) == {"batchItemFailures"}, result
    else:
        json.dumps(result)


def test_authorizer_event_is_allowed_once_its_application_exists(table: str) -> None:
    from shared.domain.applications import create_application

    event = load_event("AuthorizerFunction")
    credentials = parse_basic_header(event["headers"]["Authorization"])
    assert credentials is not None
    created = create_application("demo", credentials.api_key, credentials.secret_key)

    policy = invoke("AuthorizerFunction", event)

    assert policy_allows(policy, event["methodArn"])
    assert policy["principalId"] == created.app_id
    assert policy["context"] == {"app_id": created.app_id, "api_key": created.api_key}


def test_customer_events_put_then_get(table: str) -> None:
    unknown = invoke("CustomersGetFunction", load_event("CustomersGetFunction"))
    assert unknown["statusCode"] == 404
    assert json.loads(unknown["body"]) == {
        "code": 404,
        "key": "not_found",
        "message": "Resource not found",
        "details": "Cannot find customer with source id KMN@123",
        "request_id": load_event("CustomersGetFunction")["requestContext"]["requestId"],
    }

    created = invoke("CustomersPutFunction", load_event("CustomersPutFunction"))
    again = invoke("CustomersPutFunction", load_event("CustomersPutFunction"))
    fetched = invoke("CustomersGetFunction", load_event("CustomersGetFunction"))

    assert (created["statusCode"], again["statusCode"], fetched["statusCode"]) == (201, 200, 200)
    profile = json.loads(fetched["body"])
    assert profile == json.loads(again["body"])
    assert profile["id"] == json.loads(created["body"])["id"]
    assert (profile["source_id"], profile["name"], profile["tier"]) == ("KMN@123", "Krish", "SILVER")


def test_the_coupon_samples_redeem_and_revert(table: str) -> None:
    """Seed 004's full payload (events/coupons_apply.json) against its coupon KS and customer krish123."""
    from shared import clock
    from shared.domain.customers import ensure_customer
    from shared.entities.coupons import CouponSpec, Discount
    from shared.storage.coupons import definitions

    apply_event = load_event("CouponsApplyFunction")
    detail = json.loads(apply_event["body"])["coupon_details"][0]
    now = clock.now_iso()
    definitions.create(
        DEMO_APP_ID, CouponSpec(detail["coupon_id"], detail["coupon_code"], Discount("amount", 10), "active", now, now)
    )
    ensure_customer(DEMO_APP_ID, "krish123")
    revert_event = copy.deepcopy(apply_event)
    revert_event["queryStringParameters"] = {"type": "revert"}
    revert_event["multiValueQueryStringParameters"] = {"type": ["revert"]}

    validated = invoke("CouponsValidateFunction", load_event("CouponsValidateFunction"))
    redeemed = invoke("CouponsApplyFunction", apply_event)
    reverted = invoke("CouponsApplyFunction", revert_event)

    assert json.loads(validated["body"])["valid"] is True
    request_id = apply_event["requestContext"]["requestId"]
    seed_answer = {"couponId": detail["coupon_id"], "orderId": "1223456", "request_id": request_id, "coupon_code": "KS"}
    assert json.loads(redeemed["body"]) == {"status": "completed", **seed_answer}
    assert json.loads(reverted["body"]) == {"status": "reverted", **seed_answer}


def test_a_base64_body_as_generate_event_prints_it_works_too(table: str) -> None:
    event = load_event("CustomersPutFunction")
    event["body"] = base64.b64encode(event["body"].encode()).decode()
    event["isBase64Encoded"] = True

    result = invoke("CustomersPutFunction", event)

    assert result["statusCode"] == 201, result
    assert json.loads(result["body"])["name"] == "Krish"


def test_the_demo_tenant_is_only_the_one_in_the_authorizer_context(table: str) -> None:
    invoke("CustomersPutFunction", load_event("CustomersPutFunction"))
    event = load_event("CustomersGetFunction")
    event["requestContext"]["authorizer"]["app_id"] = "app_anotherApplication0"

    assert invoke("CustomersGetFunction", event)["statusCode"] == 404


# -------------------------------------------------------------------------------------- rewards invoke


def test_rewards_invoke_prints_the_result_as_json(
    table: str, restored_environ: None, capsys: pytest.CaptureFixture[str]
) -> None:
    put = cli.main(["invoke", "CustomersPutFunction", "-e", str(event_path("CustomersPutFunction"))])
    put_result = json.loads(capsys.readouterr().out)
    get = cli.main(["invoke", "CustomersGetFunction", "-e", str(event_path("CustomersGetFunction"))])
    get_result = json.loads(capsys.readouterr().out)

    assert (put, get) == (0, 0)
    assert (put_result["statusCode"], get_result["statusCode"]) == (201, 200)
    assert json.loads(get_result["body"])["source_id"] == "KMN@123"


def test_rewards_invoke_names_the_functions_when_the_id_is_unknown(
    restored_environ: None, capsys: pytest.CaptureFixture[str]
) -> None:
    status = cli.main(["invoke", "NoSuchFunction", "-e", str(event_path("CustomersGetFunction"))])

    assert status == 2
    error = capsys.readouterr().err
    assert "unknown function NoSuchFunction" in error
    assert all(name in error for name in FUNCTION_IDS)
