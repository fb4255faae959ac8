"""The one DynamoDB client of the process and the few calls the repositories make through it.

Repositories speak plain Python values; this module converts to and from DynamoDB's typed JSON and
turns the store's failures into exceptions the rest of the code can name without knowing botocore:
``ConditionFailed``/``TransactionCancelled`` for lost conditions, ``ServiceUnavailable`` for
throttling, timeouts and other faults that survived the SDK's retries.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cache
from typing import TYPE_CHECKING, Any

import boto3
from boto3.dynamodb.types import TypeDeserializer, TypeSerializer
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from shared.errors import ServiceUnavailable
from shared.settings import get_settings
from shared.values import value_class

if TYPE_CHECKING:
    from mypy_boto3_dynamodb.client import DynamoDBClient

Item = dict[str, Any]

_RETRYABLE_CODES = frozenset(
    {
        "ProvisionedThroughputExceededException",
        "ThrottlingException",
        "RequestLimitExceeded",
        "TransactionConflictException",
        "TransactionInProgressException",
        "InternalServerError",
        "ServiceUnavailable",
    }
)
# A transaction names its reasons without the "Exception" suffix: an item on a throttled partition, or one
# another transaction is changing, cancels it for a reason a retry can outlive, unlike a lost condition.
_THROTTLED_REASONS = frozenset({"ThrottlingError", "ProvisionedThroughputExceeded"})
_CONFLICT_REASON = "TransactionConflict"
_serializer = TypeSerializer()
_EXACT_DIGITS = 38
_LONGEST_EXACT_INTEGER = 10**_EXACT_DIGITS
_deserializer = TypeDeserializer()


class ConditionFailed(Exception):
    """A conditional write lost its condition; ``item`` is the item as stored, when DynamoDB returned it."""

    def __init__(self, item: Item | None) -> None:
        super().__init__("condition failed")
        self.item = item


class TransactionConflicted(ServiceUnavailable):
    """A transaction was cancelled because another one was changing one of its items (and none throttled):
    the caller may read again and retry at once, elsewhere where it can (an allowance's other shards);
    unhandled, it is the 503 any store fault is."""


class TransactionCancelled(Exception):
    """A transaction lost a condition; ``reasons`` holds one code per action (``None`` where it held)."""

    def __init__(self, reasons: list[str | None]) -> None:
        super().__init__(f"transaction cancelled: {reasons}")
        self.reasons = reasons


@cache
def client() -> DynamoDBClient:
    """One session and one client per process: each new one costs ~50 ms of cold start."""
    settings = get_settings()
    session = boto3.session.Session()
    return session.client(
        "dynamodb",
        region_name=settings.region,
        endpoint_url=settings.dynamodb_endpoint_url,
        config=Config(
            retries={"mode": "standard", "max_attempts": 3},
            # DynamoDB validates every request itself; botocore's client-side pass over the parameters
            # was the largest share of the CPU outside the store of an event writing 100 rules (bench (e)).
            parameter_validation=False,
            connect_timeout=2,
            read_timeout=5,
            tcp_keepalive=True,
        ),
    )


def _api() -> Any:
    """The client for this module's own calls: values are built by ``to_item``, so the stubs' per-call
    TypedDicts would only restate that."""
    return client()


def table_name() -> str:
    return get_settings().table_name


def to_attribute(value: Any) -> dict[str, Any]:
    """``value`` typed as the SDK types it (``_sdk_typed``), without its checks of every type in turn for
    the strings, integers, maps and lists our items are made of. One function tested by exact type (a
    subclass, an enum, goes the SDK's way): an order item holds thousands of values (a share per rule and
    item), and a lookup and a lambda call per value added a sixth to the typing of one."""
    kind = type(value)
    if kind is str:
        return {"S": value}
    if kind is int and -_LONGEST_EXACT_INTEGER < value < _LONGEST_EXACT_INTEGER:
        return {"N": str(value)}
    if kind is dict:
        return {"M": {name: to_attribute(member) for name, member in value.items()}}
    if kind is list or kind is tuple:
        return {"L": [to_attribute(member) for member in value]}
    return _other_typed(value)


def _other_typed(value: Any) -> dict[str, Any]:
    if type(value) is bool:
        return {"BOOL": value}
    if value is None:
        return {"NULL": True}
    return _sdk_typed(value)


def _sdk_typed(value: Any) -> dict[str, Any]:
    serialized: Any = _serializer.serialize(_to_storable(value))
    return dict(serialized)


def to_item(values: Mapping[str, Any]) -> dict[str, Any]:
    return {name: to_attribute(value) for name, value in values.items() if value is not None}


def from_item(item: Mapping[str, Any]) -> Item:
    return {name: _read(value) for name, value in item.items()}


def _read(value: Any) -> Any:
    """One typed value, as ``_from_storable(_deserializer.deserialize(value))`` answers it, without the
    SDK's dispatch per value for the types our items hold: reading a page of items spent most of a
    route's own CPU there (a catalogue page and its allowance shards, 180 items: 4 of 6.5 ms)."""
    for kind, raw in value.items():
        if kind in ("S", "BOOL"):
            return raw
        if kind == "N":
            digits = raw[1:] if raw[:1] == "-" else raw
            # An integer the SDK's 38-digit context takes exactly; anything else goes its way.
            if digits.isascii() and digits.isdigit() and len(digits) <= _EXACT_DIGITS:
                return int(raw)
        elif kind == "M":
            return {name: _read(member) for name, member in raw.items()}
        elif kind == "L":
            return [_read(member) for member in raw]
        elif kind == "NULL":
            return None
        break
    return _from_storable(_deserializer.deserialize(value))


def as_read(item: Mapping[str, Any]) -> Item:
    """The item as a read will return it (numbers as DynamoDB keeps them: 10.0 is 10): what a create
    answers, so that its answer and every later read agree."""
    return {name: _from_storable(_to_storable(value)) for name, value in item.items()}


def _to_storable(value: Any) -> Any:
    """DynamoDB numbers are decimals: floats go through their shortest repr so 0.1 stays 0.1."""
    if isinstance(value, float):
        return Decimal(repr(value))
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) >= _LONGEST_EXACT_INTEGER:
        # 10**40 has one significant digit, but as 41 digits the SDK's 38-digit context refuses it.
        return Decimal(value).normalize()
    if isinstance(value, Mapping):
        return {k: _to_storable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_to_storable(v) for v in value]
    return value


def _from_storable(value: Any) -> Any:
    if isinstance(value, Decimal):
        if value == value.to_integral_value():
            return int(value)
        # A float only when it is exactly the stored number (an exact sum may need more digits).
        as_float = float(value)
        return as_float if Decimal(repr(as_float)) == value else value
    if isinstance(value, dict):
        return {k: _from_storable(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_from_storable(v) for v in value]
    if isinstance(value, set):
        return sorted(_from_storable(v) for v in value)
    return value


@contextmanager
def translated_errors() -> Iterator[None]:
    try:
        yield
    except ClientError as error:
        code = error.response.get("Error", {}).get("Code", "")
        if code == "ConditionalCheckFailedException":
            raw: Any = error.response.get("Item")
            raise ConditionFailed(from_item(raw) if raw else None) from error
        if code == "TransactionCanceledException":
            reasons = error.response.get("CancellationReasons", [])
            codes = [None if r.get("Code") in (None, "None") else r.get("Code") for r in reasons]
            if any(c in _THROTTLED_REASONS for c in codes):
                raise ServiceUnavailable from error
            if _CONFLICT_REASON in codes:
                raise TransactionConflicted from error
            raise TransactionCancelled(codes) from error
        if code in _RETRYABLE_CODES:
            raise ServiceUnavailable from error
        raise
    except BotoCoreError as error:
        # Connection errors and read timeouts after the SDK's retries: the write may or may not have
        # landed, so the client is told to retry, and every write is conditional or idempotent.
        raise ServiceUnavailable from error


def is_transient(error: BaseException) -> bool:
    """Whether ``error``, or an exception it was raised from, is a store fault that outlived the SDK's
    retries (throttling, a timeout, a lost connection): for code that calls the client without
    ``translated_errors``, such as Powertools' idempotency layer."""
    current: BaseException | None = error
    while current is not None:
        if isinstance(current, BotoCoreError | ServiceUnavailable):
            return True
        if isinstance(current, ClientError) and current.response.get("Error", {}).get("Code") in _RETRYABLE_CODES:
            return True
        current = current.__cause__ or current.__context__
    return False


def get_item(key: Mapping[str, str], *, consistent: bool = True) -> Item | None:
    with translated_errors():
        response = _api().get_item(TableName=table_name(), Key=to_item(key), ConsistentRead=consistent)
    raw = response.get("Item")
    return from_item(raw) if raw else None


def batch_get(
    item_keys: Sequence[Mapping[str, str]], *, consistent: bool = True, attributes: Sequence[str] = ()
) -> list[Item]:
    """Reads of up to 100 keys in one round trip (more only for unprocessed keys), strongly consistent
    unless told otherwise; ``attributes``: only these (default: whole items)."""
    found: list[Item] = []
    pending: list[dict[str, Any]] = [to_item(dict(key)) for key in dict.fromkeys(_frozen(k) for k in item_keys)]
    projection: dict[str, Any] = {}
    if attributes:
        names = {f"#p{i}": name for i, name in enumerate(attributes)}
        projection = {"ProjectionExpression": ", ".join(names), "ExpressionAttributeNames": names}
    while pending:
        request = {table_name(): {"Keys": pending[:100], "ConsistentRead": consistent, **projection}}
        with translated_errors():
            response = _api().batch_get_item(RequestItems=request)
        found.extend(from_item(item) for item in response.get("Responses", {}).get(table_name(), []))
        unprocessed = response.get("UnprocessedKeys", {}).get(table_name(), {}).get("Keys", [])
        pending = list(unprocessed) + pending[100:]
    return found


def _frozen(key: Mapping[str, str]) -> Any:
    return tuple(sorted(key.items()))


@dataclass(slots=True)
class Expression:
    """An update or condition expression with its placeholders."""

    text: str
    names: dict[str, str] = field(default_factory=dict)
    values: dict[str, Any] = field(default_factory=dict)


def _expression_args(*expressions: Expression | None) -> dict[str, Any]:
    names: dict[str, str] = {}
    values: dict[str, Any] = {}
    for expression in expressions:
        if expression is not None:
            names.update(expression.names)
            values.update(expression.values)
    args: dict[str, Any] = {}
    if names:
        args["ExpressionAttributeNames"] = names
    if values:
        args["ExpressionAttributeValues"] = to_item(values) | {
            k: {"NULL": True} for k, v in values.items() if v is None
        }
    return args


def put_item(item: Mapping[str, Any], *, condition: Expression | None = None) -> None:
    args = _expression_args(condition)
    if condition is not None:
        args["ConditionExpression"] = condition.text
        args["ReturnValuesOnConditionCheckFailure"] = "ALL_OLD"
    with translated_errors():
        _api().put_item(TableName=table_name(), Item=to_item(item), **args)


def update_item(key: Mapping[str, str], update: Expression, *, condition: Expression | None = None) -> Item:
    """Apply ``update`` and return the item as it is afterwards."""
    args = _expression_args(update, condition)
    if condition is not None:
        args["ConditionExpression"] = condition.text
        args["ReturnValuesOnConditionCheckFailure"] = "ALL_OLD"
    with translated_errors():
        response = _api().update_item(
            TableName=table_name(),
            Key=to_item(key),
            UpdateExpression=update.text,
            ReturnValues="ALL_NEW",
            **args,
        )
    return from_item(response.get("Attributes", {}))


@value_class
class Page:
    items: list[Item]
    last_key: Item | None


def query(
    key_condition: Expression,
    *,
    index: str | None = None,
    limit: int | None = None,
    start_key: Mapping[str, Any] | None = None,
    newest_first: bool = False,
    consistent: bool = False,
    filter_expression: Expression | None = None,
) -> Page:
    """One page; ``filter_expression`` drops items after they are read (``limit`` counts items read)."""
    args = _filtered_args(key_condition, filter_expression)
    if index is not None:
        args["IndexName"] = index
    if limit is not None:
        args["Limit"] = limit
    if start_key:
        args["ExclusiveStartKey"] = to_item(start_key)
    with translated_errors():
        response = _api().query(
            TableName=table_name(),
            KeyConditionExpression=key_condition.text,
            ScanIndexForward=not newest_first,
            ConsistentRead=consistent,
            **args,
        )
    last = response.get("LastEvaluatedKey")
    return Page([from_item(i) for i in response.get("Items", [])], from_item(last) if last else None)


def query_all(key_condition: Expression) -> Iterator[Item]:
    """Every item of ``key_condition``, page after page (eventually consistent)."""
    start: Item | None = None
    while True:
        page = query(key_condition, start_key=start)
        yield from page.items
        if page.last_key is None:
            return
        start = page.last_key


def count(key_condition: Expression, *, filter_expression: Expression | None = None) -> int:
    """How many items of ``key_condition`` pass ``filter_expression``, every page of them read (a filter
    saves no read unit) but only the count sent back and parsed, not the items."""
    args = _filtered_args(key_condition, filter_expression)
    total = 0
    while True:
        with translated_errors():
            response = _api().query(
                TableName=table_name(), KeyConditionExpression=key_condition.text, Select="COUNT", **args
            )
        total += int(response.get("Count", 0))
        last = response.get("LastEvaluatedKey")
        if last is None:
            return total
        args["ExclusiveStartKey"] = last


def _filtered_args(key_condition: Expression, filter_expression: Expression | None) -> dict[str, Any]:
    args = _expression_args(key_condition, filter_expression)
    if filter_expression is not None:
        args["FilterExpression"] = filter_expression.text
    return args


@value_class
class Put:
    item: Mapping[str, Any]
    condition: Expression | None = None


@value_class
class Update:
    key: Mapping[str, str]
    update: Expression
    condition: Expression | None = None


@value_class
class Check:
    key: Mapping[str, str]
    condition: Expression


@value_class
class Delete:
    key: Mapping[str, str]
    condition: Expression | None = None


TransactAction = Put | Update | Check | Delete


def transact_write(actions: Sequence[TransactAction], *, token: str | None = None) -> None:
    """All or nothing; a lost condition raises ``TransactionCancelled`` with one reason per action."""
    with translated_errors():
        _api().transact_write_items(
            TransactItems=[_transact_item(action) for action in actions],
            **({"ClientRequestToken": token} if token else {}),
        )


def _transact_item(action: TransactAction) -> dict[str, Any]:
    body: dict[str, Any] = {"TableName": table_name()}
    condition: Expression | None
    match action:
        case Put(item=item, condition=condition):
            body["Item"] = to_item(item)
            kind = "Put"
        case Update(key=key, update=update, condition=condition):
            body["Key"] = to_item(key)
            body["UpdateExpression"] = update.text
            body.update(_expression_args(update, condition))
            kind = "Update"
        case Check(key=key, condition=condition):
            body["Key"] = to_item(key)
            kind = "ConditionCheck"
        case Delete(key=key, condition=condition):
            body["Key"] = to_item(key)
            kind = "Delete"
    if condition is not None:
        body["ConditionExpression"] = condition.text
        if kind != "Update":
            body.update(_expression_args(condition))
        body["ReturnValuesOnConditionCheckFailure"] = "ALL_OLD"
    return {kind: body}
