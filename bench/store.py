"""(e) The local runner's embedded store as its table grows: ingestion through ``rewards dev`` on a fresh
table and on tables already holding 50,000 and 200,000 items, and the time a restart takes to load them.

    python -m bench.store RESULT.json          (run by bench/run.py)

For each size, a state file holding that many filler items (coupon codes in pools of 5,000: the kind of
data that makes a table large) is written, then ``rewards dev`` is started on it as a real process, as
``make dev`` runs it; the time until it prints its ready lines is the restart time at that size. Then,
against it: the latency of ``POST /events`` advancing a rule (a TransactWriteItems; one keep-alive
connection, one request at a time), the ingestion throughput over ``CONCURRENCY`` connections, and raw
PutItem throughput against the same store; then SIGTERM, and the time the stop takes. Ratios compare each
size with the fresh table (target: after/before <= 1.5) and ingestion with PutItem (target >= 0.5).
"""

from __future__ import annotations

import base64
import http.client
import itertools
import json
import os
import re
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from bench import scenarios, throughput
from bench.common import TABLE_NAME, median, percentile, write_json
from bench.throughput import HOST, HttpWorld

SIZES = tuple(int(n) for n in os.environ.get("BENCH_STORE_SIZES", "0,50000,100000,200000").split(","))
# The ingestion measures run at these sizes; the others are measured for their restart only.
INGEST_SIZES = (0, 50_000, 200_000)
LATENCY_REQUESTS = 60
THROUGHPUT_SECONDS = 5.0
POOL_SIZE = 5000
READY_TIMEOUT_SECONDS = 300.0
STOP_TIMEOUT_SECONDS = 30.0
RATIO_TARGET = 1.5
PUT_RATIO_TARGET = 0.5


def _filler(count: int) -> list[str]:
    return [
        json.dumps(
            {
                "PK": {"S": f"APP#app_bench_filler#POOL#pool{number // POOL_SIZE}"},
                "SK": {"S": f"CODE#{number:09d}"},
                "code": {"S": f"FILL-{number:09d}"},
                "status": {"S": "available"},
                "created_at": {"S": "2026-01-01T00:00:00.000Z"},
            }
        )
        for number in range(count)
    ]


def _write_state(directory: Path, items: int) -> Path:
    from rewards_cli.embedded_dynamodb import template_table
    from rewards_cli.store_files import StorePaths, write_snapshot

    state_file = directory / "dynamodb.json"
    directory.mkdir(parents=True, exist_ok=True)
    write_snapshot(StorePaths(state_file), 1, [(template_table(TABLE_NAME, []), _filler(items))])
    return state_file


class _Runner:
    """``rewards dev`` on a state file and free ports; its ready lines parsed."""

    def __init__(self, state_file: Path) -> None:
        self.state_file = state_file
        env = {k: v for k, v in os.environ.items() if k not in ("DYNAMODB_ENDPOINT_URL", "PORT", "DDB_PORT")}
        env.update({"TABLE_NAME": TABLE_NAME, "PORT": str(throughput._free_port()), "NO_PROXY": "127.0.0.1"})
        env["DDB_PORT"] = str(throughput._free_port())
        started = time.perf_counter()
        self.process = subprocess.Popen(
            [str(Path(sys.executable).with_name("rewards")), "dev", "--host", HOST, "--state-file", str(state_file)],
            cwd=state_file.parent,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        self.lines: list[str] = []
        ready = threading.Event()

        def read() -> None:
            assert self.process.stdout is not None
            for line in self.process.stdout:
                self.lines.append(line)
                if line.startswith("TABLE_NAME="):
                    ready.set()

        threading.Thread(target=read, daemon=True).start()
        if not ready.wait(READY_TIMEOUT_SECONDS):
            self.process.kill()
            raise RuntimeError("rewards dev did not become ready:\n" + "".join(self.lines))
        self.start_seconds = time.perf_counter() - started
        text = "".join(self.lines)
        self.api_port = urlsplit(_found(r"Rewards API on (http://\S+)", text)).port or 0
        self.dynamodb_endpoint = _found(r"DYNAMODB_ENDPOINT_URL=(\S+)", text)
        demo = json.loads(_found(r"Demo application: (\{.*\})", text))
        token = base64.b64encode(f"{demo['api_key']}:{demo['secret_key']}".encode()).decode()
        self.authorization = f"Basic {token}"

    def stop(self) -> float:
        started = time.perf_counter()
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(STOP_TIMEOUT_SECONDS)
        except subprocess.TimeoutExpired:
            self.process.kill()
            return float("nan")
        return time.perf_counter() - started


def _found(pattern: str, text: str) -> str:
    matched = re.search(pattern, text)
    if matched is None:
        raise RuntimeError(f"rewards dev did not print {pattern!r}:\n{text}")
    return matched.group(1)


def _ingestion(runner: _Runner) -> dict[str, Any]:
    import boto3
    from botocore.config import Config

    world = HttpWorld(runner.api_port, runner.authorization)
    method, path = throughput.INGEST_ROUTE
    case = scenarios.route_scenario(world, method, path, None).cases[0]

    def open_api() -> http.client.HTTPConnection:
        return http.client.HTTPConnection(HOST, runner.api_port, timeout=60)

    def send_event(connection: http.client.HTTPConnection) -> int:
        return throughput.exchange(connection, runner.authorization, method, path, case.build()).status

    connection = open_api()
    for _ in range(throughput.WARMUP_PER_CONNECTION):
        send_event(connection)
    latencies, statuses = [], []
    for _ in range(LATENCY_REQUESTS):
        started = time.perf_counter()
        statuses.append(send_event(connection))
        latencies.append(time.perf_counter() - started)
    connection.close()
    ingest = throughput._load(
        send_event, open_api, throughput.WARMUP_PER_CONNECTION, max_seconds=THROUGHPUT_SECONDS, max_requests=10**6
    )

    client = boto3.client(
        "dynamodb",
        endpoint_url=runner.dynamodb_endpoint,
        region_name="us-east-1",
        aws_access_key_id="local",
        aws_secret_access_key="local",  # noqa: S106 - the embedded store checks no credentials
        config=Config(max_pool_connections=throughput.CONCURRENCY, retries={"mode": "standard", "max_attempts": 3}),
    )
    body = case.build().json_body() or ""
    numbers = itertools.count()

    def put_item(_: Any) -> int:
        item = {"PK": {"S": f"BENCH#{next(numbers)}"}, "SK": {"S": "PUT"}, "body": {"S": body}}
        status: int = client.put_item(TableName=TABLE_NAME, Item=item)["ResponseMetadata"]["HTTPStatusCode"]
        return status

    raw = throughput._load(
        put_item, lambda: None, throughput.WARMUP_PER_CONNECTION, max_seconds=THROUGHPUT_SECONDS, max_requests=10**6
    )
    return {
        "case": case.label,
        "latency": {
            "requests": len(latencies),
            "p50_ms": round(median(latencies) * 1000, 1),
            "p95_ms": round(percentile(latencies, 0.95) * 1000, 1),
            "statuses": sorted(set(statuses)),
        },
        "ingest": ingest,
        "put_item": raw,
        "ingest_over_put_item": round(ingest["per_second"] / raw["per_second"], 2) if raw["per_second"] else None,
    }


def measure(out: Path) -> int:
    rows: list[dict[str, Any]] = []
    for size in SIZES:
        with tempfile.TemporaryDirectory(prefix="bench-store-") as tmp:
            state_file = _write_state(Path(tmp) / "store", size)
            print(f"bench: (e) rewards dev on {size} items", file=sys.stderr)
            runner = _Runner(state_file)
            row: dict[str, Any] = {"items": size, "start_seconds": round(runner.start_seconds, 2)}
            try:
                if size in INGEST_SIZES:
                    row.update(_ingestion(runner))
            finally:
                row["stop_seconds"] = round(runner.stop(), 2)
            rows.append(row)
    fresh = next((r for r in rows if r["items"] == 0 and "latency" in r), None)
    for row in rows:
        if fresh is not None and "latency" in row:
            row["p50_over_fresh"] = round(row["latency"]["p50_ms"] / fresh["latency"]["p50_ms"], 2)
            row["fresh_throughput_over_this"] = round(fresh["ingest"]["per_second"] / row["ingest"]["per_second"], 2)
    write_json(
        out,
        {
            "route": " ".join(throughput.INGEST_ROUTE),
            "concurrency": throughput.CONCURRENCY,
            "throughput_seconds": THROUGHPUT_SECONDS,
            "rows": rows,
            "ratio_target": RATIO_TARGET,
            "put_ratio_target": PUT_RATIO_TARGET,
        },
    )
    return 0


if __name__ == "__main__":
    sys.exit(measure(Path(sys.argv[1])))
