"""How the store's failures are named (shared/storage/dynamodb.py): every way DynamoDB reports a throttled
partition is ``ServiceUnavailable`` (the 503 a client retries), never a lost condition the engine would
re-read and retry at once against the same hot partition."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError

from shared.errors import ServiceUnavailable
from shared.storage.dynamodb import TransactionCancelled, is_transient, translated_errors


def client_error(code: str, **response: Any) -> ClientError:
    parsed: Any = {"Error": {"Code": code, "Message": "..."}, **response}  # botocore's parsed response
    return ClientError(parsed, "TransactWriteItems")


def cancelled(*reasons: str) -> ClientError:
    return client_error("TransactionCanceledException", CancellationReasons=[{"Code": r} for r in reasons])


def raised(error: ClientError) -> BaseException:
    try:
        with translated_errors():
            raise error
    except Exception as translated:  # what it became is the point
        return translated
    raise AssertionError("nothing was raised")


THROTTLE_CODES = ["ProvisionedThroughputExceededException", "ThrottlingException", "RequestLimitExceeded"]


@pytest.mark.parametrize("code", THROTTLE_CODES)
def test_a_throttled_request_is_service_unavailable(code: str) -> None:
    error = raised(client_error(code))
    assert isinstance(error, ServiceUnavailable)
    assert is_transient(error.__cause__ or error)


@pytest.mark.parametrize("reason", ["ThrottlingError", "ProvisionedThroughputExceeded", "TransactionConflict"])
def test_a_transaction_cancelled_for_a_throttled_or_busy_item_is_service_unavailable(reason: str) -> None:
    assert isinstance(raised(cancelled("None", reason)), ServiceUnavailable)


def test_a_transaction_cancelled_for_a_lost_condition_names_its_reasons() -> None:
    error = raised(cancelled("None", "ConditionalCheckFailed"))
    assert isinstance(error, TransactionCancelled)
    assert error.reasons == [None, "ConditionalCheckFailed"]
