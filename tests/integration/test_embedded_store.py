"""The embedded store in process (rewards_cli/embedded_dynamodb.py): a snapshot taken while writes keep
coming, then a restart on its files, gives back exactly the items acknowledged; a failed request leaves
nothing behind, in memory or in the journal."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError
from moto.dynamodb.models import dynamodb_backends

from rewards_cli.embedded_dynamodb import EmbeddedDynamoDB
from rewards_cli.store_files import StorePaths, read_segment

TABLE = "store-test"
FILLER = 1500
WRITERS, OPERATIONS = 4, 60


def _reset_moto() -> None:
    for account_id in list(dynamodb_backends.keys()):
        for region in list(dynamodb_backends[account_id].keys()):
            dynamodb_backends[account_id][region].reset()


@pytest.fixture
def state_file(tmp_path: Path) -> Iterator[Path]:
    """The store's files; moto's in-process state emptied before and after (a restart starts from disk)."""
    _reset_moto()
    yield tmp_path / "dynamodb.json"
    _reset_moto()


def _started(state_file: Path) -> EmbeddedDynamoDB:
    store = EmbeddedDynamoDB("127.0.0.1", 0, state_file)
    store.start()
    store.ensure_table(TABLE)
    return store


def _client(store: EmbeddedDynamoDB, attempts: int = 3) -> Any:
    return boto3.client(
        "dynamodb",
        endpoint_url=store.endpoint_url,
        region_name="us-east-1",
        aws_access_key_id="local",
        aws_secret_access_key="local",
        config=Config(max_pool_connections=WRITERS + 1, retries={"mode": "standard", "max_attempts": attempts}),
    )


def _all_items(client: Any) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    for page in client.get_paginator("scan").paginate(TableName=TABLE):
        items.extend(page["Items"])
    return sorted(items, key=lambda item: json.dumps(item, sort_keys=True))


def _key(pk: str) -> dict[str, Any]:
    return {"PK": {"S": pk}, "SK": {"S": "S"}}


def test_a_snapshot_taken_under_writes_then_a_restart_gives_back_every_acknowledged_item(state_file: Path) -> None:
    store = _started(state_file)
    client = _client(store)
    filler = [{"PutRequest": {"Item": {**_key(f"FILLER#{n}"), "n": {"N": str(n)}}}} for n in range(FILLER)]
    for start in range(0, FILLER, 25):
        client.batch_write_item(RequestItems={TABLE: filler[start : start + 25]})

    def write(writer: int) -> None:
        for number in range(OPERATIONS):
            client.update_item(
                TableName=TABLE,
                Key=_key(f"COUNTER#{number % 5}"),
                UpdateExpression="ADD n :one",
                ExpressionAttributeValues={":one": {"N": "1"}},
            )
            client.put_item(TableName=TABLE, Item={**_key(f"NEW#{writer}#{number}"), "w": {"N": str(writer)}})
            client.delete_item(TableName=TABLE, Key=_key(f"FILLER#{writer * OPERATIONS + number}"))

    writers = [threading.Thread(target=write, args=(w,)) for w in range(WRITERS)]
    for thread in writers:
        thread.start()
    store.compact()  # while the writers run: a fuzzy snapshot, made exact by the journal after it
    for thread in writers:
        thread.join()
    store.compact()
    client.put_item(TableName=TABLE, Item={**_key("AFTER-SNAPSHOT"), "v": {"S": "journal only"}})
    acknowledged = _all_items(client)
    store.stop()

    paths = StorePaths(state_file)
    assert state_file.exists()
    assert [index for index, _ in paths.segments()] == [3], "compacted segments are deleted"
    _reset_moto()
    restarted = _started(state_file)
    try:
        items = _all_items(_client(restarted))
    finally:
        restarted.stop()

    assert items == acknowledged
    counters = [item for item in items if item["PK"]["S"].startswith("COUNTER#")]
    assert sum(int(item["n"]["N"]) for item in counters) == WRITERS * OPERATIONS
    assert len(items) == FILLER - WRITERS * OPERATIONS + WRITERS * OPERATIONS + 5 + 1


def test_a_failed_request_leaves_nothing_in_memory_or_in_the_journal(state_file: Path) -> None:
    store = _started(state_file)
    client = _client(store)
    try:
        client.put_item(TableName=TABLE, Item={**_key("A"), "v": {"S": "1"}})
        before = _all_items(client)
        journal = read_segment(StorePaths(state_file).segments()[-1][1]).records

        with pytest.raises(ClientError):  # the second item is rejected: the first must not stay written
            client.batch_write_item(
                RequestItems={
                    TABLE: [
                        {"PutRequest": {"Item": {**_key("B"), "v": {"S": "2"}}}},
                        {"PutRequest": {"Item": {**_key("C"), "v": {"N": "not a number"}}}},
                    ]
                }
            )
        with pytest.raises(ClientError):
            client.put_item(
                TableName=TABLE, Item={**_key("A"), "v": {"S": "3"}}, ConditionExpression="attribute_not_exists(PK)"
            )

        assert _all_items(client) == before
        assert read_segment(StorePaths(state_file).segments()[-1][1]).records == journal
    finally:
        store.stop()


def test_stop_is_idempotent_and_a_stopped_store_refuses_writes(state_file: Path) -> None:
    store = _started(state_file)
    store.stop()
    store.stop()
    with pytest.raises(Exception):  # noqa: B017, PT011 - the connection is refused or answered 503
        _client(store, attempts=1).put_item(TableName=TABLE, Item=_key("LATE"))
