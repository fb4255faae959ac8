"""The HTTP plumbing every API function shares: the resolver, its error mapping, and the Lambda entry point.

A function's module declares its route on a ``Router`` and exports ``lambda_handler = http_handler(router)``;
the OpenAPI document is built from the same routers, so the spec can never drift from the code.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any, TypeGuard
from urllib.parse import unquote

from aws_lambda_powertools.event_handler import APIGatewayRestResolver, Response
from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.middlewares import NextMiddleware
from aws_lambda_powertools.event_handler.openapi.types import OpenAPIResponse
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext
from pydantic import BaseModel

from shared.api.body import parse_body
from shared.api.context import AUTHORIZER_API_KEY, AUTHORIZER_APP_ID
from shared.api.errors import register_error_handlers
from shared.entities.audit import Actor, acting_as
from shared.errors import ValidationFailed
from shared.observability import logger, metrics, traced

REQUEST_ID_HEADER = "x-request-id"
API_TITLE = "Rewards engine API"
API_VERSION = "1.0.0"

LambdaHandler = Callable[[dict[str, Any], LambdaContext], dict[str, Any]]


def _read_body_as_json(event: dict[str, Any]) -> None:
    """Bodies are JSON whatever Content-Type the client sent (``curl -d`` says form-urlencoded), so a
    client never gets its JSON silently parsed as a form."""
    if event.get("body") is None:
        return
    headers = {k: v for k, v in (event.get("headers") or {}).items() if k.lower() != "content-type"}
    event["headers"] = headers | {"Content-Type": "application/json"}
    multi = {k: v for k, v in (event.get("multiValueHeaders") or {}).items() if k.lower() != "content-type"}
    event["multiValueHeaders"] = multi | {"Content-Type": ["application/json"]}


# Every route can answer with the one error body (SPEC §2); the spec says so, so clients and contract
# tests know every status they may meet. (The 422 Powertools documents is dropped from the spec: bad input is a 400.)
_RETRY_AFTER = {"Retry-After": {"description": "Seconds to wait before retrying", "schema": {"type": "integer"}}}
_ERROR_RESPONSES: dict[int, tuple[str, dict[str, Any]]] = {
    400: ("Bad request: malformed JSON, or a field, parameter or header that breaks a rule", {}),
    401: ("Missing or invalid credentials", {}),
    404: ("Resource not found (also another application's resource)", {}),
    409: ("Conflict with the current state, or an Idempotency-Key reused or still in progress", _RETRY_AFTER),
    413: ("Body too large", {}),
    429: ("Too many requests", _RETRY_AFTER),
    500: ("Unexpected error; quote the request_id", {}),
    503: ("The store is busy or timed out; safe to retry after Retry-After seconds", _RETRY_AFTER),
}


def _document_error_responses(app: APIGatewayRestResolver) -> None:
    """For the OpenAPI document only (run when it is built, not at a function's cold start)."""
    from shared.api.schemas.common import ErrorResponse

    for route in app._static_routes + app._dynamic_routes:  # no public hook for default responses
        # Powertools documents its default success response only when a route declares none of its own.
        documented: dict[int, OpenAPIResponse] = dict(
            route.responses or {route.status_code: {"description": route.response_description or "Success"}}
        )
        for status, (description, headers) in _ERROR_RESPONSES.items():
            response: OpenAPIResponse = {
                "description": description,
                "content": {"application/json": {"model": ErrorResponse}},
            }
            if headers:
                response["headers"] = headers
            documented.setdefault(status, response)
        route.responses = documented


def _reject_unknown_query_parameters(app: APIGatewayRestResolver, next_middleware: NextMiddleware) -> Response[Any]:
    """A misspelt query parameter (``?limt=5``) is a 400 naming it, as an unknown body field is, rather
    than silently ignored."""
    route = app.context.get("_route")  # set by Powertools for the route being served
    declared = {parameter.alias for parameter in route.dependant.query_params} if route else set()
    unknown = sorted(set(app.current_event.query_string_parameters or {}) - declared)
    if unknown:
        raise ValidationFailed("; ".join(f"{name} is not a known query parameter" for name in unknown))
    return next_middleware(app)


def _absent_body_is_empty(app: APIGatewayRestResolver) -> None:
    """The one rule for bodies: where no field of a route's body is required, the body may be left out
    and an absent body is ``{}`` (``POST .../redeem`` as ``.../cancel``); the spec then says it is optional.
    Powertools takes an absent body's value from the parameter's default: every such body gets one here."""
    for route in app._static_routes + app._dynamic_routes:  # no public hook for a parameter's default
        for parameter in route.dependant.body_params:
            model = parameter.field_info.annotation
            if parameter.required and _needs_no_field(model):
                parameter.field_info.default_factory = model


def _needs_no_field(model: object) -> TypeGuard[type[BaseModel]]:
    if not (isinstance(model, type) and issubclass(model, BaseModel)):
        return False
    return not any(field.is_required() for field in model.model_fields.values())


class _Resolver(APIGatewayRestResolver):
    def _convert_matches_into_route_keys(self, match: re.Match[str]) -> dict[str, str]:
        """A REST API's ``path`` arrives still percent-encoded, and Powertools reads path parameters from
        it: decode them, as API Gateway decodes ``pathParameters``, so ``/customers/KMN%40123`` is
        customer ``KMN@123`` and an encoded control character meets the parameter's validation."""
        return {name: unquote(value) for name, value in match.groupdict().items()}


def new_router() -> Router:
    """The router a function declares its route on."""
    return Router()  # type: ignore[no-untyped-call]  # Powertools leaves __init__ unannotated


def create_app(*routers: Router, documented: bool = False) -> APIGatewayRestResolver:
    """``documented``: the app the OpenAPI document is built from (every route lists the error answers;
    Powertools reads a route's responses once, with its parameters, so they are set before those)."""
    app = _Resolver(enable_validation=True, json_body_deserializer=parse_body)
    register_error_handlers(app)
    app.use([_reject_unknown_query_parameters])
    for router in routers:
        app.include_router(router)
    if documented:
        _document_error_responses(app)
    _absent_body_is_empty(app)
    return app


def _caller_app_id(event: dict[str, Any]) -> str | None:
    """For the logs only (every line says which application it belongs to); the handlers' tenant comes
    from ``tenant_id``, which validates it."""
    authorizer = (event.get("requestContext") or {}).get("authorizer") or {}
    app_id = authorizer.get(AUTHORIZER_APP_ID)
    return app_id if isinstance(app_id, str) else None


def _actor(event: dict[str, Any]) -> Actor:
    """Who makes this request's changes, for the audit log: the credential the authorizer vouched for (its
    API key) and the request id."""
    context = event.get("requestContext") or {}
    api_key = (context.get("authorizer") or {}).get(AUTHORIZER_API_KEY)
    return Actor(api_key if isinstance(api_key, str) else None, context.get("requestId") or None)


def http_handler(router: Router) -> LambdaHandler:
    app = create_app(router)

    # clear_state: keys appended for one request (its app id) never carry over to the next.
    @logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST, clear_state=True)
    @metrics.log_metrics
    @traced
    def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
        logger.append_keys(app_id=_caller_app_id(event))
        _read_body_as_json(event)
        with acting_as(_actor(event)):
            response = app.resolve(event, context)
        request_id = (event.get("requestContext") or {}).get("requestId", "")
        response.setdefault("multiValueHeaders", {})[REQUEST_ID_HEADER] = [request_id]
        return response

    return handler
