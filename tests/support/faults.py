"""DynamoDB fault injection beneath the SDK: every request the process's clients send to moto passes
through ``FaultInjector``, which records it and, when its plan says so, fails it the way DynamoDB or
the network would:

- ``throttle``: the request is refused (``ProvisionedThroughputExceededException``); nothing is applied.
- ``throttled_transaction``: a hot partition throttles as on-demand tables report it: a transaction is
  cancelled (``TransactionCanceledException``) with the reason ``ThrottlingError`` on each of its items
  the plan's ``hot`` pattern matches (``None`` on the others), any other request is refused with
  ``ThrottlingException``; nothing is applied.
- ``transaction_conflict``: another transaction is changing an item at that moment: a transaction is
  cancelled with the reason ``TransactionConflict`` on each of its items ``hot`` matches, any other
  request refused with ``TransactionConflictException``; nothing is applied.
- ``lost_response``: the request IS applied, then the caller sees a read timeout, as when the
  response is lost on the way back.
- ``crash``: the request IS applied, then the function dies (``Crash``, which no code handles, as when
  the process is killed right after the write): nothing after it runs.

Faults are per attempt, below botocore's retry loop, so the SDK's own retries really happen: a plan
with ``attempts=1`` fails one attempt and the SDK recovers; with ``attempts=None`` every attempt fails
(botocore's ``max_attempts: 3`` means 3 retries, 4 attempts) and the fault reaches the engine. The
SDK's backoff sleeps are skipped and its retry quota is not drawn down while faults are injected, so
tests stay fast and independent.

A plan may aim at partitions: ``hot`` is a pattern of partition keys (``touching(...)``), and a call is
selected when any item it reads or writes lies in a matching partition (a transaction's items, a batch's
keys, a query's partition).

Use ``injecting_faults()`` around a test body (after the moto table exists), then set ``plan``.
"""

from __future__ import annotations

import json
import random
import re
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, Literal

from botocore.exceptions import ReadTimeoutError

from rewards_cli.moto_adapter import intercepted_requests
from tests.support.botocore_retries import immediate_retries

FaultKind = Literal["throttle", "throttled_transaction", "transaction_conflict", "lost_response", "crash"]
THROTTLE_CODE = "ProvisionedThroughputExceededException"
ON_DEMAND_THROTTLE_CODE = "ThrottlingException"
THROTTLED_ITEM_REASON = "ThrottlingError"  # a cancelled transaction's reason for an item on a throttled partition
CONFLICT_CODE = "TransactionConflictException"
CONFLICTED_ITEM_REASON = "TransactionConflict"  # its reason for an item another transaction is changing
WRITE_OPERATIONS = frozenset({"PutItem", "UpdateItem", "DeleteItem", "TransactWriteItems", "BatchWriteItem"})
_ATTEMPT = re.compile(r"attempt=(\d+)")
_TRANSACTION_ACTIONS = ("Put", "Update", "Delete", "ConditionCheck", "Get")
# The equality on a query's partition key in its key condition: ``#pk = :pk`` or ``PK = :v``.
_KEY_EQUALITY = re.compile(r"(#?\w+)\s*=\s*(:\w+)")


class Crash(Exception):
    """The function died right after a write landed."""


@dataclass(frozen=True, slots=True)
class DynamoCall:
    """One call (not one attempt) as the SDK sent it: operation, the item's partition key if it names one
    item, and every partition it reads or writes, in order (one per item of a transaction or batch)."""

    operation: str
    partition_key: str | None
    partitions: tuple[str, ...] = ()

    def touches(self, pattern: re.Pattern[str]) -> bool:
        return any(pattern.search(partition) for partition in self.partitions)


def touching(pattern: str) -> re.Pattern[str]:
    """A pattern of partition keys (``re.search``), e.g. ``r"#CUST#"`` for every customer partition."""
    return re.compile(pattern)


Schedule = Callable[[int], bool]
"""Whether the n-th selected call (counted from 1) is faulted."""


def always(number: int) -> bool:
    return True


def at(*numbers: int) -> Schedule:
    return lambda number: number in numbers


def every_nth(n: int) -> Schedule:
    return lambda number: number % n == 0


def randomly(rate: float, seed: int, *, first: bool = False) -> Schedule:
    """Each call with probability ``rate``, reproducibly for a ``seed``; ``first``: the first one surely."""
    return lambda number: (first and number == 1) or random.Random(f"{seed}:{number}").random() < rate  # noqa: S311


@dataclass(frozen=True, slots=True)
class FaultPlan:
    """Which DynamoDB calls fail, and how: among the calls ``where`` selects (None: all), those ``when``
    picks (``every=n`` is short for ``when=every_nth(n)``); the first ``attempts`` attempts of each fail
    (None: all of them, so the fault survives the SDK's retries)."""

    kind: FaultKind
    when: Schedule = always
    attempts: int | None = None
    where: Callable[[DynamoCall], bool] | None = None
    every: int | None = None
    hot: re.Pattern[str] | None = None  # only calls touching a partition it matches

    def __post_init__(self) -> None:
        if self.every is not None:
            object.__setattr__(self, "when", every_nth(self.every))

    def selects(self, call: DynamoCall) -> bool:
        return (self.where is None or self.where(call)) and (self.hot is None or call.touches(self.hot))


@dataclass(frozen=True, slots=True)
class Injection:
    call: DynamoCall
    attempt: int
    kind: FaultKind


@dataclass
class FaultInjector:
    plan: FaultPlan | None = None
    calls: list[DynamoCall] = field(default_factory=list)
    injections: list[Injection] = field(default_factory=list)
    _selected: int = 0
    _faulted: dict[str, DynamoCall] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def inject(self, plan: FaultPlan | None) -> None:
        """Start a new plan (None: only record); the count of calls starts again."""
        with self._lock:
            self.plan = plan
            self._selected = 0
            self._faulted.clear()

    def reset_records(self) -> None:
        with self._lock:
            self.calls.clear()
            self.injections.clear()

    def calls_of(self, operation: str, partition_key: str | None = None) -> list[DynamoCall]:
        return [
            c
            for c in self.calls
            if c.operation == operation and (partition_key is None or c.partition_key == partition_key)
        ]

    def decide(self, request: Any) -> FaultKind | None:
        """Record the request and return the fault to inject into this attempt, if any (the plan it
        follows is ``self.plan``)."""
        target = request.headers.get("X-Amz-Target") or b""
        operation = (target.decode() if isinstance(target, bytes) else str(target)).rpartition(".")[2]
        if not operation:
            return None
        invocation = _header(request, "amz-sdk-invocation-id")
        found = _ATTEMPT.search(_header(request, "amz-sdk-request"))
        attempt = int(found.group(1)) if found else 1
        with self._lock:
            if attempt == 1:
                document = _document(request.body)
                call = DynamoCall(operation, _partition_key(document), tuple(_partitions(document)))
                self.calls.append(call)
                plan = self.plan
                if plan is not None and plan.selects(call):
                    self._selected += 1
                    if plan.when(self._selected):
                        self._faulted[invocation] = call
            faulted = self._faulted.get(invocation)
            if faulted is None or self.plan is None:
                return None
            if self.plan.attempts is not None and attempt > self.plan.attempts:
                return None
            self.injections.append(Injection(faulted, attempt, self.plan.kind))
            return self.plan.kind


def _header(request: Any, name: str) -> str:
    value = request.headers.get(name) or b""
    return value.decode() if isinstance(value, bytes) else str(value)


def _document(body: Any) -> dict[str, Any]:
    try:
        document = json.loads(body or b"{}")
    except ValueError:
        return {}
    return document if isinstance(document, dict) else {}


def _pk(key: Any) -> str | None:
    pk = key.get("PK", {}).get("S") if isinstance(key, dict) else None
    return pk if isinstance(pk, str) else None


def _partition_key(document: dict[str, Any]) -> str | None:
    return _pk(document.get("Key") or document.get("Item"))


def _index_partitions(item: Any) -> list[str]:
    """The index partitions an item written whole lands on (its ``*PK`` index key attributes): a write whose
    index partition is hot throttles too."""
    if not isinstance(item, dict):
        return []
    return [
        value["S"]
        for name, value in item.items()
        if name != "PK" and name.endswith("PK") and isinstance(value, dict) and isinstance(value.get("S"), str)
    ]


def _item_partitions(action: dict[str, Any]) -> list[str]:
    """The partitions one item of a request reads or writes: its own and, written whole, its index entries'."""
    pk = _pk(action.get("Key") or action.get("Item"))
    return ([pk] if pk is not None else []) + _index_partitions(action.get("Item"))


def _transaction_items(document: dict[str, Any]) -> list[list[str]]:
    """The partitions of each item of a transaction, in order."""
    items: list[list[str]] = []
    for entry in document.get("TransactItems", []):
        action: dict[str, Any] = next((entry[name] for name in _TRANSACTION_ACTIONS if name in entry), {})
        items.append(_item_partitions(action))
    return items


def _partitions(document: dict[str, Any]) -> list[str]:
    """Every partition a request reads or writes: its item's (and that item's index entries'), its
    transaction's or batch's items', or the partition its query reads (of the table or of an index: a hot
    index partition throttles too)."""
    if _partition_key(document) is not None:
        return _item_partitions(document)
    if "TransactItems" in document:
        return [partition for partitions in _transaction_items(document) for partition in partitions]
    found: list[str | None] = []
    for requests in document.get("RequestItems", {}).values():
        if isinstance(requests, dict):  # BatchGetItem: {"Keys": [...]}
            found += [_pk(key) for key in requests.get("Keys", [])]
        else:  # BatchWriteItem: [{"PutRequest": {"Item"}}, {"DeleteRequest": {"Key"}}]
            found += [
                _pk(r.get("PutRequest", {}).get("Item") or r.get("DeleteRequest", {}).get("Key")) for r in requests
            ]
    if "KeyConditionExpression" in document:
        names, values = document.get("ExpressionAttributeNames", {}), document.get("ExpressionAttributeValues", {})
        for name, value in _KEY_EQUALITY.findall(document["KeyConditionExpression"]):
            if names.get(name, name).endswith("PK"):  # the table's PK or an index's *PK
                found.append(values.get(value, {}).get("S"))
    return [pk for pk in found if pk is not None]


def _error(code: str, message: str, **extra: Any) -> tuple[int, dict[str, str], str]:
    body = {"__type": f"com.amazonaws.dynamodb.v20120810#{code}", "message": message, **extra}
    return 400, {"Content-Type": "application/x-amz-json-1.0", "x-amzn-ErrorType": code}, json.dumps(body)


def _throttled() -> tuple[int, dict[str, str], str]:
    return _error(THROTTLE_CODE, "The level of configured provisioned throughput for the table was exceeded.")


_THROTTLED_MESSAGE = "Throughput exceeds the current capacity of your table or index."
_CONFLICT_MESSAGE = "Transaction is ongoing for the item"


def _throttled_on_demand(request: Any, hot: re.Pattern[str] | None) -> tuple[int, dict[str, str], str]:
    """DynamoDB's answer when a partition of an on-demand table is over its limits."""
    return _refused(request, hot, ON_DEMAND_THROTTLE_CODE, THROTTLED_ITEM_REASON, _THROTTLED_MESSAGE)


def _conflicted(request: Any, hot: re.Pattern[str] | None) -> tuple[int, dict[str, str], str]:
    """DynamoDB's answer when another transaction is changing an item the request writes."""
    return _refused(request, hot, CONFLICT_CODE, CONFLICTED_ITEM_REASON, _CONFLICT_MESSAGE)


def _refused(
    request: Any, hot: re.Pattern[str] | None, code: str, item_reason: str, message: str
) -> tuple[int, dict[str, str], str]:
    """A request refused with ``code``; a transaction cancelled with ``item_reason`` on the items ``hot``
    matches (every item without ``hot``)."""
    document = _document(request.body)
    if "TransactItems" not in document:
        return _error(code, message)
    reasons = [
        {"Code": item_reason, "Message": message}
        if partitions and (hot is None or any(hot.search(partition) for partition in partitions))
        else {"Code": "None"}
        for partitions in _transaction_items(document)
    ]
    codes = ", ".join(reason["Code"] for reason in reasons)
    return _error(
        "TransactionCanceledException",
        f"Transaction cancelled, please refer cancellation reasons for specific reasons [{codes}]",
        CancellationReasons=reasons,
    )


@contextmanager
def injecting_faults() -> Iterator[FaultInjector]:
    """Route every moto request through a new ``FaultInjector`` (records only until a plan is set)."""
    injector = FaultInjector()

    def intercept(request: Any, serve: Callable[[], Any]) -> Any:
        kind = injector.decide(request)
        if kind == "throttle":
            return _throttled()
        if kind == "throttled_transaction":
            return _throttled_on_demand(request, injector.plan.hot if injector.plan else None)
        if kind == "transaction_conflict":
            return _conflicted(request, injector.plan.hot if injector.plan else None)
        result = serve()
        if kind == "lost_response":
            raise ReadTimeoutError(endpoint_url=request.url)
        if kind == "crash":
            raise Crash(request.url)
        return result

    with intercepted_requests(intercept), immediate_retries():
        yield injector
