"""``Idempotency-Key`` for mutating routes: a route declares ``middlewares=[idempotency_key]``.

Built on Powertools Idempotency. The key hashed is ``[app_id, Idempotency-Key]``, so one application can
never replay or block another's request; the payload checked is the method, path and parsed body, so
the same key with another request is a 409. Only successful responses are stored: a request that
failed changed nothing (every write is conditional or transactional) and may simply be retried.
"""

from __future__ import annotations

import json
from typing import Any

from aws_lambda_powertools.event_handler import APIGatewayRestResolver, Response
from aws_lambda_powertools.event_handler.middlewares import NextMiddleware
from aws_lambda_powertools.utilities.idempotency import (
    DynamoDBPersistenceLayer,
    IdempotencyConfig,
    idempotent_function,
)
from aws_lambda_powertools.utilities.idempotency.exceptions import (
    IdempotencyAlreadyInProgressError,
    IdempotencyPersistenceLayerError,
    IdempotencyValidationError,
)
from aws_lambda_powertools.utilities.idempotency.persistence.datarecord import DataRecord

from shared.api.context import tenant_id
from shared.errors import Conflict, ServiceUnavailable, ValidationFailed
from shared.settings import get_settings
from shared.storage import dynamodb, keys

HEADER = "Idempotency-Key"
REPLAYED_HEADER = "Idempotent-Replayed"
_MAX_KEY_LENGTH = 255


def _mark_replayed(response: Any, _: DataRecord) -> Any:  # IdempotentHookFunction
    response["headers"] = {**response.get("headers", {}), REPLAYED_HEADER: "true"}
    return response


_persistence = DynamoDBPersistenceLayer(
    table_name=get_settings().table_name,
    key_attr=keys.PK,
    sort_key_attr=keys.SK,
    expiry_attr=keys.TTL_ATTRIBUTE,
    boto3_client=dynamodb.client(),
)
_config = IdempotencyConfig(
    event_key_jmespath="[app_id, key]",
    payload_validation_jmespath="request",
    raise_on_no_idempotency_key=True,
    expires_after_seconds=get_settings().idempotency_ttl_seconds,
    response_hook=_mark_replayed,  # type: ignore[arg-type]  # its Protocol names the parameters
)


class RequestInProgress(Conflict):
    retry_after_seconds = 1

    def __init__(self) -> None:
        super().__init__("Request in progress", f"a request with this {HEADER} is still being processed")


class KeyReused(Conflict):
    def __init__(self) -> None:
        super().__init__(f"{HEADER} reused", f"{HEADER} was already used with a different request")


class _FailedResponse(Exception):
    """Carries a 5xx response out of the idempotent section, so that no record of it is kept."""

    def __init__(self, response: Response[Any]) -> None:
        super().__init__(response.status_code)
        self.response = response


@idempotent_function(data_keyword_argument="attempt", persistence_store=_persistence, config=_config, key_prefix="http")
def _run_once(
    app: APIGatewayRestResolver, next_middleware: NextMiddleware, *, attempt: dict[str, Any]
) -> dict[str, Any]:
    del attempt  # hashed by the decorator; the request itself is read from the resolver
    response = next_middleware(app)
    if response.status_code >= 500:
        raise _FailedResponse(response)
    return {"status_code": response.status_code, "body": response.body, "headers": dict(response.headers)}


def idempotency_key(app: APIGatewayRestResolver, next_middleware: NextMiddleware) -> Response[Any]:
    event = app.current_event
    key = event.headers.get(HEADER)
    if key is None:
        return next_middleware(app)
    if not 0 < len(key) <= _MAX_KEY_LENGTH or not key.isprintable():
        raise ValidationFailed(f"{HEADER}: must be 1 to {_MAX_KEY_LENGTH} printable characters")
    try:
        body: Any = json.loads(event.body) if event.body else None
    except ValueError:
        body = event.body
    _config.register_lambda_context(app.lambda_context)
    attempt = {
        "app_id": tenant_id(app),
        "key": key,
        "request": {"method": event.http_method, "path": event.path, "body": body},
    }
    try:
        stored = _run_once(app, next_middleware, attempt=attempt)
    except _FailedResponse as failed:
        return failed.response
    except IdempotencyAlreadyInProgressError as error:
        raise RequestInProgress from error
    except IdempotencyValidationError as error:
        raise KeyReused from error
    except IdempotencyPersistenceLayerError as error:
        # Powertools wraps the store's own error: a throttled idempotency record is a 503 like any other.
        if dynamodb.is_transient(error):
            raise ServiceUnavailable from error
        raise
    return Response(
        status_code=stored["status_code"],
        body=stored["body"],
        headers=stored["headers"],
        content_type=stored["headers"].get("Content-Type", "application/json"),
    )
