"""bench/capacity.py: DynamoDB's on-demand capacity rules, at their boundaries (4 KB reads, 1 KB writes,
half units for eventually consistent reads, double for transactions)."""

from __future__ import annotations

import pytest

from bench.capacity import capacity_units, item_size


def item_of(size: int) -> dict[str, dict[str, str]]:
    """An item of exactly ``size`` bytes: attribute name "PK" (2 bytes) and a string value."""
    return {"PK": {"S": "x" * (size - 2)}}


def test_item_size_counts_names_and_values() -> None:
    assert item_size({"PK": {"S": "APP#1"}, "n": {"N": "1234"}, "ok": {"BOOL": True}}) == 2 + 5 + 1 + 3 + 2 + 1
    assert item_size({"m": {"M": {"a": {"S": "bc"}}}, "l": {"L": [{"N": "1"}]}}) == (1 + 3 + 1 + 2 + 1) + (
        1 + 3 + 2 + 1
    )
    assert item_size(item_of(100)) == 100


@pytest.mark.parametrize(("size", "units"), [(1, 0.5), (4096, 0.5), (4097, 1.0)])
def test_an_eventually_consistent_read_is_half_a_unit_per_4_kb(size: int, units: float) -> None:
    assert capacity_units("GetItem", {}, {"Item": item_of(size)}) == (units, 0.0)
    assert capacity_units("GetItem", {"ConsistentRead": True}, {"Item": item_of(size)}) == (units * 2, 0.0)


def test_a_missing_item_still_costs_a_read() -> None:
    assert capacity_units("GetItem", {}, {}) == (0.5, 0.0)


def test_a_query_rounds_up_the_total_of_its_items() -> None:
    items = [item_of(1000)] * 5  # 5,000 bytes: two 4 KB blocks
    assert capacity_units("Query", {}, {"Items": items}) == (1.0, 0.0)


@pytest.mark.parametrize(("size", "units"), [(1, 1.0), (1024, 1.0), (1025, 2.0)])
def test_a_write_is_a_unit_per_kb(size: int, units: float) -> None:
    assert capacity_units("PutItem", {"Item": item_of(size)}, {}) == (0.0, units)
    assert capacity_units("UpdateItem", {}, {"Attributes": item_of(size)}) == (0.0, units)


def test_a_transaction_writes_every_action_twice() -> None:
    actions = [{"Put": {"Item": item_of(1025)}}, {"Update": {"Key": {}}}, {"ConditionCheck": {"Key": {}}}]
    assert capacity_units("TransactWriteItems", {"TransactItems": actions}, {}) == (0.0, 2 * 2 + 2 * 1 + 2 * 1)
