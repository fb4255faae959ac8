"""What a handler may know about its caller: the application the authorizer vouched for."""

from __future__ import annotations

from aws_lambda_powertools.event_handler.api_gateway import BaseRouter

from shared.errors import Unauthorized

AUTHORIZER_APP_ID = "app_id"
# The caller's API key (the key id of its credential, never its secret), for the audit log.
AUTHORIZER_API_KEY = "api_key"


def tenant_id(app: BaseRouter) -> str:
    """The app id from the authorizer context. Never from the path or body: that is what keeps tenants apart."""
    context = app.current_event.request_context.authorizer.get_context()  # type: ignore[attr-defined]
    app_id = context.get(AUTHORIZER_APP_ID)
    if not isinstance(app_id, str) or not app_id.startswith("app_"):
        raise Unauthorized
    return app_id


def request_id(app: BaseRouter) -> str:
    """API Gateway's id of this request (the ``x-request-id`` header of the answer)."""
    context = app.current_event.raw_event.get("requestContext") or {}
    return str(context.get("requestId") or "")
