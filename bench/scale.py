"""(e) Scale: what one event, one progress read and the window closer cost as an application grows.

    python -m bench.scale RESULT.json     (run by bench/run.py in a process of its own)

- ingestion: one ``POST /events`` matching 1, 10, 100 and 500 rules, each of which completes and credits
  points (the heaviest case: progress, marker, ledger entry per rule), for a new customer each time;
  and one event matching 1 rule among 1,000 campaigns;
- progress: ``GET /campaigns/reward-progress`` with 10, 100 and 1,000 active campaigns;
- closer: the window closer working through 100,000 due windows in bounded runs.

Ingestion and progress run the real gateway, authorizer and handlers over moto (bench/inprocess.py's
hooks): DynamoDB round trips by operation, CPU outside moto (app + SDK), wall time in process (moto
included, which is slow), and the latency on DynamoDB modelled as that CPU plus the round trips in
sequence at typical in-region latencies (``MODEL_LATENCY_MS``).

The closer cannot meet 100,000 windows in moto (it walks every item of the table on each query:
measured 1.4 s per query and 39 s of set-up per 20,000 items), so the real closer
(``shared.domain.windows``) runs against ``DueIndexModel``: the two storage calls it makes, served from
an in-memory due index with DynamoDB's semantics (due entries of one shard in order, from a position;
a conditional close that succeeds once), each taking its modelled latency (``MODEL_LATENCY_MS``, time
scaled by ``CLOSER_TIME_SCALE`` to keep the bench short; figures are reported unscaled). Each run gets
the deployed function's budget (its timeout minus the closer's safety margin).
"""

from __future__ import annotations

import bisect
import statistics
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable, Mapping
from contextlib import ExitStack
from pathlib import Path
from typing import Any
from unittest import mock

from bench.common import write_json
from bench.inprocess import (
    InProcessWorld,
    Recorder,
    _fresh_table,
    _new_world,
    recording_setup,
)

INGEST_RULES = (1, 10, 100, 500)
PROGRESS_CAMPAIGNS = (10, 100, 1000)
CLOSER_WINDOWS = 100_000
RULES_PER_CAMPAIGN = 20
# Typical in-region latencies of one call (ms), for the modelled latency: not measured here.
MODEL_LATENCY_MS = {
    "GetItem": 4.0,
    "BatchGetItem": 6.0,
    "Query": 6.0,
    "PutItem": 6.0,
    "UpdateItem": 6.0,
    "TransactWriteItems": 15.0,
}
CLOSER_FUNCTION_TIMEOUT_MS = 60_000  # template.yaml: WindowCloserFunction Timeout
CLOSER_SAFETY_MS = 5_000
CLOSER_TIME_SCALE = 0.1


def _samples_for(size: int) -> int:
    return 2 if size >= 500 else 3


def _rule(n: int, event_name: str = "order_success") -> dict[str, Any]:
    return {
        "rule_name": f"Rule {n}",
        "action_type": "RTA",
        "actions": [{"event_name": event_name, "target": 1}],
        "reward": {"type": "points", "points": 1},
    }


def _create_campaigns(world: InProcessWorld, rules: list[dict[str, Any]]) -> None:
    for start in range(0, len(rules), RULES_PER_CAMPAIGN):
        body = {"campaign_name": f"Scale {start}", "rules": rules[start : start + RULES_PER_CAMPAIGN]}
        reply = world.send("POST", "/campaigns", body=body)
        if reply.status != 201:
            raise RuntimeError(f"POST /campaigns: {reply.status} {reply.body}")


def _modelled_ms(operations: Mapping[str, int], cpu_ms: float) -> float:
    return round(cpu_ms + sum(MODEL_LATENCY_MS.get(op, 6.0) * n for op, n in operations.items()), 1)


def _measure(
    world: InProcessWorld, recorder: Recorder, samples: int, send: Callable[[], tuple[int, Any]]
) -> dict[str, Any]:
    """Median figures of ``samples`` requests (the function warm: one unmeasured request first)."""
    send()
    rows = []
    for _ in range(samples):
        with recorder.recording() as recording:
            started = time.perf_counter()
            status, body = send()
            wall = time.perf_counter() - started
        invocation = recording.invocation("function")
        operations = dict(sorted(recording.calls.get("function", Counter()).items()))
        rows.append(
            {
                "status": status,
                "body": body,
                "operations": operations,
                "round_trips": sum(operations.values()),
                "cpu_ms": (invocation.cpu - invocation.dynamodb_cpu) * 1000,
                "wall_ms": wall * 1000,
            }
        )
    middle = sorted(rows, key=lambda r: r["cpu_ms"])[len(rows) // 2]
    cpu_ms = statistics.median(r["cpu_ms"] for r in rows)
    return {
        "status": middle["status"],
        "round_trips": middle["round_trips"],
        "operations": middle["operations"],
        "cpu_ms": round(cpu_ms, 1),
        "wall_in_moto_ms": round(statistics.median(r["wall_ms"] for r in rows), 1),
        "modelled_latency_ms": _modelled_ms(middle["operations"], cpu_ms),
        "samples": samples,
        "_body": middle["body"],
    }


def _ingestion(template: Any, pool: Any, recorder: Recorder, rules: int) -> dict[str, Any]:
    with _fresh_table():
        world = _new_world(template, pool, f"ingest {rules}")
        _create_campaigns(world, [_rule(n) for n in range(rules)])

        def send() -> tuple[int, Any]:
            reply = world.send(
                "POST", "/events", body={"source_id": world.unique("cust"), "event_name": "order_success"}
            )
            return reply.status, reply.body

        result = _measure(world, recorder, _samples_for(rules), send)
    body = result.pop("_body")
    result["rules_completed"] = len(body.get("rewards", [])) if isinstance(body, dict) else None
    return {"rules": rules, **result}


def _many_campaigns(world: InProcessWorld, count: int) -> None:
    """``count`` active one-rule campaigns, on 100 event names (written through the repository: creating
    them through the API would take minutes of moto)."""
    from shared.api.schemas.campaigns import CampaignCreate
    from shared.domain.campaigns import with_ids
    from shared.storage import campaigns

    app_id = world.app_id
    for n in range(count):
        event_name = f"event_{n % 100}"
        request = CampaignCreate.model_validate({"campaign_name": f"Campaign {n}", "rules": [_rule(n, event_name)]})
        spec = with_ids(request.command(), {event_name: f"even_{n % 100:021d}"}, "2026-01-01T00:00:00.000Z")
        campaigns.create(app_id, spec)


def _progress(template: Any, pool: Any, recorder: Recorder, count: int) -> list[dict[str, Any]]:
    with _fresh_table():
        world = _new_world(template, pool, f"progress {count}")
        _many_campaigns(world, count)
        customer = world.unique("cust")
        for n in range(3):
            world.send("POST", "/events", body={"source_id": customer, "event_name": f"event_{n}"})

        def read() -> tuple[int, Any]:
            reply = world.send("GET", "/campaigns/reward-progress", query={"source_id": customer})
            return reply.status, reply.body

        def ingest() -> tuple[int, Any]:
            reply = world.send("POST", "/events", body={"source_id": world.unique("cust"), "event_name": "event_7"})
            return reply.status, reply.body

        progress = _measure(world, recorder, _samples_for(count), read)
        body = progress.pop("_body")
        progress["campaigns_listed"] = len(body) if isinstance(body, list) else None
        ingestion = _measure(world, recorder, _samples_for(count), ingest)
        ingestion.pop("_body")
    return [
        {"what": "progress", "campaigns": count, **progress},
        {"what": "ingestion, 1 matching rule", "campaigns": count, **ingestion},
    ]


class DueIndexModel:
    """The closer's storage calls (``due_windows``, ``expire_window``) over an in-memory due index with
    DynamoDB's semantics, each call taking its modelled latency (scaled)."""

    def __init__(self, windows: int, shards: int, scale: float) -> None:
        self.scale = scale
        self.shards: dict[int, list[tuple[str, dict[str, str]]]] = {s: [] for s in range(shards)}
        self.open: set[tuple[str, str]] = set()
        self.calls: Counter[str] = Counter()
        self.lock = threading.Lock()
        for n in range(windows):
            key = {"PK": f"APP#bench#CUST#c{n}", "SK": "PROGRESS#camp#rule"}
            due_sk = f"{1_000_000 + n % 600:012d}#{key['PK']}|{key['SK']}"
            self.shards[n % shards].append((due_sk, key))
            self.open.add((key["PK"], key["SK"]))
        for entries in self.shards.values():
            entries.sort(key=lambda entry: entry[0])

    def _wait(self, operation: str) -> None:
        with self.lock:
            self.calls[operation] += 1
        time.sleep(MODEL_LATENCY_MS[operation] * self.scale / 1000)

    def due_windows(
        self, shard: int, now: int, limit: int, start_after: dict[str, Any] | None = None
    ) -> tuple[list[dict[str, str]], dict[str, Any] | None]:
        self._wait("Query")
        with self.lock:
            entries = [e for e in self.shards[shard] if (e[1]["PK"], e[1]["SK"]) in self.open]
            self.shards[shard] = entries  # closed windows leave the index
        start = bisect.bisect_right([e[0] for e in entries], start_after["DueSK"]) if start_after else 0
        page = entries[start : start + limit]
        more = start + limit < len(entries)
        return [dict(key) for _, key in page], ({"DueSK": page[-1][0]} if page and more else None)

    def expire_window(self, item_key: Mapping[str, str], now: int, now_iso: str) -> bool:
        self._wait("UpdateItem")
        with self.lock:
            found = (item_key["PK"], item_key["SK"]) in self.open
            self.open.discard((item_key["PK"], item_key["SK"]))
        return found


def _closer() -> dict[str, Any]:
    from shared.domain import windows
    from shared.storage import keys, progress

    model = DueIndexModel(CLOSER_WINDOWS, keys.DUE_SHARDS, CLOSER_TIME_SCALE)
    budget_ms = CLOSER_FUNCTION_TIMEOUT_MS * CLOSER_TIME_SCALE
    safety_ms = CLOSER_SAFETY_MS * CLOSER_TIME_SCALE
    runs: list[dict[str, Any]] = []
    with ExitStack() as stack:
        stack.enter_context(mock.patch.object(progress, "due_windows", model.due_windows))
        stack.enter_context(mock.patch.object(progress, "expire_window", model.expire_window))
        while model.open and len(runs) < 20:
            model.calls.clear()
            started, cpu_started = time.perf_counter(), time.process_time()
            report = windows.close_due_windows(lambda: int(budget_ms), safety_ms=int(safety_ms))
            runs.append(
                {
                    "seconds": round((time.perf_counter() - started) / CLOSER_TIME_SCALE, 1),
                    "cpu_seconds": round(time.process_time() - cpu_started, 2),
                    "closed": report.closed,
                    "windows_read": report.windows_read,
                    "backlog_left": report.backlog_left,
                    "calls": dict(model.calls),
                }
            )
    return {
        "windows": CLOSER_WINDOWS,
        "run_budget_seconds": (CLOSER_FUNCTION_TIMEOUT_MS - CLOSER_SAFETY_MS) / 1000,
        "runs": runs,
        "closed": sum(r["closed"] for r in runs),
        "left_open": len(model.open),
        "time_scale": CLOSER_TIME_SCALE,
    }


def main(argv: list[str]) -> int:
    out = Path(argv[0])
    template, recorder, pool = recording_setup()
    results: dict[str, Any] = {"model_latency_ms": MODEL_LATENCY_MS, "ingestion": [], "campaigns": []}
    for rules in INGEST_RULES:
        print(f"bench: (e) ingestion, {rules} matching rules", file=sys.stderr)
        results["ingestion"].append(_ingestion(template, pool, recorder, rules))
    for count in PROGRESS_CAMPAIGNS:
        print(f"bench: (e) {count} campaigns", file=sys.stderr)
        results["campaigns"].extend(_progress(template, pool, recorder, count))
    print(f"bench: (e) window closer, {CLOSER_WINDOWS} due windows", file=sys.stderr)
    results["closer"] = _closer()
    write_json(out, results)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
