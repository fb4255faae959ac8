"""DynamoDB on-demand capacity units of one call, from its request and response, by DynamoDB's rules
(https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/read-write-operations.html,
.../GSI.html#GSI.ThroughputConsiderations), each charged to the partition it lands on:

- reads: per 4 KB (rounded up, at least one unit) of the item read, or of all items a query returns
  (one partition: the query's partition key, on the table or on the index it names); a batch get is
  a read per item, each on its own partition; half a unit eventually consistent; transactional reads
  two units;
- writes: per 1 KB (rounded up, at least one unit) of the larger of the item before and after the
  write (a failed condition costs the same); transactional writes two units, a ConditionCheck too;
- index writes: a write that adds, changes or removes an item's entry on a global secondary index
  also writes the index (the entry: its projected attributes plus 100 bytes), on the index partition
  of the entry's key; a change of the index key is a delete plus a put (two writes). Transactions do
  not double these (DynamoDB documents the doubling for the table's items only).

Item sizes are computed from the typed attributes (name bytes + value bytes; numbers ~1 byte per two
digits + 1). The items before and after a write are not in the call: the caller passes them
(``Images``, read from the store around the call). Without them a write is sized from the call (a Put's
item, an Update's returned attributes) or one 1 KB unit is assumed, and no index write is seen.
A query's filter is not accounted for (it is charged for what it read, the response shows what it
kept): no hot path filters. One partition key value is taken as one partition (DynamoDB may split a
hot key's item collection by sort key, never a single item or a query of it).
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
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


INDEX_ENTRY_OVERHEAD = 100  # bytes DynamoDB adds to each index entry's size

Item = dict[str, Any]
ItemKey = tuple[str, str]  # (partition key value, sort key value)
# Each written item's image before and after the call, by its key (``None``: absent).
Images = Mapping[ItemKey, tuple[Item | None, Item | None]]


@dataclass(frozen=True, slots=True)
class Index:
    name: str
    hash_key: str
    range_key: str | None
    projection: str  # KEYS_ONLY, ALL or INCLUDE
    included: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Schema:
    hash_key: str = "PK"
    range_key: str | None = "SK"
    indexes: dict[str, Index] = field(default_factory=dict)

    @classmethod
    def of(cls, create_table: Mapping[str, Any]) -> Schema:
        """From ``CreateTable`` arguments (rewards_cli.template.create_table_arguments)."""

        def keys(schema: list[dict[str, str]]) -> tuple[str, str | None]:
            by_type = {k["KeyType"]: k["AttributeName"] for k in schema}
            return by_type["HASH"], by_type.get("RANGE")

        indexes = {}
        for index in create_table.get("GlobalSecondaryIndexes", []):
            projection = index["Projection"]
            indexes[index["IndexName"]] = Index(
                index["IndexName"],
                *keys(index["KeySchema"]),
                projection["ProjectionType"],
                tuple(projection.get("NonKeyAttributes", ())),
            )
        return cls(*keys(create_table["KeySchema"]), indexes)

    def key_of(self, item: Mapping[str, Any]) -> ItemKey:
        return _text(item.get(self.hash_key)), _text(item.get(self.range_key)) if self.range_key else ""


@dataclass(frozen=True, slots=True)
class Charge:
    """Units one call consumed on one partition: a partition key's value, ``Index:value`` on an index."""

    partition: str
    read_units: float = 0.0
    write_units: float = 0.0


def _text(value: Mapping[str, Any] | None) -> str:
    return str(next(iter(value.values()))) if value else ""


def _reads(size: int, consistent: bool) -> float:
    return max(1, math.ceil(size / READ_BLOCK)) * (1.0 if consistent else 0.5)


def _writes(size: int) -> float:
    return float(max(1, math.ceil(size / WRITE_BLOCK)))


def _index_entry(schema: Schema, index: Index, image: Item | None) -> Item | None:
    if not image or index.hash_key not in image or (index.range_key and index.range_key not in image):
        return None
    if index.projection == "ALL":
        return image
    kept = {schema.hash_key, schema.range_key, index.hash_key, index.range_key, *index.included}
    return {name: value for name, value in image.items() if name in kept}


def _index_writes(schema: Schema, before: Item | None, after: Item | None) -> Iterator[Charge]:
    for index in schema.indexes.values():
        old, new = _index_entry(schema, index, before), _index_entry(schema, index, after)
        if old == new:
            continue
        old_key = (_text(old[index.hash_key]), _text(old.get(index.range_key or ""))) if old else None
        new_key = (_text(new[index.hash_key]), _text(new.get(index.range_key or ""))) if new else None
        if old is not None and old_key != new_key:  # removed, or moved: a delete of the old entry
            yield Charge(f"{index.name}:{old_key[0]}", write_units=_writes(item_size(old) + INDEX_ENTRY_OVERHEAD))  # type: ignore[index]
        if new is not None:
            yield Charge(f"{index.name}:{new_key[0]}", write_units=_writes(item_size(new) + INDEX_ENTRY_OVERHEAD))  # type: ignore[index]


def _write(schema: Schema, images: Images | None, key: Item, sized: Item | None, factor: float) -> Iterator[Charge]:
    """One item written: its partition, at the larger of its sizes before and after; its index entries."""
    item_key = schema.key_of(key)
    before, after = images.get(item_key, (None, sized)) if images is not None else (None, sized)
    size = max(item_size(before), item_size(after), item_size(sized))
    yield Charge(item_key[0], write_units=factor * _writes(size))
    if images is not None:
        yield from _index_writes(schema, before, after)


def _query_partition(schema: Schema, params: Mapping[str, Any]) -> str:
    """The partition key value of the query's key condition (``name = :value``)."""
    index = schema.indexes.get(params.get("IndexName", ""))
    wanted = index.hash_key if index else schema.hash_key
    names = params.get("ExpressionAttributeNames", {})
    for name, placeholder in re.findall(r"(#?[\w.]+)\s*=\s*(:\w+)", params.get("KeyConditionExpression", "")):
        if names.get(name, name) == wanted:
            value = _text(params.get("ExpressionAttributeValues", {}).get(placeholder))
            return f"{index.name}:{value}" if index else value
    return ""


def _get(schema: Schema, params: Any, response: Any, images: Images | None) -> Iterator[Charge]:
    consistent = bool(params.get("ConsistentRead"))
    yield Charge(schema.key_of(params.get("Key", {}))[0], _reads(item_size(response.get("Item")), consistent))


def _query(schema: Schema, params: Any, response: Any, images: Images | None) -> Iterator[Charge]:
    size = sum(map(item_size, response.get("Items", [])))
    yield Charge(_query_partition(schema, params), _reads(size, bool(params.get("ConsistentRead"))))


def _batch_get(schema: Schema, params: Any, response: Any, images: Images | None) -> Iterator[Charge]:
    for table, request in params["RequestItems"].items():
        found = {schema.key_of(item): item for item in response.get("Responses", {}).get(table, [])}
        for key in request["Keys"]:
            item_key = schema.key_of(key)
            yield Charge(item_key[0], _reads(item_size(found.get(item_key)), bool(request.get("ConsistentRead"))))


def _transact_get(schema: Schema, params: Any, response: Any, images: Images | None) -> Iterator[Charge]:
    for action, answer in zip(params["TransactItems"], response.get("Responses", []), strict=False):
        yield Charge(schema.key_of(action["Get"]["Key"])[0], 2 * _reads(item_size(answer.get("Item")), True))


def _put(schema: Schema, params: Any, response: Any, images: Images | None) -> Iterator[Charge]:
    yield from _write(schema, images, params["Item"], params["Item"], 1.0)


def _update(schema: Schema, params: Any, response: Any, images: Images | None) -> Iterator[Charge]:
    yield from _write(
        schema, images, params.get("Key") or response.get("Attributes", {}), response.get("Attributes"), 1.0
    )


def _delete(schema: Schema, params: Any, response: Any, images: Images | None) -> Iterator[Charge]:
    yield from _write(schema, images, params["Key"], None, 1.0)


def _transact_write(schema: Schema, params: Any, response: Any, images: Images | None) -> Iterator[Charge]:
    for action in params["TransactItems"]:
        ((kind, body),) = action.items()
        item = body.get("Item") if kind == "Put" else None
        yield from _write(schema, images, item or body.get("Key", {}), item, 2.0)


def _batch_write(schema: Schema, params: Any, response: Any, images: Images | None) -> Iterator[Charge]:
    for requests in params["RequestItems"].values():
        for request in requests:
            item = request.get("PutRequest", {}).get("Item")
            yield from _write(schema, images, item or request["DeleteRequest"]["Key"], item, 1.0)


_CHARGES: dict[str, Callable[[Schema, Any, Any, Images | None], Iterator[Charge]]] = {
    "GetItem": _get,
    "Query": _query,
    "BatchGetItem": _batch_get,
    "TransactGetItems": _transact_get,
    "PutItem": _put,
    "UpdateItem": _update,
    "DeleteItem": _delete,
    "TransactWriteItems": _transact_write,
    "BatchWriteItem": _batch_write,
}


def written_keys(schema: Schema, operation: str, params: Mapping[str, Any]) -> list[Item]:
    """The keys of the items a write call names (to read their images around it)."""
    if operation in ("PutItem", "UpdateItem", "DeleteItem"):
        item = params.get("Item") or params.get("Key", {})
        return [{name: item[name] for name in (schema.hash_key, schema.range_key) if name and name in item}]
    if operation == "TransactWriteItems":
        actions = [next(iter(a.values())) for a in params["TransactItems"]]
        return [
            {n: b.get("Item", b.get("Key", {}))[n] for n in (schema.hash_key, schema.range_key) if n} for b in actions
        ]
    if operation == "BatchWriteItem":
        requests = [r for rs in params["RequestItems"].values() for r in rs]
        bodies = [r.get("PutRequest", {}).get("Item") or r["DeleteRequest"]["Key"] for r in requests]
        return [{n: b[n] for n in (schema.hash_key, schema.range_key) if n} for b in bodies]
    return []


def charges(
    operation: str,
    params: Mapping[str, Any],
    response: Mapping[str, Any],
    images: Images | None = None,
    schema: Schema | None = None,
) -> list[Charge]:
    """Every partition the call consumed units on, and how many (none for calls that consume none)."""
    charge = _CHARGES.get(operation)
    return list(charge(schema or Schema(), params, response, images)) if charge else []


def capacity_units(
    operation: str,
    params: Mapping[str, Any],
    response: Mapping[str, Any],
    images: Images | None = None,
    schema: Schema | None = None,
) -> tuple[float, float]:
    """``(read_units, write_units)`` the call consumed on demand, index writes included."""
    found = charges(operation, params, response, images, schema)
    return sum(c.read_units for c in found), sum(c.write_units for c in found)
