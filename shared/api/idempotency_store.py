"""The Powertools Idempotency machinery behind ``shared.api.idempotency``: its persistence layer on the
single table, its configuration, and the idempotent section a keyed request runs in.

Imported on the first request that carries an ``Idempotency-Key``, not at cold start: requests without
the header (most reads of the API and many callers' writes) never load Powertools Idempotency nor
build its persistence layer, measured at ~30 ms of CPU per cold start.
"""

from __future__ import annotations

import base64
import json
import secrets
import threading
import zlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import partial
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

from shared.retries import pause_after_lost_race
from shared.settings import get_settings
from shared.storage import dynamodb, keys

if TYPE_CHECKING:
    from mypy_boto3_dynamodb.client import DynamoDBClient

REPLAYED_HEADER = "Idempotent-Replayed"
# Larger answers are stored compressed (an event that changed hundreds of rules), within the 400 KB item limit.
COMPRESS_FROM_BYTES = 32 * 1024
# An answer still larger once compressed (an event matching well over a thousand rules) is not kept: its
# record would exceed the item limit, and failing to save it would turn a success into a 500. Only event
# ingestion answers that much, and its retry with the same key is exactly once by its own per-rule
# delivery markers (shared/domain/events.py), which also rebuild the whole answer.
MAX_STORED_BODY_BYTES = 300 * 1024
# Calls a write of the idempotency record (the claim, the saved answer, the release) gets when a fault
# outlives the SDK's retries: a claim whose answers were all lost, a release or a save that failed, left
# as they are, keep the claim in progress, and the client's retry would get 409 until it expires with the
# function's timeout. One more call after a short pause gets through a passing fault (each record is a
# partition of its own); a third fault in a row still leaves the claim to expire.
RECORD_WRITE_CALLS = 2

__all__ = [
    "IdempotencyAlreadyInProgressError",
    "IdempotencyPersistenceLayerError",
    "IdempotencyValidationError",
    "UnstoredResponse",
    "config",
    "run_once",
    "stored_body",
]


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


def _written(write: Callable[[], None]) -> None:
    """``write`` made, called again after a fault that outlived the SDK's retries (RECORD_WRITE_CALLS)."""
    for call in range(1, RECORD_WRITE_CALLS + 1):
        try:
            write()
        except Exception as error:
            if call == RECORD_WRITE_CALLS or not dynamodb.is_transient(error):
                raise
            pause_after_lost_race(call)
        else:
            return


class _RetrySafeClaims(DynamoDBPersistenceLayer):
    def __init__(self, tokens: _ClaimTokens, **options: Any) -> None:
        super().__init__(boto3_client=cast("DynamoDBClient", tokens), **options)  # it duck-types the client
        self._tokens = tokens

    def _put_record(self, data_record: DataRecord) -> None:
        # the call made again carries the same token: the claim its lost answers wrote lets it through
        with self._tokens.claiming():
            _written(partial(super()._put_record, data_record))

    def _update_record(self, data_record: DataRecord) -> None:
        _written(partial(super()._update_record, data_record))

    def _delete_record(self, data_record: DataRecord) -> None:
        _written(partial(super()._delete_record, data_record))

    def _get_key(self, idempotency_key: str) -> dict[str, Any]:
        """Every record a partition of its own (keys.idempotency_record), not all of a function's on one."""
        record = keys.idempotency_record(self.static_pk_value, idempotency_key)
        return {name: {"S": value} for name, value in record.items()}


_persistence = _RetrySafeClaims(
    _ClaimTokens(dynamodb.client()),
    table_name=get_settings().table_name,
    key_attr=keys.PK,
    sort_key_attr=keys.SK,
    expiry_attr=keys.TTL_ATTRIBUTE,
)
config = IdempotencyConfig(
    event_key_jmespath="[app_id, key]",
    payload_validation_jmespath="request",
    raise_on_no_idempotency_key=True,
    expires_after_seconds=get_settings().idempotency_ttl_seconds,
    response_hook=_mark_replayed,  # type: ignore[arg-type]  # its Protocol names the parameters
)


class UnstoredResponse(Exception):
    """Carries a response out of the idempotent section with no record kept: a 5xx (the request changed
    nothing and may be retried), or an answer too large for the record (MAX_STORED_BODY_BYTES)."""

    def __init__(self, response: Response[Any]) -> None:
        super().__init__(response.status_code)
        self.response = response


@idempotent_function(data_keyword_argument="attempt", persistence_store=_persistence, config=config, key_prefix="http")
def run_once(
    app: APIGatewayRestResolver, next_middleware: NextMiddleware, *, attempt: dict[str, Any]
) -> dict[str, Any]:
    del attempt  # hashed by the decorator; the request itself is read from the resolver
    response = next_middleware(app)
    if response.status_code >= 500:
        raise UnstoredResponse(response)
    stored = {"status_code": response.status_code, "body": response.body, "headers": dict(response.headers)}
    # The route's answer is still a dict here (the resolver serialises it after the middlewares).
    text = response.body if isinstance(response.body, str) else json.dumps(response.body, separators=(",", ":"))
    if len(text) >= COMPRESS_FROM_BYTES:
        compressed = base64.b64encode(zlib.compress(text.encode())).decode()
        if len(compressed) > MAX_STORED_BODY_BYTES:
            raise UnstoredResponse(response)
        stored |= {"body": compressed, "encoding": "zlib"}
    return stored


def stored_body(stored: dict[str, Any]) -> Any:
    if stored.get("encoding") == "zlib":
        return zlib.decompress(base64.b64decode(stored["body"])).decode()
    return stored["body"]
