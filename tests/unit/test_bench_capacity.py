"""bench/capacity.py: DynamoDB's on-demand capacity rules, at their boundaries (4 KB reads, 1 KB writes,
half units for eventually consistent reads, double for transactions), and the partition each unit lands
on (transactions, batch gets, queries, index writes)."""

from __future__ import annotations

import pytest

from bench.capacity import Charge, Images, Index, Schema, capacity_units, charges, item_size, written_keys


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


# ------------------------------------------------------------------------------------------ partitions

SCHEMA = Schema(
    indexes={
        "DueWindows": Index("DueWindows", "DuePK", "DueSK", "KEYS_ONLY"),
        "Redemptions": Index("Redemptions", "RedemptionsPK", "RedemptionsSK", "ALL"),
    }
)


def key(pk: str, sk: str = "S") -> dict[str, dict[str, str]]:
    return {"PK": {"S": pk}, "SK": {"S": sk}}


def sized(pk: str, size: int, **extra: str) -> dict[str, dict[str, str]]:
    """An item of ``pk`` of exactly ``size`` bytes (its ``pad`` attribute fills it up)."""
    item = {**key(pk), **{name: {"S": value} for name, value in extra.items()}}
    item["pad"] = {"S": ""}
    item["pad"] = {"S": "x" * (size - item_size(item))}
    assert item_size(item) == size
    return item


def test_a_transaction_charges_each_item_twice_on_its_own_partition() -> None:
    profile, counter = sized("APP#a#CUST#c", 1500), sized("APP#a#COUPONS", 200)
    actions = [{"Put": {"Item": profile}}, {"Update": {"Key": key("APP#a#COUPONS")}}]
    images: Images = {("APP#a#CUST#c", "S"): (None, profile), ("APP#a#COUPONS", "S"): (counter, counter)}
    found = charges("TransactWriteItems", {"TransactItems": actions}, {}, images, SCHEMA)
    assert found == [Charge("APP#a#CUST#c", write_units=2 * 2.0), Charge("APP#a#COUPONS", write_units=2 * 1.0)]


def test_a_batch_get_reads_each_item_on_its_partition_rounded_per_item() -> None:
    items = [sized("APP#a#CUST#1", 5000), sized("APP#a#CUST#2", 100)]
    keys = [key("APP#a#CUST#1"), key("APP#a#CUST#2"), key("APP#a#CUST#3")]
    params = {"RequestItems": {"t": {"Keys": keys}}}
    found = charges("BatchGetItem", params, {"Responses": {"t": items}}, schema=SCHEMA)
    # 5,000 bytes: two 4 KB blocks; 100 bytes: one; a key not found still costs the smallest read
    assert found == [Charge("APP#a#CUST#1", 1.0), Charge("APP#a#CUST#2", 0.5), Charge("APP#a#CUST#3", 0.5)]


def test_a_query_rounds_its_total_up_to_4_kb_on_the_partition_of_its_key_condition() -> None:
    params = {
        "KeyConditionExpression": "#k0 = :v0 AND begins_with(#k1, :v1)",
        "ExpressionAttributeNames": {"#k0": "PK", "#k1": "SK"},
        "ExpressionAttributeValues": {":v0": {"S": "APP#a#CAMPAIGNS"}, ":v1": {"S": "camp_"}},
    }
    items = [sized("APP#a#CAMPAIGNS", 1000)] * 5  # 5,000 bytes: two blocks, not five
    assert charges("Query", params, {"Items": items}, schema=SCHEMA) == [Charge("APP#a#CAMPAIGNS", 1.0)]
    consistent = {**params, "ConsistentRead": True}
    assert charges("Query", consistent, {"Items": items[:4]}, schema=SCHEMA) == [Charge("APP#a#CAMPAIGNS", 1.0)]
    on_index = {**params, "IndexName": "DueWindows", "ExpressionAttributeNames": {"#k0": "DuePK", "#k1": "DueSK"}}
    assert charges("Query", on_index, {"Items": []}, schema=SCHEMA) == [Charge("DueWindows:APP#a#CAMPAIGNS", 0.5)]


def test_an_index_entry_written_is_charged_to_the_index_partition() -> None:
    window = sized("APP#a#CUST#c", 2000, DuePK="DUE#03", DueSK="0001#x")
    found = charges("PutItem", {"Item": window}, {}, {("APP#a#CUST#c", "S"): (None, window)}, SCHEMA)
    # KEYS_ONLY: the entry is the table's and the index's keys (+100 bytes), well under 1 KB
    assert found == [Charge("APP#a#CUST#c", write_units=2.0), Charge("DueWindows:DUE#03", write_units=1.0)]


def test_an_index_key_moved_is_a_delete_and_a_put_and_an_unprojected_change_writes_no_index() -> None:
    before = sized("APP#a#CUST#c", 300, DuePK="DUE#03", DueSK="0001#x")
    moved = {**before, "DuePK": {"S": "DUE#07"}}
    images: Images = {("APP#a#CUST#c", "S"): (before, moved)}
    found = charges("UpdateItem", {"Key": key("APP#a#CUST#c")}, {}, images, SCHEMA)
    assert found == [
        Charge("APP#a#CUST#c", write_units=1.0),
        Charge("DueWindows:DUE#03", write_units=1.0),
        Charge("DueWindows:DUE#07", write_units=1.0),
    ]
    touched = {**before, "pad": {"S": "changed"}}
    images = {("APP#a#CUST#c", "S"): (before, touched)}
    assert charges("UpdateItem", {"Key": key("APP#a#CUST#c")}, {}, images, SCHEMA) == [
        Charge("APP#a#CUST#c", write_units=1.0)
    ]


def test_an_all_projection_rewrites_its_entry_on_any_change_and_a_delete_removes_it() -> None:
    before = sized("APP#a#R#1", 950, RedemptionsPK="APP#a#REDEMPTIONS#c", RedemptionsSK="1")
    after = {**before, "status": {"S": "reverted"}}  # 964 bytes: one unit on the table
    images: Images = {("APP#a#R#1", "S"): (before, after)}
    assert charges("UpdateItem", {"Key": key("APP#a#R#1")}, {}, images, SCHEMA) == [
        Charge("APP#a#R#1", write_units=1.0),
        Charge("Redemptions:APP#a#REDEMPTIONS#c", write_units=2.0),  # the entry's 100 bytes more pass 1 KB
    ]
    images = {("APP#a#R#1", "S"): (before, None)}
    assert charges("DeleteItem", {"Key": key("APP#a#R#1")}, {}, images, SCHEMA) == [
        Charge("APP#a#R#1", write_units=1.0),
        Charge("Redemptions:APP#a#REDEMPTIONS#c", write_units=2.0),
    ]


def test_a_write_is_sized_by_the_larger_of_the_item_before_and_after() -> None:
    big, small = sized("APP#a#X", 3000), sized("APP#a#X", 20)
    images: Images = {("APP#a#X", "S"): (big, small)}
    assert charges("PutItem", {"Item": small}, {}, images, SCHEMA) == [Charge("APP#a#X", write_units=3.0)]


def test_written_keys_names_every_item_a_write_touches() -> None:
    actions = [{"Put": {"Item": sized("A", 50)}}, {"ConditionCheck": {"Key": key("B")}}, {"Delete": {"Key": key("C")}}]
    assert written_keys(SCHEMA, "TransactWriteItems", {"TransactItems": actions}) == [key("A"), key("B"), key("C")]
    assert written_keys(SCHEMA, "GetItem", {"Key": key("A")}) == []
