"""API Gateway (REST API, payload 1.0) and EventBridge event shapes, as `sam local generate-event
apigateway aws-proxy` and `sam local generate-event cloudwatch scheduled-event` print them."""

from __future__ import annotations

import re
import time
import uuid
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

ACCOUNT_ID = "123456789012"
REGION = "us-east-1"
API_ID = "local"
STAGE = "v1"


def _single_and_multi(
    values: Mapping[str, list[str]] | None,
) -> tuple[dict[str, str] | None, dict[str, list[str]] | None]:
    if not values:
        return None, None
    return {k: v[-1] for k, v in values.items()}, {k: list(v) for k, v in values.items()}


def _request_context(method: str, resource: str, path: str, request_id: str, source_ip: str) -> dict[str, Any]:
    now = datetime.now(tz=UTC)
    return {
        "accountId": ACCOUNT_ID,
        "apiId": API_ID,
        "domainName": "localhost",
        "httpMethod": method,
        "identity": {"sourceIp": source_ip, "userAgent": "local"},
        "path": f"/{STAGE}{path}",
        "protocol": "HTTP/1.1",
        "requestId": request_id,
        "requestTime": now.strftime("%d/%b/%Y:%H:%M:%S +0000"),
        "requestTimeEpoch": int(now.timestamp() * 1000),
        "resourceId": "local",
        "resourcePath": resource,
        "stage": STAGE,
    }


def method_arn(method: str, path: str) -> str:
    return f"arn:aws:execute-api:{REGION}:{ACCOUNT_ID}:{API_ID}/{STAGE}/{method}{path}"


def proxy_event(
    *,
    method: str,
    resource: str,
    path: str,
    path_parameters: Mapping[str, str] | None = None,
    query: Mapping[str, list[str]] | None = None,
    headers: Mapping[str, list[str]] | None = None,
    body: str | None = None,
    authorizer_context: Mapping[str, Any] | None = None,
    request_id: str | None = None,
    source_ip: str = "127.0.0.1",
) -> dict[str, Any]:
    single_query, multi_query = _single_and_multi(query)
    single_headers, multi_headers = _single_and_multi(headers)
    context = _request_context(method, resource, path, request_id or str(uuid.uuid4()), source_ip)
    if authorizer_context is not None:
        context["authorizer"] = {**authorizer_context, "integrationLatency": 0}
    return {
        "resource": resource,
        "path": path,
        "httpMethod": method,
        "headers": single_headers or {},
        "multiValueHeaders": multi_headers or {},
        "queryStringParameters": single_query,
        "multiValueQueryStringParameters": multi_query,
        "pathParameters": dict(path_parameters) if path_parameters else None,
        "stageVariables": None,
        "requestContext": context,
        "body": body,
        "isBase64Encoded": False,
    }


def authorizer_event(proxy: Mapping[str, Any]) -> dict[str, Any]:
    """The REQUEST authorizer's event for a request (the same request data, plus ``methodArn``)."""
    event = {key: value for key, value in proxy.items() if key not in ("body", "isBase64Encoded")}
    event["type"] = "REQUEST"
    event["methodArn"] = method_arn(proxy["httpMethod"], proxy["path"])
    return event


def _resource_matches(pattern: str, arn: str) -> bool:
    """IAM wildcards: ``*`` any run of characters (``/`` included), ``?`` one character, nothing else
    special (fnmatch would read ``[...]`` as a character class, and a literal path may hold brackets)."""
    regex = "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern)
    return re.fullmatch(regex, arn, re.DOTALL) is not None


def policy_allows(policy: Mapping[str, Any], arn: str) -> bool:
    """Evaluate an authorizer's IAM policy the way API Gateway does: an explicit Deny wins."""
    allowed = False
    for statement in policy.get("policyDocument", {}).get("Statement", []):
        resources = statement.get("Resource", [])
        resources = [resources] if isinstance(resources, str) else resources
        if any(_resource_matches(pattern, arn) for pattern in resources):
            if statement.get("Effect") == "Deny":
                return False
            allowed = allowed or statement.get("Effect") == "Allow"
    return allowed


def scheduled_event(rule_name: str) -> dict[str, Any]:
    return {
        "version": "0",
        "id": str(uuid.uuid4()),
        "detail-type": "Scheduled Event",
        "source": "aws.events",
        "account": ACCOUNT_ID,
        "time": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "region": REGION,
        "resources": [f"arn:aws:events:{REGION}:{ACCOUNT_ID}:rule/{rule_name}"],
        "detail": {},
    }
