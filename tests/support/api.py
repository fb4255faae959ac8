"""A test client that sends HTTP-like requests through the in-process gateway: real API Gateway
event shapes, the real authorizer, the route's real handler, over the moto table."""

from __future__ import annotations

import base64
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from rewards_cli.gateway import HttpResponse, LocalGateway

# The fields of every error body (README: Errors).
ERROR_BODY_FIELDS = frozenset({"code", "key", "message", "details", "request_id"})

UNAUTHORIZED_BODY = {
    "code": 401,
    "key": "unauthorized",
    "message": "Unauthorized",
    "details": "app id or app secret invalid",
}


def basic(api_key: str, secret_key: str) -> str:
    return "Basic " + base64.b64encode(f"{api_key}:{secret_key}".encode()).decode()


@dataclass(frozen=True)
class Credentials:
    app_id: str
    api_key: str
    secret_key: str

    @property
    def authorization(self) -> str:
        return basic(self.api_key, self.secret_key)


# The key of each status with a meaning of its own, whoever answers it (a function or the gateway); a 400 is
# bad_request or validation_failed. A 503 is the store's throttling (or a timeout): retried as a 429 is.
KEY_OF_STATUS = {
    401: "unauthorized",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "payload_too_large",
    429: "rate_limited",
    500: "internal_error",
    503: "rate_limited",
}
BAD_REQUEST_KEYS = ("bad_request", "validation_failed")

_DEFAULT = object()


class ApiClient:
    def __init__(self, gateway: LocalGateway, credentials: Credentials) -> None:
        self.gateway = gateway
        self.credentials = credentials

    def as_app(self, credentials: Credentials) -> ApiClient:
        return ApiClient(self.gateway, credentials)

    def request(
        self,
        method: str,
        path: str,
        *,
        json_body: Any = _DEFAULT,
        raw_body: str | None = None,
        query: Mapping[str, str] | None = None,
        headers: Mapping[str, str] | None = None,
        authorization: str | object | None = _DEFAULT,
    ) -> HttpResponse:
        all_headers = {"Content-Type": "application/json"}
        auth = self.credentials.authorization if authorization is _DEFAULT else authorization
        if auth is not None:
            all_headers["Authorization"] = str(auth)
        all_headers.update(headers or {})
        body = raw_body if json_body is _DEFAULT else json.dumps(json_body)
        if "?" in path:
            path, _, encoded = path.partition("?")
            # a blank pair (the Shopify app's "?&username=…") carries nothing, as API Gateway reads it
            query = {**dict(pair.split("=", 1) for pair in encoded.split("&") if pair), **(query or {})}
        return self.gateway.handle(
            method,
            path,
            {k: [v] for k, v in query.items()} if query else None,
            {k: [v] for k, v in all_headers.items()},
            body,
        )

    def get(self, path: str, **kwargs: Any) -> HttpResponse:
        return self.request("GET", path, **kwargs)

    def put(self, path: str, body: Any = None, **kwargs: Any) -> HttpResponse:
        return self.request("PUT", path, json_body=body, **kwargs)

    def post(self, path: str, body: Any = None, **kwargs: Any) -> HttpResponse:
        return self.request("POST", path, json_body=body, **kwargs)

    def patch(self, path: str, body: Any = None, **kwargs: Any) -> HttpResponse:
        return self.request("PATCH", path, json_body=body, **kwargs)

    def delete(self, path: str, **kwargs: Any) -> HttpResponse:
        return self.request("DELETE", path, **kwargs)


def query_string(params: Mapping[str, Any]) -> str:
    return urlencode({k: v for k, v in params.items() if v is not None})


# The Capillary-compatible routes (SPEC §7) answer "not found" in Capillary's envelope, not the error body:
# 6004 for a reward or a brand, 816 for a user.
COMPATIBILITY_PATH_PREFIX = "/api_gateway/rewards/core/"
CAPILLARY_NOT_FOUND = {"success": False, "code": 6004, "message": "Reward not found or disabled"}
CAPILLARY_USER_NOT_FOUND = {"success": False, "code": 816, "message": "Customer not found for organization"}


def is_compatibility_path(path: str) -> bool:
    return path.startswith(COMPATIBILITY_PATH_PREFIX)


def is_not_found_answer(path: str, body: Any) -> bool:
    """The body of a 404 on ``path``: the one error body with key not_found, or Capillary's 6004 or 816 there."""
    if is_compatibility_path(path):
        return isinstance(body, dict) and body.get("status") in (CAPILLARY_NOT_FOUND, CAPILLARY_USER_NOT_FOUND)
    return isinstance(body, dict) and body.get("key") == "not_found"
