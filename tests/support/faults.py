"""DynamoDB fault injection beneath the SDK: every request the process's clients send to moto passes
through ``FaultInjector``, which records it and, when its plan says so, fails it the way DynamoDB or
the network would:

- ``throttle``: the request is refused (``ProvisionedThroughputExceededException``); nothing is applied.
- ``lost_response``: the request IS applied, then the caller sees a read timeout, as when the
  response is lost on the way back.
- ``crash``: the request IS applied, then the function dies (``Crash``, which no code handles, as when
  the process is killed right after the write): nothing after it runs.

Faults are per attempt, below botocore's retry loop, so the SDK's own retries really happen: a plan
with ``attempts=1`` fails one attempt and the SDK recovers; with ``attempts=None`` every attempt fails
(botocore's ``max_attempts: 3`` means 3 retries, 4 attempts) and the fault reaches the engine. The
SDK's backoff sleeps are skipped and its retry quota is not drawn down while faults are injected, so
tests stay fast and independent.

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
from botocore.retries import quota, standard
from moto.core.botocore_stubber import BotocoreStubber

FaultKind = Literal["throttle", "lost_response", "crash"]
THROTTLE_CODE = "ProvisionedThroughputExceededException"
WRITE_OPERATIONS = frozenset({"PutItem", "UpdateItem", "DeleteItem", "TransactWriteItems", "BatchWriteItem"})
_ATTEMPT = re.compile(r"attempt=(\d+)")


class Crash(Exception):
    """The function died right after a write landed."""


@dataclass(frozen=True, slots=True)
class DynamoCall:
    """One call (not one attempt) as the SDK sent it: operation, the item's partition key if any."""

    operation: str
    partition_key: str | None


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

    def __post_init__(self) -> None:
        if self.every is not None:
            object.__setattr__(self, "when", every_nth(self.every))

    def selects(self, call: DynamoCall) -> bool:
        return self.where is None or self.where(call)


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
        """Record the request and return the fault to inject into this attempt, if any."""
        target = request.headers.get("X-Amz-Target") or b""
        operation = (target.decode() if isinstance(target, bytes) else str(target)).rpartition(".")[2]
        if not operation:
            return None
        invocation = _header(request, "amz-sdk-invocation-id")
        found = _ATTEMPT.search(_header(request, "amz-sdk-request"))
        attempt = int(found.group(1)) if found else 1
        with self._lock:
            if attempt == 1:
                call = DynamoCall(operation, _partition_key(request.body))
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


def _partition_key(body: Any) -> str | None:
    try:
        document = json.loads(body or b"{}")
    except ValueError:
        return None
    key = document.get("Key") or document.get("Item") or {}
    pk = key.get("PK", {}).get("S") if isinstance(key, dict) else None
    return pk if isinstance(pk, str) else None


def _throttled() -> tuple[int, dict[str, str], str]:
    body = {
        "__type": f"com.amazonaws.dynamodb.v20120810#{THROTTLE_CODE}",
        "message": "The level of configured provisioned throughput for the table was exceeded.",
    }
    return 400, {"Content-Type": "application/x-amz-json-1.0", "x-amzn-ErrorType": THROTTLE_CODE}, json.dumps(body)


@contextmanager
def injecting_faults() -> Iterator[FaultInjector]:
    """Route every moto request through a new ``FaultInjector`` (records only until a plan is set)."""
    injector = FaultInjector()
    original = BotocoreStubber.process_request

    def process_request(self: BotocoreStubber, request: Any) -> Any:
        kind = injector.decide(request)
        if kind == "throttle":
            return _throttled()
        result = original(self, request)
        if kind == "lost_response":
            raise ReadTimeoutError(endpoint_url=request.url)
        if kind == "crash":
            raise Crash(request.url)
        return result

    def no_backoff(self: Any, context: Any) -> float:
        return 0.0

    def unlimited(self: Any, capacity_amount: int) -> bool:
        return True

    saved = (standard.ExponentialBackoff.delay_amount, quota.RetryQuota.acquire)
    BotocoreStubber.process_request = process_request  # type: ignore[method-assign]
    standard.ExponentialBackoff.delay_amount = no_backoff  # type: ignore[method-assign]
    quota.RetryQuota.acquire = unlimited  # type: ignore[method-assign]
    try:
        yield injector
    finally:
        BotocoreStubber.process_request = original  # type: ignore[method-assign]
        standard.ExponentialBackoff.delay_amount, quota.RetryQuota.acquire = saved  # type: ignore[method-assign]
