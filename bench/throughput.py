"""(d) Ingestion throughput through the local runner, beside raw PutItem against the same embedded store.

    python -m bench.throughput RESULT.json          (run by bench/run.py)
    python -m bench.throughput --serve READY.json   (the server process it starts)

The server process is ``rewards dev`` minus its CLI: an ``EmbeddedDynamoDB`` (moto over HTTP, one
request at a time, journaling to files in a temporary directory) and ``rewards_cli.server.make_server``
around a ``LocalGateway``, both on free loopback ports. This process is the load: ``CONCURRENCY``
keep-alive HTTP/1.1 connections sending the ingestion case of bench/scenarios.py, then as many threads
sending PutItem of a same-sized item through one boto3 client to the embedded store; each run stops at
``MAX_REQUESTS`` or ``MAX_SECONDS``, whichever comes first, after a warm-up (which loads one function
instance per connection). The ratio is ingestion requests/s over PutItem/s.
"""

from __future__ import annotations

import base64
import http.client
import itertools
import json
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
import warnings
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bench import scenarios
from bench.common import ROOT, TABLE_NAME, median, percentile, write_json
from bench.scenarios import Reply, Request, World

# POST /events is the ingestion route; until template.yaml has it, PUT /customers/{source_id} stands in.
INGEST_ROUTE = ("POST", "/events")
STAND_IN_ROUTE = ("PUT", "/customers/{source_id}")
HOST = "127.0.0.1"
CONCURRENCY = int(os.environ.get("BENCH_CONCURRENCY", "4"))
MAX_REQUESTS = int(os.environ.get("BENCH_MAX_REQUESTS", "3000"))
MAX_SECONDS = float(os.environ.get("BENCH_MAX_SECONDS", "12"))
WARMUP_PER_CONNECTION = 5


# ------------------------------------------------------------------------------------------ the server


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((HOST, 0))
        port: int = probe.getsockname()[1]
        return port


def serve(ready_file: Path) -> int:
    """The local runner on free ports; writes its address and an application's credentials to
    ``ready_file``, then serves until its stdin closes (so it never outlives the benchmark)."""
    from rewards_cli.embedded_dynamodb import EmbeddedDynamoDB
    from rewards_cli.environment import configure

    warnings.filterwarnings("ignore", message="No application metrics to publish")
    state = Path(tempfile.mkdtemp(prefix="bench-store-"))
    store = EmbeddedDynamoDB(HOST, _free_port(), state / "dynamodb.json")
    store.start()
    store.ensure_table(TABLE_NAME)
    configure(TABLE_NAME, store.endpoint_url)

    from rewards_cli.gateway import LocalGateway
    from rewards_cli.lambdas import FunctionPool
    from rewards_cli.server import make_server
    from rewards_cli.template import load
    from shared.domain.applications import create_application

    created = create_application("bench throughput")
    server = make_server(HOST, 0, LocalGateway(load(), FunctionPool()))
    threading.Thread(target=server.serve_forever, daemon=True, name="api").start()
    ready = {
        "api_port": server.server_address[1],
        "dynamodb_endpoint": store.endpoint_url,
        "api_key": created.api_key,
        "secret_key": created.secret_key,
    }
    ready_file.write_text(json.dumps(ready))
    sys.stdin.read()
    server.shutdown()
    return 0


# ------------------------------------------------------------------------------------------ the client


class HttpWorld(World):
    """Setup requests over HTTP, one connection per call (never measured)."""

    def __init__(self, port: int, authorization: str) -> None:
        super().__init__()
        self.port = port
        self.authorization = authorization

    def send_request(self, method: str, template_path: str, request: Request) -> Reply:
        connection = http.client.HTTPConnection(HOST, self.port, timeout=30)
        try:
            return exchange(connection, self.authorization, method, template_path, request)
        finally:
            connection.close()


def exchange(
    connection: http.client.HTTPConnection, authorization: str, method: str, template_path: str, request: Request
) -> Reply:
    """Send ``request`` on an open connection and read the parsed answer."""
    from urllib.parse import urlencode

    url = request.path(template_path) + (f"?{urlencode(request.query)}" if request.query else "")
    body = request.json_body()
    connection.request(
        method,
        url,
        body=None if body is None else body.encode(),
        headers={"Authorization": authorization, **request.headers},
    )
    response = connection.getresponse()
    raw = response.read()
    try:
        parsed = json.loads(raw) if raw else None
    except ValueError:
        parsed = raw.decode(errors="replace")
    return Reply(response.status, parsed)


def _load(
    send_one: Callable[[Any], int],
    open_connection: Callable[[], Any],
    warmup: int,
    *,
    concurrency: int = CONCURRENCY,
    max_requests: int = MAX_REQUESTS,
    max_seconds: float = MAX_SECONDS,
) -> dict[str, Any]:
    """``concurrency`` threads, each with its own connection, until ``max_requests`` or ``max_seconds``."""
    counter = itertools.count()
    latencies: list[float] = []
    finished: list[float] = []
    statuses: Counter[str] = Counter()
    lock = threading.Lock()
    clock = {"deadline": 0.0, "started": 0.0}

    def start() -> None:  # run once, when every thread has warmed up, before any is released
        clock["started"] = time.perf_counter()
        clock["deadline"] = time.monotonic() + max_seconds

    start_line = threading.Barrier(concurrency, action=start)

    def worker() -> None:
        connection = open_connection()
        for _ in range(warmup):
            send_one(connection)
        start_line.wait()
        local: list[float] = []
        local_finished: list[float] = []
        local_statuses: Counter[str] = Counter()
        while next(counter) < max_requests and time.monotonic() < clock["deadline"]:
            started = time.perf_counter()
            try:
                status = str(send_one(connection))
            except Exception as error:
                status = type(error).__name__
                connection = open_connection()
            local.append(time.perf_counter() - started)
            local_finished.append(time.perf_counter())
            local_statuses[status] += 1
        with lock:
            latencies.extend(local)
            finished.extend(local_finished)
            statuses.update(local_statuses)

    threads = [threading.Thread(target=worker, daemon=True) for _ in range(concurrency)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - clock["started"]
    done = len(latencies)
    quarter = elapsed / 4
    by_quarter = Counter(min(3, int((t - clock["started"]) / quarter)) for t in finished) if quarter else Counter()
    return {
        "requests": done,
        "seconds": round(elapsed, 2),
        "per_second": round(done / elapsed, 1),
        "per_second_by_quarter": [round(by_quarter[q] / quarter, 1) if quarter else 0.0 for q in range(4)],
        "p50_ms": round(median(latencies) * 1000, 1),
        "p95_ms": round(percentile(latencies, 0.95) * 1000, 1),
        "statuses": dict(statuses),
    }


def _ingest_route() -> tuple[tuple[str, str], bool]:
    from rewards_cli.template import load

    routes = {(r.method, r.path) for f in load().api_functions for r in f.routes}
    if INGEST_ROUTE in routes:
        return INGEST_ROUTE, False
    return STAND_IN_ROUTE, True


def measure(out: Path) -> int:
    (method, path), stand_in = _ingest_route()
    with tempfile.TemporaryDirectory(prefix="bench-throughput-") as tmp:
        ready_file = Path(tmp) / "ready.json"
        server = subprocess.Popen(
            [sys.executable, "-m", "bench.throughput", "--serve", str(ready_file)],
            cwd=ROOT,
            stdin=subprocess.PIPE,
            stdout=subprocess.DEVNULL,
        )
        try:
            deadline = time.monotonic() + 60
            while not ready_file.exists() or not ready_file.read_text():
                if server.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"the local runner did not start (exit {server.poll()})")
                time.sleep(0.1)
            ready = json.loads(ready_file.read_text())
            result = _measure_against(ready, method, path, stand_in)
        finally:
            if server.stdin is not None:
                server.stdin.close()
            try:
                server.wait(10)
            except subprocess.TimeoutExpired:
                server.kill()
    write_json(out, result)
    return 0


def _measure_against(ready: dict[str, Any], method: str, path: str, stand_in: bool) -> dict[str, Any]:
    import boto3
    from botocore.config import Config

    token = base64.b64encode(f"{ready['api_key']}:{ready['secret_key']}".encode()).decode()
    authorization = f"Basic {token}"
    world = HttpWorld(ready["api_port"], authorization)
    scenario = scenarios.route_scenario(world, method, path, None)
    if not scenario.cases:
        return {"route": f"{method} {path}", "stand_in": stand_in, "error": scenario.missing}
    case = scenario.cases[0]
    sample: Request = case.build()

    def open_api() -> http.client.HTTPConnection:
        return http.client.HTTPConnection(HOST, ready["api_port"], timeout=30)

    def send_event(connection: http.client.HTTPConnection) -> int:
        return exchange(connection, authorization, method, path, case.build()).status

    print(f"bench: (d) {method} {path} through the local runner, {CONCURRENCY} connections", file=sys.stderr)
    ingest = _load(send_event, open_api, WARMUP_PER_CONNECTION)

    client = boto3.client(
        "dynamodb",
        endpoint_url=ready["dynamodb_endpoint"],
        region_name="us-east-1",
        aws_access_key_id="local",
        aws_secret_access_key="local",  # noqa: S106 - the embedded store checks no credentials
        config=Config(max_pool_connections=CONCURRENCY, retries={"mode": "standard", "max_attempts": 3}),
    )
    body = sample.json_body() or ""
    numbers = itertools.count()

    def put_item(_: Any) -> int:
        key = f"BENCH#{next(numbers)}"
        response = client.put_item(
            TableName=TABLE_NAME, Item={"PK": {"S": key}, "SK": {"S": "PUT"}, "body": {"S": body}}
        )
        status: int = response["ResponseMetadata"]["HTTPStatusCode"]
        return status

    print(f"bench: (d) raw PutItem against the same store, {CONCURRENCY} threads", file=sys.stderr)
    raw = _load(put_item, lambda: None, WARMUP_PER_CONNECTION)
    return {
        "route": f"{method} {path}",
        "stand_in": stand_in,
        "case": case.label,
        "request_bytes": len(body),
        "concurrency": CONCURRENCY,
        "bounds": {"max_requests": MAX_REQUESTS, "max_seconds": MAX_SECONDS},
        "ingest": ingest,
        "put_item": raw,
        "ratio": round(ingest["per_second"] / raw["per_second"], 2) if raw["per_second"] else None,
        "target_ratio": 0.5,
    }


def main(argv: list[str]) -> int:
    if argv[:1] == ["--serve"]:
        return serve(Path(argv[1]))
    return measure(Path(argv[0]))


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
