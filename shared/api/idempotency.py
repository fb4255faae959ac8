"""``Idempotency-Key`` for mutating routes: a route declares ``middlewares=[idempotent]``.

Built on Powertools Idempotency. The key hashed is ``[app_id, Idempotency-Key]``, so one application can
never replay or block another's request; the payload checked is the method, path and parsed body, so
the same key with another request is a 409. Only successful responses are stored: a request that
failed changed nothing (every write is conditional or transactional) and may simply be retried.
"""

from __future__ import annotations

import secrets
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, cast

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

if TYPE_CHECKING:
    from mypy_boto3_dynamodb.client import DynamoDBClient

HEADER = "Idempotency-Key"
REPLAYED_HEADER = "Idempotent-Replayed"
_MAX_KEY_LENGTH = 255


def _mark_replayed(response: Any, _: DataRecord) -> Any:  # IdempotentHookFunction
    response["headers"] = {**response.get("headers", {}), REPLAYED_HEADER: "true"}
    return response


class _ClaimTokens:
    """The client the idempotency layer writes through. When the response to a claim's PutItem is lost,
    the SDK's retry meets the claim its own first attempt wrote, and Powertools would answer this very
    request 409 'in progress' until the claim expires. So each claim carries a random token of its
    request, and its condition also accepts an item holding that token: the retry of the same claim
    succeeds, a concurrent duplicate (another token) still does not."""

    def __init__(self, client: Any) -> None:
        self._client = client
        self._local = threading.local()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._client, name)

    @contextmanager
    def claiming(self) -> Iterator[None]:
        self._local.token = secrets.token_hex(16)
        try:
            yield
        finally:
            self._local.token = None

    def put_item(self, **request: Any) -> Any:
        token = getattr(self._local, "token", None)
        if token is not None:
            request["Item"] = {**request["Item"], "claim_token": {"S": token}}
            request["ConditionExpression"] = f"({request['ConditionExpression']}) OR #claim_token = :claim_token"
            request["ExpressionAttributeNames"] = {**request["ExpressionAttributeNames"], "#claim_token": "claim_token"}
            request["ExpressionAttributeValues"] = {
                **request["ExpressionAttributeValues"],
                ":claim_token": {"S": token},
            }
        return self._client.put_item(**request)


class _RetrySafeClaims(DynamoDBPersistenceLayer):
    def __init__(self, tokens: _ClaimTokens, **options: Any) -> None:
        super().__init__(boto3_client=cast("DynamoDBClient", tokens), **options)  # it duck-types the client
        self._tokens = tokens

    def _put_record(self, data_record: DataRecord) -> None:
        with self._tokens.claiming():
            super()._put_record(data_record)


_persistence = _RetrySafeClaims(
    _ClaimTokens(dynamodb.client()),
    table_name=get_settings().table_name,
    key_attr=keys.PK,
    sort_key_attr=keys.SK,
    expiry_attr=keys.TTL_ATTRIBUTE,
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


def idempotent(app: APIGatewayRestResolver, next_middleware: NextMiddleware) -> Response[Any]:
    event = app.current_event
    key = event.headers.get(HEADER)
    if key is None:
        return next_middleware(app)
    if not 0 < len(key) <= _MAX_KEY_LENGTH or not key.isprintable():
        raise ValidationFailed(f"{HEADER}: must be 1 to {_MAX_KEY_LENGTH} printable characters")
    body = event.json_body  # the one parser: a refused body is its 400, and no record is claimed for it
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
