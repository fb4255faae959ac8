"""The HTTP plumbing every API function shares: the resolver, its error mapping, and the Lambda entry point.

A function's module declares its route on a ``Router`` and exports ``lambda_handler = http_handler(router)``;
the OpenAPI document is built from the same routers, so the spec can never drift from the code.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from aws_lambda_powertools.event_handler import APIGatewayRestResolver
from aws_lambda_powertools.event_handler.router import Router
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext

from shared.api.errors import register_error_handlers
from shared.observability import logger, metrics, tracer

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


def create_app(*routers: Router) -> APIGatewayRestResolver:
    app = APIGatewayRestResolver(enable_validation=True)
    register_error_handlers(app)
    for router in routers:
        app.include_router(router)
    return app


def http_handler(router: Router) -> LambdaHandler:
    app = create_app(router)

    @logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST)
    @metrics.log_metrics
    @tracer.capture_lambda_handler(capture_response=False)
    def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
        _read_body_as_json(event)
        response = app.resolve(event, context)
        request_id = (event.get("requestContext") or {}).get("requestId", "")
        response.setdefault("multiValueHeaders", {})[REQUEST_ID_HEADER] = [request_id]
        return response

    return handler
