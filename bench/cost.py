"""Cost per million requests of each route, from the benchmark's measurements (bench/results/bench.json,
part ``inprocess``): ``.venv/bin/python bench/cost.py [bench.json]`` prints the README's table.

Per request of a route (its first case, or the case named in ``CASES``):

- Lambda: duration = warm CPU measured in process (our code + botocore's client side, moto excluded)
  scaled to the function's share of a vCPU (Lambda gives one vCPU at 1,769 MB, proportionally less
  below; one core of the bench machine is taken as one vCPU), plus ``DYNAMODB_MS`` per DynamoDB round
  trip, rounded up to the billed millisecond; GB-seconds at the template's memory size; plus the
  request charge. The authorizer is left out: its answer is cached per credential for 300 s, so an
  application sending a request a second or more calls it for under 1 request in 300.
- DynamoDB on demand: the read and write units counted by bench/capacity.py from each call's request and
  response (item sizes included).
- API Gateway REST API requests, and CloudWatch Logs ingestion of ``LOG_BYTES`` per request (the
  access log line, Lambda's START/END/REPORT lines and the EMF metrics line).

Prices: us-east-1, list prices of 2025 (arm64 Lambda, DynamoDB on-demand after the Nov 2024 cut).
"""

from __future__ import annotations

import json
import math
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import RESULTS_DIR
from rewards_cli.template import load

LAMBDA_GB_SECOND_USD = 0.0000133334  # arm64
LAMBDA_REQUEST_USD = 0.20 / 1e6
API_GATEWAY_REQUEST_USD = 3.50 / 1e6  # REST API, first 333 million a month
DYNAMODB_READ_UNIT_USD = 0.125 / 1e6
DYNAMODB_WRITE_UNIT_USD = 0.625 / 1e6
LOGS_GB_USD = 0.50
LOG_BYTES = 1_500
FULL_VCPU_MB = 1_769
DYNAMODB_MS = 6.0  # a single-digit-millisecond round trip from Lambda in the same region
MILLION = 1_000_000
# The case a route is costed on, where its first case is not the representative one.
CASES: dict[str, str] = {"POST /events": "existing customer, advances a sum rule"}


def _memory_mb(function_id: str) -> int:
    return load().functions[function_id].memory_mb


def route_cost(row: dict[str, Any]) -> dict[str, Any]:
    memory_mb = _memory_mb(row["function"])
    trips = row["round_trips"]
    capacity = trips.get("capacity", {}).get("function", {})
    reads, writes = capacity.get("read_units", 0.0), capacity.get("write_units", 0.0)
    cpu_ms = row["cpu"]["ours_ms"]
    duration_ms = cpu_ms * max(1.0, FULL_VCPU_MB / memory_mb) + trips["function"] * DYNAMODB_MS
    billed_ms = math.ceil(duration_ms)
    gb_seconds = billed_ms / 1000 * memory_mb / 1024
    usd = {
        "lambda": (gb_seconds * LAMBDA_GB_SECOND_USD + LAMBDA_REQUEST_USD) * MILLION,
        "dynamodb": (reads * DYNAMODB_READ_UNIT_USD + writes * DYNAMODB_WRITE_UNIT_USD) * MILLION,
        "api_gateway": API_GATEWAY_REQUEST_USD * MILLION,
        "logs": LOG_BYTES / 1e9 * LOGS_GB_USD * MILLION,
    }
    return {
        "route": row["route"],
        "case": row["case"],
        "memory_mb": memory_mb,
        "cpu_ms": cpu_ms,
        "round_trips": trips["function"],
        "billed_ms": billed_ms,
        "read_units": reads,
        "write_units": writes,
        "usd_per_million": {k: round(v, 2) for k, v in usd.items()},
        "total_usd_per_million": round(sum(usd.values()), 2),
    }


def costs(bench: dict[str, Any]) -> list[dict[str, Any]]:
    chosen: dict[str, dict[str, Any]] = {}
    for row in bench.get("inprocess", {}).get("rows", []):
        if row.get("kind") != "route" or "error" in row or "cpu" not in row:
            continue
        wanted = CASES.get(row["route"])
        if row["route"] not in chosen or row["case"] == wanted:
            chosen[row["route"]] = row
    return [route_cost(row) for row in chosen.values()]


def render(rows: list[dict[str, Any]]) -> str:
    lines = [
        "| route | CPU ms | DynamoDB trips | billed ms @ MB | RRU | WRU "
        "| Lambda | DynamoDB | API GW | logs | **$ / million** |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        usd = r["usd_per_million"]
        lines.append(
            f"| `{r['route']}` | {r['cpu_ms']:.2f} | {r['round_trips']} | {r['billed_ms']} @ {r['memory_mb']} "
            f"| {r['read_units']:g} | {r['write_units']:g} | {usd['lambda']:.2f} | {usd['dynamodb']:.2f} "
            f"| {usd['api_gateway']:.2f} | {usd['logs']:.2f} | **{r['total_usd_per_million']:.2f}** |"
        )
    return "\n".join(lines)


def main(argv: list[str]) -> int:
    path = Path(argv[1]) if len(argv) > 1 else RESULTS_DIR / "bench.json"
    if not path.is_file():  # a fresh clone has no measurements yet
        print(f'{path} does not exist: run `make bench BENCH_ARGS="--only inprocess"` first')
        return 1
    rows = costs(json.loads(path.read_text()))
    if not rows:
        print(f'{path} has no in-process measurements: run `make bench BENCH_ARGS="--only inprocess"`')
        return 1
    print(render(rows))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
