"""DynamoDB on-demand capacity units of one call, from its request and response, by DynamoDB's rules
(https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/read-write-operations.html):

- reads: per 4 KB (rounded up, at least one unit) of the item read, or of all items a query returns;
  half a unit eventually consistent; transactional reads two units;
- writes: per 1 KB of the item (rounded up, at least one unit); transactional writes two units.

Item sizes are computed from the typed attributes (name bytes + value bytes; numbers ~1 byte per two
digits + 1). Where the item's size is not in the call (an Update or a Delete inside a transaction,
a DeleteItem), one 1 KB unit is assumed: the engine's items are small (see ``item_size``'s callers).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

READ_BLOCK = 4096
WRITE_BLOCK = 1024


def _number_size(text: str) -> int:
    digits = len(text.lstrip("-").replace(".", "").lstrip("0")) or 1
    return math.ceil(digits / 2) + 1


def _utf8(text: str) -> int:
    return len(text.encode("utf-8"))


_VALUE_SIZES: dict[str, Callable[[Any], int]] = {
    "S": _utf8,
    "N": _number_size,
    "B": len,
    "BOOL": lambda _: 1,
    "NULL": lambda _: 1,
    "M": lambda content: 3 + sum(_utf8(k) + _value_size(v) + 1 for k, v in content.items()),
    "L": lambda content: 3 + sum(_value_size(v) + 1 for v in content),
    "SS": lambda content: sum(map(_utf8, content)),
    "NS": lambda content: sum(map(_number_size, content)),
    "BS": lambda content: sum(map(len, content)),
}


def _value_size(value: dict[str, Any]) -> int:
    kind, content = next(iter(value.items()))
    return _VALUE_SIZES[kind](content)


def item_size(item: dict[str, Any] | None) -> int:
    if not item:
        return 0
    return sum(len(name.encode("utf-8")) + _value_size(value) for name, value in item.items())


def _reads(size: int, consistent: bool) -> float:
    return max(1, math.ceil(size / READ_BLOCK)) * (1.0 if consistent else 0.5)


def _writes(size: int) -> float:
    return float(max(1, math.ceil(size / WRITE_BLOCK)))


def _batch_reads(params: dict[str, Any], response: dict[str, Any]) -> float:
    return sum(
        _reads(item_size(item), bool(params["RequestItems"][table].get("ConsistentRead")))
        for table, items in response.get("Responses", {}).items()
        for item in items
    )


def _transaction_writes(params: dict[str, Any]) -> float:
    """Every action, a ConditionCheck too, is a transactional write of its item."""
    sizes = [item_size(action.get("Put", {}).get("Item")) or WRITE_BLOCK for action in params["TransactItems"]]
    return sum(2 * _writes(size) for size in sizes)


# operation -> (read units, write units) from (request, response)
_UNITS: dict[str, Callable[[dict[str, Any], dict[str, Any]], tuple[float, float]]] = {
    "GetItem": lambda p, r: (_reads(item_size(r.get("Item")), bool(p.get("ConsistentRead"))), 0.0),
    "Query": lambda p, r: (_reads(sum(map(item_size, r.get("Items", []))), bool(p.get("ConsistentRead"))), 0.0),
    "BatchGetItem": lambda p, r: (_batch_reads(p, r), 0.0),
    "TransactGetItems": lambda p, r: (sum(2 * _reads(item_size(x.get("Item")), True) for x in r["Responses"]), 0.0),
    "PutItem": lambda p, r: (0.0, _writes(item_size(p["Item"]))),
    "UpdateItem": lambda p, r: (0.0, _writes(item_size(r.get("Attributes")))),
    "DeleteItem": lambda p, r: (0.0, _writes(WRITE_BLOCK)),
    "TransactWriteItems": lambda p, r: (0.0, _transaction_writes(p)),
}


def capacity_units(operation: str, params: dict[str, Any], response: dict[str, Any]) -> tuple[float, float]:
    """``(read_units, write_units)`` the call consumed on demand (0, 0 for calls that consume none)."""
    units = _UNITS.get(operation)
    return units(params, response) if units else (0.0, 0.0)
