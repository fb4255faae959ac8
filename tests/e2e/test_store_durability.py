"""The local runner's embedded store as a real process: nothing acknowledged is lost to a SIGKILL, a torn
journal tail or a stop during start-up; concurrent clients all get served; SIGTERM twice stops it cleanly."""

from __future__ import annotations

import json
import signal
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest

from rewards_cli.embedded_dynamodb import template_table
from rewards_cli.store_files import StorePaths, write_snapshot
from tests.e2e.runner import PLAN_REFRESH_SECONDS, LocalRunner, run_rewards
from tests.support.concurrency import fire_together

pytestmark = pytest.mark.e2e

TABLE = "rewards-e2e"
CONCURRENT_CLIENTS = 100
# SIGTERM must stop the runner within a few seconds (it only closes its journal).
STOP_SECONDS = 10.0


@pytest.fixture
def state_file(tmp_path: Path) -> Path:
    return tmp_path / "store" / "dynamodb.json"


@pytest.fixture
def runner(state_file: Path) -> Iterator[LocalRunner]:
    state_file.parent.mkdir(parents=True, exist_ok=True)
    runner = LocalRunner(state_file, table_name=TABLE)
    try:
        yield runner
    finally:
        print(runner.output)
        runner.kill()


def _store_client(runner: LocalRunner) -> Any:
    return boto3.client(
        "dynamodb",
        endpoint_url=runner.store_env["DYNAMODB_ENDPOINT_URL"],
        region_name="us-east-1",
        aws_access_key_id="local",
        aws_secret_access_key="local",
    )


def _all_items(runner: LocalRunner) -> list[dict[str, Any]]:
    """Every item the API's writes made. The daily statistics are left out: the runner's stream consumer
    writes them in the background a moment after each change, acknowledged to no client, so a kill may
    come before or after them."""
    items: list[dict[str, Any]] = []
    for page in _store_client(runner).get_paginator("scan").paginate(TableName=TABLE):
        items.extend(item for item in page["Items"] if "#STATS" not in item["PK"]["S"])
    return sorted(items, key=lambda item: json.dumps(item, sort_keys=True))


def _write_customers_and_events(runner: LocalRunner, prefix: str, count: int) -> list[dict[str, Any]]:
    """``count`` customers, each with one event, four clients at a time; the acknowledged customers."""
    http, auth = runner.client(), runner.demo_authorization

    def write(number: int) -> dict[str, Any]:
        source_id = f"{prefix}-{number}"
        created = http.request("PUT", f"/customers/{source_id}", json_body={"name": f"N{number}"}, authorization=auth)
        assert created.status == 201, created.body
        event = {"source_id": source_id, "event_name": "order_placed", "properties": {"amount": number}}
        ingested = http.request("POST", "/events", json_body=event, authorization=auth)
        assert ingested.status < 300, ingested.body
        customer: dict[str, Any] = created.json()
        return customer

    written: list[dict[str, Any]] = []
    for start in range(0, count, 4):
        written += fire_together([lambda n=n: write(n) for n in range(start, min(count, start + 4))])  # type: ignore[misc]
    return written


def test_a_sigkill_right_after_a_2xx_loses_nothing_and_the_journal_replays_the_same_items(
    runner: LocalRunner, state_file: Path
) -> None:
    runner.start()
    _write_customers_and_events(runner, "before", 12)
    http, auth = runner.client(), runner.demo_authorization
    items_before = _all_items(runner)

    last = http.request("PUT", "/customers/the-last", json_body={"name": "Last"}, authorization=auth)
    assert last.status == 201, last.body
    runner.kill()  # SIGKILL, right after the 2xx

    runner.start()
    fetched = runner.client().request("GET", "/customers/the-last", authorization=runner.demo_authorization)
    assert fetched.status == 200, "the customer acknowledged just before the kill is there"
    assert fetched.json() == last.json()
    after = _all_items(runner)
    assert [item for item in after if item not in items_before] == [
        item for item in after if "the-last" in json.dumps(item)
    ], "replaying the journal gives back exactly the items before the kill, plus the last customer"
    assert all(item in after for item in items_before)


def test_a_torn_journal_tail_is_dropped_and_everything_before_it_kept(runner: LocalRunner, state_file: Path) -> None:
    runner.start()
    _write_customers_and_events(runner, "kept", 4)
    items_before = _all_items(runner)
    runner.kill()
    newest = StorePaths(state_file).segments()[-1][1]
    with open(newest, "ab") as journal:  # a crash in the middle of writing a record
        journal.write(b'0badc0de {"items": [["123456789012", "us-east-1", "rewards-e2e", {"PK": {"S": "TORN"')

    runner.start()

    assert "dropped a torn last record" in runner.output
    assert _all_items(runner) == items_before


def test_a_restart_after_a_snapshot_compacted_the_journal_keeps_everything(
    runner: LocalRunner, state_file: Path
) -> None:
    """A snapshot written by a previous run, then this run's journal over it."""
    filler = [{"PK": {"S": f"FILLER#{n}"}, "SK": {"S": "F"}, "n": {"N": str(n)}} for n in range(2000)]
    state_file.parent.mkdir(parents=True, exist_ok=True)
    write_snapshot(StorePaths(state_file), 1, [(template_table(TABLE, []), [json.dumps(item) for item in filler])])
    runner.start()
    client = _store_client(runner)
    client.update_item(
        TableName=TABLE,
        Key={"PK": {"S": "FILLER#7"}, "SK": {"S": "F"}},
        UpdateExpression="SET n = :n",
        ExpressionAttributeValues={":n": {"N": "700"}},
    )
    client.delete_item(TableName=TABLE, Key={"PK": {"S": "FILLER#8"}, "SK": {"S": "F"}})
    items_before = _all_items(runner)
    assert len([item for item in items_before if item["PK"]["S"].startswith("FILLER#")]) == 1999
    assert runner.stop() == 0

    runner.start()

    assert _all_items(runner) == items_before


def test_a_stop_during_start_up_leaves_the_files_whole(runner: LocalRunner, state_file: Path) -> None:
    filler = [{"PK": {"S": f"FILLER#{n}"}, "SK": {"S": "F"}, "pad": {"S": "x" * 100}} for n in range(10_000)]
    state_file.parent.mkdir(parents=True, exist_ok=True)
    write_snapshot(StorePaths(state_file), 1, [(template_table(TABLE, []), [json.dumps(item) for item in filler])])
    snapshot = state_file.read_bytes()

    runner.launch()
    time.sleep(0.5)  # starting, then loading 10,000 items
    runner.send_signal(signal.SIGTERM)
    runner.send_signal(signal.SIGTERM)
    assert runner.wait_exit(STOP_SECONDS + 60) is not None, "it stops, even while loading"

    assert state_file.read_bytes() == snapshot, "nothing was written over the snapshot"
    runner.start()
    assert sum(item["PK"]["S"].startswith("FILLER#") for item in _all_items(runner)) == 10_000


@pytest.mark.parametrize("gap", [0.0, 0.3], ids=["together", "second during the stop"])
def test_sigterm_twice_stops_the_runner_cleanly(runner: LocalRunner, gap: float) -> None:
    runner.start()
    created = runner.client().request(
        "PUT", "/customers/stopped", json_body={"name": "S"}, authorization=runner.demo_authorization
    )
    assert created.status == 201

    runner.send_signal(signal.SIGTERM)
    time.sleep(gap)
    runner.send_signal(signal.SIGTERM)

    assert runner.wait_exit(STOP_SECONDS) == 0, "a second SIGTERM never deadlocks the stop"
    runner.start()
    assert runner.client().request("GET", "/customers/stopped", authorization=runner.demo_authorization).status == 200


def test_a_second_runner_on_the_same_files_is_refused(runner: LocalRunner, state_file: Path) -> None:
    runner.start()
    second = LocalRunner(state_file, table_name=TABLE)
    try:
        with pytest.raises(RuntimeError, match="did not become ready"):
            second.start(attempts=1)
        assert "another store is running" in second.output
    finally:
        second.kill()
    assert runner.running


def test_a_hundred_concurrent_clients_get_no_connection_error(runner: LocalRunner) -> None:
    runner.start()
    base_url, auth = runner.base_url, runner.demo_authorization
    # The burst of 200 requests from one application is over the default usage plan (burst 100), whose 429s
    # are tested elsewhere: here the gateway admits them all, so every answer shows how the server coped.
    burst = str(2 * CONCURRENT_CLIENTS)
    limits = run_rewards("set-limits", "--app-id", runner.demo["app_id"], "--rate", burst, "--burst", burst,
                         env=runner.store_env)  # fmt: skip
    assert limits.returncode == 0, limits.stderr
    time.sleep(PLAN_REFRESH_SECONDS)
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    statuses: list[int] = []
    lock = threading.Lock()

    def client(number: int) -> None:
        """A new connection each: PUT then GET its own customer."""
        for method, body in (("PUT", json.dumps({"name": f"C{number}"}).encode()), ("GET", None)):
            request = urllib.request.Request(  # noqa: S310 - http://127.0.0.1 only
                f"{base_url}/customers/concurrent-{number}",
                data=body,
                method=method,
                headers={"Authorization": auth, "Content-Type": "application/json", "Connection": "close"},
            )
            try:
                with opener.open(request, timeout=60) as response:
                    status = response.status
            except urllib.error.HTTPError as error:
                status = error.code
            with lock:
                statuses.append(status)

    fire_together([lambda n=n: client(n) for n in range(CONCURRENT_CLIENTS)], timeout=120)  # type: ignore[misc]

    assert sorted(statuses) == [200] * CONCURRENT_CLIENTS + [201] * CONCURRENT_CLIENTS
