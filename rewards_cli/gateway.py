"""API Gateway in process: route by template.yaml, run the REQUEST authorizer (with its result cache
keyed on the identity header, as deployed), then the route's function; the gateway's own answers use
the template's GatewayResponses, so local and deployed bodies are the same."""

from __future__ import annotations

import json
import re
import threading
import time
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any
from urllib.parse import unquote

from rewards_cli import apigw
from rewards_cli.lambdas import FunctionPool
from rewards_cli.template import Function, Template
from rewards_cli.usage_plans import Admission, UsagePlans

_JSON = "application/json"
# Lambda refuses a synchronous response larger than this (its error quotes the number) and API Gateway
# then answers a 5xx: measured on the response as Lambda serialises it, the body an escaped JSON string.
LAMBDA_RESPONSE_LIMIT = 6_291_556


def payload_size(result: Any) -> int:
    """Bytes of a function's response as Lambda returns it to API Gateway."""
    return len(json.dumps(result).encode())


@dataclass(slots=True)
class HttpResponse:
    status: int
    headers: list[tuple[str, str]] = field(default_factory=list)
    body: bytes = b""
    payload_bytes: int = 0  # the function's response as Lambda returned it (0: the gateway answered)

    def json(self) -> Any:
        return json.loads(self.body)

    def header(self, name: str) -> str | None:
        return next((v for k, v in self.headers if k.lower() == name.lower()), None)


class LocalGateway:
    def __init__(
        self, template: Template, pool: FunctionPool | None = None, usage_plans: UsagePlans | None = None
    ) -> None:
        """``usage_plans``: API keys and per-application throttling as deployed (``rewards dev``); without
        it, as in the in-process tests and benchmarks, any allowed caller is admitted unthrottled."""
        self.template = template
        self.pool = pool or FunctionPool()
        self.usage_plans = usage_plans
        self._auth_cache: dict[str, tuple[float, Mapping[str, Any]]] = {}
        self._auth_lock = threading.Lock()

    def handle(
        self,
        method: str,
        path: str,
        query: Mapping[str, list[str]] | None = None,
        headers: Mapping[str, list[str]] | None = None,
        body: str | None = None,
    ) -> HttpResponse:
        request_id = str(uuid.uuid4())
        context = {"requestId": request_id, "httpMethod": method, "path": path}
        found = self.template.find_route(method, path)
        if found is None:
            return self.gateway_response("MISSING_AUTHENTICATION_TOKEN", context)
        function, route, raw_parameters = found
        event = apigw.proxy_event(
            method=method,
            resource=route.path,
            path=path,
            path_parameters={k: unquote(v) for k, v in raw_parameters.items()},
            query=query,
            headers=headers,
            body=body,
            request_id=request_id,
        )
        if route.public:  # Auth: {Authorizer: NONE, ApiKeyRequired: false}: neither authorizer nor usage plan
            return self._invoke(function, event, context)
        policy = self._authorized_policy(method, path, event)
        if isinstance(policy, str):
            return self.gateway_response(policy, context)
        event["requestContext"]["authorizer"] = {
            **(policy.get("context") or {}),
            "principalId": policy.get("principalId"),
            "integrationLatency": 0,
        }
        return self._invoke(function, event, context)

    def _invoke(self, function: Function, event: dict[str, Any], context: Mapping[str, str]) -> HttpResponse:
        try:
            result = self.pool.invoke(function, event)
        except Exception:
            return self.gateway_response("DEFAULT_5XX", context)
        size = payload_size(result)
        if size > LAMBDA_RESPONSE_LIMIT:
            return self.gateway_response("DEFAULT_5XX", context)
        return replace(self._from_proxy_result(result), payload_bytes=size)

    def _authorized_policy(self, method: str, path: str, event: dict[str, Any]) -> Mapping[str, Any] | str:
        """The authorizer's policy for an admitted request, or the kind of gateway response refusing it:
        the authorizer first, then the caller's API key and its usage plan's throttle, as API Gateway does."""
        identity = event["headers"].get(self.template.authorizer.identity_header) or next(
            (v for k, v in event["headers"].items() if k.lower() == self.template.authorizer.identity_header.lower()),
            None,
        )
        if not identity:
            return "UNAUTHORIZED"
        policy = self._authorize(identity, event)
        if policy is None:  # the authorizer raised: API Gateway's AuthorizerConfigurationException
            return "AUTHORIZER_CONFIGURATION_ERROR"
        if not apigw.policy_allows(policy, apigw.method_arn(method, path)):
            return "ACCESS_DENIED"
        if self.usage_plans is not None and self.template.api_key_required:
            admission = self.usage_plans.admit(policy.get("usageIdentifierKey"))
            if admission is not Admission.ADMITTED:
                return str(admission.value)
        return policy

    def _authorize(self, identity: str, event: dict[str, Any]) -> Mapping[str, Any] | None:
        now = time.monotonic()
        with self._auth_lock:
            cached = self._auth_cache.get(identity)
        if cached and cached[0] > now:
            return cached[1]
        authorizer = self.template.functions[self.template.authorizer.function_id]
        try:
            policy: Mapping[str, Any] = self.pool.invoke(authorizer, apigw.authorizer_event(event))
        except Exception:
            return None
        with self._auth_lock:
            self._auth_cache[identity] = (now + self.template.authorizer.ttl_seconds, policy)
        return policy

    def gateway_response(self, kind: str, context: Mapping[str, str], message: str | None = None) -> HttpResponse:
        """API Gateway's own answer of ``kind`` (template.yaml's GatewayResponses); ``message`` is its
        ``$context.error.messageString`` (by default the kind's name)."""
        spec = self.template.gateway_responses.get(kind) or self.template.gateway_responses["DEFAULT_5XX"]
        body = spec["ResponseTemplates"][_JSON]
        variables = {
            "$context.requestId": context["requestId"],
            "$context.httpMethod": context["httpMethod"],
            "$context.path": context["path"],
            "$context.error.messageString": json.dumps(message or kind.replace("_", " ").lower()),
        }
        body = re.sub(r"\$context\.[\w.]+", lambda m: variables.get(m.group(0), m.group(0)), body)
        headers = [("Content-Type", _JSON)]
        for name, value in spec.get("ResponseParameters", {}).get("Headers", {}).items():
            literal = value[1:-1] if value.startswith("'") else variables.get(f"${value}", "")
            headers.append((name, literal))
        return HttpResponse(int(spec.get("StatusCode", 500)), headers, body.encode())

    @staticmethod
    def _from_proxy_result(result: Mapping[str, Any]) -> HttpResponse:
        headers = list((result.get("headers") or {}).items())
        for name, values in (result.get("multiValueHeaders") or {}).items():
            headers.extend((name, value) for value in values)
        body = result.get("body") or ""
        return HttpResponse(int(result["statusCode"]), headers, body.encode())
