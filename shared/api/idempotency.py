"""``Idempotency-Key`` for mutating routes: a route declares ``middlewares=[idempotent]``.

Built on Powertools Idempotency. The key hashed is ``[app_id, Idempotency-Key]``, so one application can
never replay or block another's request; the payload checked is the method, path and parsed body, so
the same key with another request is a 409. Only successful responses are stored: a request that
failed changed nothing (every write is conditional or transactional) and may simply be retried.
The Powertools machinery lives in ``shared.api.idempotency_store``, loaded by the first keyed request.
A large response (an event that changed hundreds of rules) is stored compressed, so that its record
stays within DynamoDB's 400 KB item limit.
"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.event_handler import APIGatewayRestResolver, Response
from aws_lambda_powertools.event_handler.middlewares import NextMiddleware

from shared.api.context import tenant_id
from shared.errors import Conflict, ServiceUnavailable, ValidationFailed
from shared.storage import dynamodb

HEADER = "Idempotency-Key"
_MAX_KEY_LENGTH = 255


class RequestInProgress(Conflict):
    def __init__(self) -> None:
        super().__init__("Request in progress", f"a request with this {HEADER} is still being processed")


class KeyReused(Conflict):
    def __init__(self) -> None:
        super().__init__(f"{HEADER} reused", f"{HEADER} was already used with a different request")


def idempotent(app: APIGatewayRestResolver, next_middleware: NextMiddleware) -> Response[Any]:
    event = app.current_event
    key = event.headers.get(HEADER)
    if key is None:
        return next_middleware(app)
    if not 0 < len(key) <= _MAX_KEY_LENGTH or not key.isprintable():
        raise ValidationFailed(f"{HEADER}: must be 1 to {_MAX_KEY_LENGTH} printable characters")
    body = event.json_body  # the one parser: a refused body is its 400, and no record is claimed for it
    from shared.api import idempotency_store as store  # the first keyed request loads it (module docstring)

    store.config.register_lambda_context(app.lambda_context)
    attempt = {
        "app_id": tenant_id(app),
        "key": key,
        # an absent body is {} (shared/api/http.py): a retry may send either
        "request": {"method": event.http_method, "path": event.path, "body": {} if body is None else body},
    }
    try:
        stored = store.run_once(app, next_middleware, attempt=attempt)
    except store.UnstoredResponse as unstored:
        return unstored.response
    except store.IdempotencyAlreadyInProgressError as error:
        raise RequestInProgress from error
    except store.IdempotencyValidationError as error:
        raise KeyReused from error
    except store.IdempotencyPersistenceLayerError as error:
        # Powertools wraps the store's own error: a throttled idempotency record is a 503 like any other.
        if dynamodb.is_transient(error):
            raise ServiceUnavailable from error
        raise
    return Response(
        status_code=stored["status_code"],
        body=store.stored_body(stored),
        headers=stored["headers"],
        content_type=stored["headers"].get("Content-Type", "application/json"),
    )
