"""rewards_cli/moto_adapter.py against the installed moto: what it relies on is there, a cancelled
transaction puts back exactly what it touched (also under concurrency) without copying the table, and
the table's stream holds committed writes only. These fail loudly when a moto upgrade moves an internal."""

from __future__ import annotations

import threading
from importlib.metadata import version
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError
from moto.core.botocore_stubber import BotocoreStubber
from moto.dynamodb.models import DynamoDBBackend
from moto.dynamodb.models.dynamo_type import DynamoType, Item
from moto.dynamodb.models.table import Table

from rewards_cli import moto_adapter
from tests.support import botocore_retries
from tests.support.concurrency import fire_together

STREAM_TABLE = "adapter-stream"
FILLER_ITEMS = 40


def _key(pk: str, sk: str = "A") -> dict[str, Any]:
    return {"PK": {"S": pk}, "SK": {"S": sk}}


@pytest.fixture
def streamed(table: str) -> Any:
    """A table with a NEW_AND_OLD_IMAGES stream and filler items, inside the suite's atomic moto."""
    client = boto3.client("dynamodb")
    client.create_table(
        TableName=STREAM_TABLE,
        KeySchema=[{"AttributeName": "PK", "KeyType": "HASH"}, {"AttributeName": "SK", "KeyType": "RANGE"}],
        AttributeDefinitions=[
            {"AttributeName": "PK", "AttributeType": "S"},
            {"AttributeName": "SK", "AttributeType": "S"},
        ],
        BillingMode="PAY_PER_REQUEST",
        StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"},
    )
    for number in range(FILLER_ITEMS):
        client.put_item(TableName=STREAM_TABLE, Item={**_key(f"FILLER#{number}"), "n": {"N": str(number)}})
    return client


def _stream_records(client: Any) -> list[dict[str, Any]]:
    streams = boto3.client("dynamodbstreams")
    arn = client.describe_table(TableName=STREAM_TABLE)["Table"]["LatestStreamArn"]
    shard = streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"][0]["ShardId"]
    iterator = streams.get_shard_iterator(StreamArn=arn, ShardId=shard, ShardIteratorType="TRIM_HORIZON")
    records: list[dict[str, Any]] = streams.get_records(ShardIterator=iterator["ShardIterator"], Limit=10000)["Records"]
    return records


def _all_items(client: Any) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    for page in client.get_paginator("scan").paginate(TableName=STREAM_TABLE):
        items.extend(page["Items"])
    return sorted(items, key=lambda item: (item["PK"]["S"], item["SK"]["S"]))


def test_the_installed_moto_is_the_one_the_adapter_was_read_from() -> None:
    low, high = moto_adapter.SUPPORTED_MOTO
    installed = tuple(int(part) for part in version("moto").split(".")[:2])
    assert low <= installed < high, f"moto {version('moto')}: re-read moto_adapter.py, then widen SUPPORTED_MOTO"
    moto_adapter.check_supported()


def test_the_botocore_retry_internals_the_fault_tests_replace_are_still_there() -> None:
    botocore_retries.check_supported()


def test_the_suite_runs_on_the_same_atomic_wrapper_with_the_adapter_installed(table: str) -> None:
    assert getattr(DynamoDBBackend.transact_write_items, "_rewards_adapter", False)
    assert BotocoreStubber.process_request.__name__ == "process_request"
    assert BotocoreStubber.process_request.__qualname__.startswith("atomic_moto_dispatch"), "one lock around moto"


def test_a_cancelled_transaction_restores_the_touched_items_and_writes_no_stream_record(
    streamed: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    client = streamed
    client.put_item(TableName=STREAM_TABLE, Item={**_key("COUNTER"), "n": {"N": "5"}, "list": {"L": [{"S": "a"}]}})
    client.put_item(TableName=STREAM_TABLE, Item={**_key("DOOMED"), "v": {"S": "kept"}})
    before, records_before = _all_items(client), len(_stream_records(client))

    # Copying the table to roll back is what made a transaction cost O(table): it must not happen.
    def no_table_copies(self: Table, memo: Any) -> Table:
        raise AssertionError("a transaction deep-copied the table")

    monkeypatch.setattr(Table, "__deepcopy__", no_table_copies, raising=False)
    with pytest.raises(ClientError) as cancelled:
        client.transact_write_items(
            TransactItems=[
                {
                    "Update": {
                        "TableName": STREAM_TABLE,
                        "Key": _key("COUNTER"),
                        "UpdateExpression": "ADD n :one SET #l = list_append(#l, :x)",
                        "ExpressionAttributeNames": {"#l": "list"},
                        "ExpressionAttributeValues": {":one": {"N": "1"}, ":x": {"L": [{"S": "b"}]}},
                    }
                },
                {"Put": {"TableName": STREAM_TABLE, "Item": {**_key("NEW"), "v": {"S": "never"}}}},
                {"Delete": {"TableName": STREAM_TABLE, "Key": _key("DOOMED")}},
                {
                    "Update": {
                        "TableName": STREAM_TABLE,
                        "Key": _key("FILLER#7"),
                        "UpdateExpression": "SET n = :x",
                        "ConditionExpression": "n = :wrong",
                        "ExpressionAttributeValues": {":x": {"N": "70"}, ":wrong": {"N": "-1"}},
                    }
                },
            ]
        )

    reasons = [reason["Code"] for reason in cancelled.value.response["CancellationReasons"]]
    assert reasons == ["None", "None", "None", "ConditionalCheckFailed"]
    assert _all_items(client) == before, "every touched item is back as it was, nothing else moved"
    assert len(_stream_records(client)) == records_before, "a cancelled transaction announces nothing"


def test_a_committed_transaction_writes_one_stream_record_per_item(streamed: Any) -> None:
    client = streamed
    records_before = len(_stream_records(client))

    client.transact_write_items(
        TransactItems=[
            {
                "Update": {
                    "TableName": STREAM_TABLE,
                    "Key": _key("CREATED"),
                    "UpdateExpression": "SET v = :v",
                    "ExpressionAttributeValues": {":v": {"S": "x"}},
                }
            },
            {"Put": {"TableName": STREAM_TABLE, "Item": {**_key("FILLER#1"), "n": {"N": "100"}}}},
        ]
    )

    records = _stream_records(client)[records_before:]
    assert [r["eventName"] for r in records] == ["INSERT", "MODIFY"], "an update creating its item: one INSERT"
    assert records[0]["dynamodb"]["NewImage"] == {**_key("CREATED"), "v": {"S": "x"}}
    assert records[1]["dynamodb"]["OldImage"]["n"] == {"N": "1"}
    sequence_numbers = [int(r["dynamodb"]["SequenceNumber"]) for r in _stream_records(client)]
    assert sequence_numbers == sorted(set(sequence_numbers)), "sequence numbers stay unique and ordered"
    assert sequence_numbers[-1] - sequence_numbers[0] == len(sequence_numbers) - 1


def test_an_update_that_fails_half_way_leaves_the_item_as_it_was(streamed: Any) -> None:
    client = streamed
    client.put_item(TableName=STREAM_TABLE, Item={**_key("BIG"), "small": {"S": "x"}})
    before, records_before = _all_items(client), len(_stream_records(client))

    with pytest.raises(ClientError):  # the first SET applies in place, the second makes the item too large
        client.update_item(
            TableName=STREAM_TABLE,
            Key=_key("BIG"),
            UpdateExpression="SET small = :changed, huge = :huge",
            ExpressionAttributeValues={":changed": {"S": "changed"}, ":huge": {"S": "x" * 410_000}},
        )

    assert _all_items(client) == before
    assert len(_stream_records(client)) == records_before


def test_concurrent_transactions_commit_or_roll_back_exactly(streamed: Any) -> None:
    """Each transaction takes one unit of a stock (condition: stock > 0) and writes its claim; more
    transactions than units, all at once: the losers must leave no claim, no stock change, no record."""
    client = streamed
    stock, contenders = 12, 30
    client.put_item(TableName=STREAM_TABLE, Item={**_key("STOCK"), "left": {"N": str(stock)}})
    before = {item["PK"]["S"]: item for item in _all_items(client)}
    records_before = len(_stream_records(client))

    def claim(number: int) -> str:
        try:
            client.transact_write_items(
                TransactItems=[
                    {
                        "Update": {
                            "TableName": STREAM_TABLE,
                            "Key": _key("STOCK"),
                            "UpdateExpression": "ADD #left :minus",
                            "ConditionExpression": "#left > :zero",
                            "ExpressionAttributeNames": {"#left": "left"},
                            "ExpressionAttributeValues": {":minus": {"N": "-1"}, ":zero": {"N": "0"}},
                        }
                    },
                    {
                        "Put": {
                            "TableName": STREAM_TABLE,
                            "Item": {**_key(f"CLAIM#{number}"), "by": {"N": str(number)}},
                            "ConditionExpression": "attribute_not_exists(PK)",
                        }
                    },
                    {
                        "Update": {
                            "TableName": STREAM_TABLE,
                            "Key": _key(f"FILLER#{number}"),
                            "UpdateExpression": "ADD n :one",
                            "ExpressionAttributeValues": {":one": {"N": "1"}},
                        }
                    },
                ]
            )
        except ClientError as error:
            return str(error.response["Error"]["Code"])
        return "committed"

    outcomes = fire_together([lambda n=n: claim(n) for n in range(contenders)])  # type: ignore[misc]

    winners = {n for n, outcome in enumerate(outcomes) if outcome == "committed"}
    assert len(winners) == stock
    assert {outcome for outcome in outcomes if outcome != "committed"} == {"TransactionCanceledException"}
    after = {item["PK"]["S"]: item for item in _all_items(client)}
    assert after["STOCK"]["left"] == {"N": "0"}
    assert {pk for pk in after if pk.startswith("CLAIM#")} == {f"CLAIM#{n}" for n in winners}
    for number in range(contenders):
        filler = f"FILLER#{number}"
        expected = int(before[filler]["n"]["N"]) + (1 if number in winners else 0)
        assert after[filler]["n"] == {"N": str(expected)}, f"{filler}: touched by a losing transaction"
    untouched = {pk for pk in before if pk not in after or after[pk] != before[pk]} - {"STOCK"}
    assert untouched == {f"FILLER#{n}" for n in winners}
    assert len(_stream_records(client)) - records_before == 3 * stock, "three records per committed claim only"


def test_change_sets_nest_and_report_after_images(streamed: Any) -> None:
    client = streamed
    with moto_adapter.recording() as outer:
        client.put_item(TableName=STREAM_TABLE, Item={**_key("NESTED"), "v": {"S": "1"}})
        client.delete_item(TableName=STREAM_TABLE, Key=_key("FILLER#3"))
        changes = outer.changes()
        outer.rollback()

    assert [(c.table_name, c.key, c.image) for c in changes] == [
        (STREAM_TABLE, _key("NESTED"), {**_key("NESTED"), "v": {"S": "1"}}),
        (STREAM_TABLE, _key("FILLER#3"), None),
    ]
    assert "Item" not in client.get_item(TableName=STREAM_TABLE, Key=_key("NESTED"))
    assert client.get_item(TableName=STREAM_TABLE, Key=_key("FILLER#3"))["Item"]["n"] == {"N": "3"}


def test_a_thread_records_only_its_own_writes(streamed: Any) -> None:
    client = streamed
    other = threading.Thread(
        target=lambda: client.put_item(TableName=STREAM_TABLE, Item={**_key("OTHER"), "v": {"S": "x"}})
    )
    with moto_adapter.recording() as mine:
        other.start()
        other.join()
    assert mine.changes() == []


def _query(client: Any, partition: str, **more: Any) -> list[str]:
    response = client.query(
        TableName=STREAM_TABLE,
        KeyConditionExpression="PK = :pk",
        ExpressionAttributeValues={":pk": {"S": partition}},
        **more,
    )
    return [item["SK"]["S"] for item in response["Items"]]


def test_a_query_reads_its_partition_only_and_answers_as_before(streamed: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    client = streamed
    for sort_key in ("c", "a", "e", "b", "d"):
        client.put_item(TableName=STREAM_TABLE, Item=_key("WANTED", sort_key))
    comparisons = 0
    compare = DynamoType.__lt__

    def counting(self: DynamoType, other: DynamoType) -> bool:
        nonlocal comparisons
        comparisons += 1
        return compare(self, other)

    monkeypatch.setattr(DynamoType, "__lt__", counting)
    ascending = _query(client, "WANTED")
    monkeypatch.setattr(DynamoType, "__lt__", compare)

    descending = _query(client, "WANTED", ScanIndexForward=False)
    first_page = client.query(
        TableName=STREAM_TABLE,
        KeyConditionExpression="PK = :pk",
        ExpressionAttributeValues={":pk": {"S": "WANTED"}},
        Limit=2,
    )
    second_page = _query(client, "WANTED", Limit=2, ExclusiveStartKey=first_page["LastEvaluatedKey"])

    assert ascending == ["a", "b", "c", "d", "e"]
    assert descending == ["e", "d", "c", "b", "a"]
    assert ([item["SK"]["S"] for item in first_page["Items"]], second_page) == (["a", "b"], ["c", "d"])
    assert _query(client, "NOWHERE") == []
    # Sorting the whole table (FILLER_ITEMS other partitions) would take hundreds of comparisons.
    assert comparisons <= 10, f"{comparisons} comparisons: one query sorted more than its 5 items"


def test_a_query_of_an_index_still_finds_and_orders_across_partitions(table: str) -> None:
    client = boto3.client("dynamodb")
    index_table = "adapter-index"
    client.create_table(
        TableName=index_table,
        KeySchema=[{"AttributeName": "PK", "KeyType": "HASH"}, {"AttributeName": "SK", "KeyType": "RANGE"}],
        AttributeDefinitions=[{"AttributeName": name, "AttributeType": "S"} for name in ("PK", "SK", "G", "GS")],
        BillingMode="PAY_PER_REQUEST",
        GlobalSecondaryIndexes=[
            {
                "IndexName": "ByG",
                "KeySchema": [{"AttributeName": "G", "KeyType": "HASH"}, {"AttributeName": "GS", "KeyType": "RANGE"}],
                "Projection": {"ProjectionType": "ALL"},
            }
        ],
    )
    for number, order in enumerate(("3", "1", "2")):
        item = {**_key(f"P{number}"), "G": {"S": "due"}, "GS": {"S": order}}
        client.put_item(TableName=index_table, Item=item)
    client.put_item(TableName=index_table, Item={**_key("OTHER"), "G": {"S": "later"}, "GS": {"S": "0"}})

    found = client.query(
        TableName=index_table,
        IndexName="ByG",
        KeyConditionExpression="G = :g",
        ExpressionAttributeValues={":g": {"S": "due"}},
    )["Items"]

    assert [(item["PK"]["S"], item["GS"]["S"]) for item in found] == [("P1", "1"), ("P2", "2"), ("P0", "3")]


def test_loaded_items_are_the_items_moto_would_have_built(streamed: Any) -> None:
    client = streamed
    image = {
        **_key("LOADED"),
        "n": {"N": "1"},
        "m": {"M": {"l": {"L": [{"S": "x"}, {"NULL": True}]}}},
        "b": {"B": "AAE="},
    }
    table = moto_adapter.find_table("123456789012", "us-east-1", STREAM_TABLE)
    assert table is not None

    assert moto_adapter.load_items(table, [image]) == 1

    loaded = table.get_item(DynamoType(image["PK"]), DynamoType(image["SK"]))
    built_by_moto = Item(DynamoType(image["PK"]), DynamoType(image["SK"]), image)
    assert loaded is not None
    assert loaded == built_by_moto
    assert loaded.size() == built_by_moto.size()
    assert loaded.to_json() == built_by_moto.to_json()
    client.update_item(
        TableName=STREAM_TABLE,
        Key=_key("LOADED"),
        UpdateExpression="ADD n :one",
        ExpressionAttributeValues={":one": {"N": "1"}},
    )
    assert client.get_item(TableName=STREAM_TABLE, Key=_key("LOADED"))["Item"]["n"] == {"N": "2"}
