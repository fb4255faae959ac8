"""Read units per partition key: every DynamoDB call made in process (the functions' and the authorizer's)
is charged by bench/capacity.py's rules to the partition it reads. A query's partition is the value of its
key condition's ``<key> = :value``; a batch's units are charged key by key (a key with no item costs a read
too, as in DynamoDB)."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from botocore.client import BaseClient

from bench.capacity import capacity_units, charges

_KEY_CONDITION = re.compile(r"^\s*(\w+)\s*=\s*(:\w+)")


def _partition(key_name: str, value: dict[str, Any]) -> str:
    text = next(iter(value.values()))
    return str(text) if key_name == "PK" else f"{key_name}={text}"


def _charges(operation: str, params: dict[str, Any], response: dict[str, Any]) -> list[tuple[str, float]]:
    if operation == "GetItem":
        return [(_partition("PK", params["Key"]["PK"]), capacity_units(operation, params, response)[0])]
    if operation == "Query":
        matched = _KEY_CONDITION.match(params["KeyConditionExpression"])
        assert matched, params["KeyConditionExpression"]
        key_name, placeholder = matched.groups()
        partition = _partition(key_name, params["ExpressionAttributeValues"][placeholder])
        return [(partition, capacity_units(operation, params, response)[0])]
    if operation == "BatchGetItem":
        return [(charge.partition, charge.read_units) for charge in charges(operation, params, response)]
    assert capacity_units(operation, params, response)[0] == 0, f"{operation} reads: charge it to its partitions"
    return []


@contextmanager
def partition_reads(monkeypatch: pytest.MonkeyPatch) -> Iterator[Counter[str]]:
    """Read units charged per partition key while the block runs."""
    charged: Counter[str] = Counter()
    original = BaseClient._make_api_call  # type: ignore[attr-defined]

    def counting(self: BaseClient, operation: str, params: dict[str, Any]) -> Any:
        response = original(self, operation, params)
        if self.meta.service_model.service_name == "dynamodb":
            for partition, units in _charges(operation, params, response):
                charged[partition] += units  # type: ignore[assignment]  # a Counter of floats
        return response

    with monkeypatch.context() as patch:
        patch.setattr(BaseClient, "_make_api_call", counting)
        yield charged
