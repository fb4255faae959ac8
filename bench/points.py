"""(h) Points as lots: what a debit spanning thousands of lots and the points settler cost.

    python -m bench.points RESULT.json     (run by bench/run.py in a process of its own)

- debit: a customer holding 5,000 credits whose expiry days spread over the 10 years a policy allows
  (``expire_after_days`` up to 3,650: lots are grouped by day, so 3,650 lots) redeems nearly all of
  them in one request (``POST /customers/{source_id}/rewards/{reward_id}/redeem``, a COIN reward):
  round trips, CPU outside moto, and the DynamoDB item sizes of the profile (which holds the lots) and
  of the debit's ledger entry (which names every lot it took from), against the 400 KB item limit.
- settler: the scheduled ``PointsSettlerFunction`` recording the expiry of N customers at once (each with
  a lot that expired yesterday and one that has not), and a run with nothing due: round trips by
  operation, CPU, and the modelled time per customer at in-region latencies.

The profiles are written as the credits leave them (``placement.place`` over the credits; their
ledger entries are not written: a debit and the settler read only the profile), through the repository:
5,000 events through the API would take minutes of moto.
"""

from __future__ import annotations

import statistics
import sys
import time
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from bench.capacity import item_size
from bench.common import write_json
from bench.inprocess import (
    Recorder,
    _fresh_table,
    _new_world,
    recording_setup,
)
from bench.scale import MODEL_LATENCY_MS, _modelled_ms

CREDITS = 5_000
EXPIRY_DAYS = 3_650  # the longest expire_after_days
POINTS_PER_CREDIT = 10
SETTLE_CUSTOMERS = (10, 100, 300)
ITEM_LIMIT_BYTES = 400 * 1024
DEBIT_SAMPLES = 3


def _write_profile(app_id: str, source_id: str, credits: Sequence[tuple[int, int | None]], now_ms: int) -> None:
    """The profile of ``source_id`` as ``credits`` (points, expiry time) made at ``now_ms`` leave it."""
    from shared.domain.points.placement import PointsState, place
    from shared.entities.points import Posting
    from shared.storage import customers, dynamodb, keys
    from shared.storage.dynamodb import Expression

    postings = [
        Posting(txn_id=f"txn_{n}", points=p, reason="rule_completion", operation="credit", expires_ms=e)
        for n, (p, e) in enumerate(credits)
    ]
    placed = place(app_id, source_id, PointsState.empty(), postings, now_ms)
    clauses, remove, values = customers.points_update(app_id, source_id, placed.write().after)
    text = "SET " + ", ".join(clauses) + (" REMOVE " + ", ".join(remove) if remove else "")
    dynamodb.update_item(keys.customer(app_id, source_id), Expression(text, values=values))


def _raw_item(key: dict[str, str]) -> dict[str, Any]:
    import boto3

    from shared.settings import get_settings

    table = get_settings().table_name
    item: dict[str, Any] = boto3.client("dynamodb").get_item(
        TableName=table, Key={k: {"S": v} for k, v in key.items()}, ConsistentRead=True
    )["Item"]
    return item


def _newest_entry_item(app_id: str, source_id: str) -> dict[str, Any]:
    import boto3

    from shared.settings import get_settings
    from shared.storage import keys

    found: dict[str, Any] = boto3.client("dynamodb").query(
        TableName=get_settings().table_name,
        KeyConditionExpression="PK = :pk AND begins_with(SK, :txn)",
        ExpressionAttributeValues={
            ":pk": {"S": keys.customer_partition(app_id, source_id)},
            ":txn": {"S": keys.TRANSACTION_SK_PREFIX},
        },
        ScanIndexForward=False,
        Limit=1,
    )["Items"][0]
    return found


def _debit(template: Any, pool: Any, recorder: Recorder) -> dict[str, Any]:
    from shared.entities.points import DAY_MS
    from shared.storage import keys

    with _fresh_table():
        world = _new_world(template, pool, "many lots")
        reward = {"name": "Coin", "type": "COIN", "parameters": {"coin": {"exchange_ratio": 1, "points_ratio": 1}}}
        reward_id = world.send("POST", "/rewards", body=reward).body["id"]
        now_ms = int(time.time() * 1000)
        credits = [(POINTS_PER_CREDIT, now_ms + (1 + n % EXPIRY_DAYS) * DAY_MS) for n in range(CREDITS)]
        balance = POINTS_PER_CREDIT * CREDITS
        wanted = balance - POINTS_PER_CREDIT  # all but the latest-expiring credit: every lot touched
        rows: list[dict[str, Any]] = []
        for sample in range(DEBIT_SAMPLES + 1):  # the first one warms the function
            source_id = f"many-{sample}"
            assert world.send("PUT", f"/customers/{source_id}", body={"name": "Many"}).status == 201
            _write_profile(world.app_id, source_id, credits, now_ms)
            profile_bytes = item_size(_raw_item(keys.customer(world.app_id, source_id)))
            path = f"/customers/{source_id}/rewards/{reward_id}/redeem"
            with recorder.recording() as recording:
                started = time.perf_counter()
                reply = world.send("POST", path, body={"points": wanted})
                wall = time.perf_counter() - started
            if reply.status != 201:
                raise RuntimeError(f"redeem: {reply.status} {reply.body}")
            invocation = recording.invocation("function")
            entry = _newest_entry_item(world.app_id, source_id)
            rows.append(
                {
                    "operations": dict(sorted(recording.calls.get("function", Counter()).items())),
                    "cpu_ms": (invocation.cpu - invocation.dynamodb_cpu) * 1000,
                    "wall_ms": wall * 1000,
                    "profile_bytes_before": profile_bytes,
                    "profile_bytes_after": item_size(_raw_item(keys.customer(world.app_id, source_id))),
                    "entry_bytes": item_size(entry),
                    "lots_taken": len(entry["lots"]["M"]),
                }
            )
    measured = rows[1:]
    middle = sorted(measured, key=lambda r: r["cpu_ms"])[len(measured) // 2]
    cpu_ms = statistics.median(r["cpu_ms"] for r in measured)
    return {
        "credits": CREDITS,
        "lots": min(CREDITS, EXPIRY_DAYS),
        "points_debited": wanted,
        "round_trips": sum(middle["operations"].values()),
        "operations": middle["operations"],
        "cpu_ms": round(cpu_ms, 1),
        "wall_in_moto_ms": round(statistics.median(r["wall_ms"] for r in measured), 1),
        "modelled_latency_ms": _modelled_ms(middle["operations"], cpu_ms),
        "profile_bytes_before": middle["profile_bytes_before"],
        "profile_bytes_after": middle["profile_bytes_after"],
        "entry_bytes": middle["entry_bytes"],
        "lots_taken": middle["lots_taken"],
        "item_limit_bytes": ITEM_LIMIT_BYTES,
        "samples": len(measured),
    }


def _settle(template: Any, pool: Any, recorder: Recorder, customers: int) -> dict[str, Any]:
    from rewards_cli.apigw import scheduled_event
    from shared.entities.points import DAY_MS

    function = template.functions["PointsSettlerFunction"]
    with _fresh_table():
        world = _new_world(template, pool, f"settle {customers}")
        yesterday_ms = int(time.time() * 1000) - 2 * DAY_MS
        for n in range(customers):
            source_id = f"due-{n}"
            assert world.send("PUT", f"/customers/{source_id}", body={"name": "Due"}).status == 201
            # placed two days ago: 50 points that expired since, 20 that expire in a month
            _write_profile(
                world.app_id,
                source_id,
                [(50, yesterday_ms + DAY_MS // 2), (20, yesterday_ms + 30 * DAY_MS)],
                yesterday_ms,
            )
        with recorder.recording() as recording:
            started = time.perf_counter()
            report = pool.invoke(function, scheduled_event(function.logical_id))
            wall = time.perf_counter() - started
        invocation = recording.invocation("scheduled")
        operations = dict(sorted(recording.calls.get("scheduled", Counter()).items()))
        with recorder.recording() as idle:
            idle_report = pool.invoke(function, scheduled_event(function.logical_id))
        idle_operations = dict(sorted(idle.calls.get("scheduled", Counter()).items()))
    cpu_ms = (invocation.cpu - invocation.dynamodb_cpu) * 1000
    per_customer = {op: n // customers for op, n in operations.items() if op != "Query"}  # 1 each
    return {
        "customers": customers,
        "report": report,
        "operations": operations,
        "round_trips": sum(operations.values()),
        "cpu_ms": round(cpu_ms, 1),
        "cpu_ms_per_customer": round(cpu_ms / customers, 2),
        "wall_in_moto_ms": round(wall * 1000, 1),
        "modelled_ms_per_customer": _modelled_ms(per_customer, cpu_ms / customers),
        "idle_run": {"report": idle_report, "operations": idle_operations},
    }


def main(argv: list[str]) -> int:
    out = Path(argv[0])
    template, recorder, pool = recording_setup()
    results: dict[str, Any] = {"model_latency_ms": MODEL_LATENCY_MS, "settle": []}
    print(f"bench: (h) a debit over {CREDITS} credits", file=sys.stderr)
    results["debit"] = _debit(template, pool, recorder)
    for customers in SETTLE_CUSTOMERS:
        print(f"bench: (h) settling {customers} customers", file=sys.stderr)
        results["settle"].append(_settle(template, pool, recorder, customers))
    write_json(out, results)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
