"""(i) Heat: where a large merchant's traffic lands, partition by partition, and the rate it can reach.

    python -m bench.heat RESULT.json                        (run by bench/run.py: the model)
    python -m bench.heat --counted-by runner --small RESULT.json   (the same requests through the local runner)

The mix (``MIX``) is a large merchant's traffic: events, progress reads, redemptions of one limited coupon
and of one reward with stock, the webhook fan-out each of them causes (the outbox publisher and the
deliverer, run after each route's requests and charged to it), and the scheduled functions. A seeded
store holds ``CAMPAIGNS`` active campaigns (the seed's RTA campaign: 2 rules, 3 actions; a tenth of
them on the event names the mix sends), one webhook subscribed to everything, the coupon, the reward
and a sample of ``SAMPLE_CUSTOMERS`` customers standing for ``POPULATION`` (each request picks one).

Each route's requests are replayed through the real gateway and handlers, and every DynamoDB call is
charged to the partition(s) it lands on by DynamoDB's rules (bench/capacity.py: transactions, batch
gets, a query's 4 KB rounding, index writes on the index's partition):

- the model (default): in process over moto, charged at botocore's client (bench/inprocess.py's hook);
- ``--counted-by runner``: the local runner (its embedded store, its HTTP API, its outbox), charged at
  the store, request by request (a second, independent count of the same requests: tests compare them).

A partition serves at most ``READ_LIMIT`` read units and ``WRITE_LIMIT`` write units a second. What a
request costs a customer's partition is spread over the population (a key holding a sampled customer
carries ``SAMPLE_CUSTOMERS / POPULATION`` of what it carried in the replay); a pattern whose every key
is one request's own (an order's redemption, an Idempotency-Key's record) is written by that request
only. Every other key is shared by all requests of its route: its share sets
the route's ceiling, ``min(READ_LIMIT / reads per request, WRITE_LIMIT / writes per request)`` over its
keys. A route below its target rate fails the part (``--strict``).
"""

from __future__ import annotations

import argparse
import base64
import io
import json
import math
import os
import random
import sys
import tempfile
import threading
from collections import defaultdict
from collections.abc import Callable, Iterator, Mapping
from contextlib import ExitStack, contextmanager
from dataclasses import asdict, astuple, dataclass, field
from pathlib import Path
from typing import Any
from unittest import mock

from bench.capacity import Charge, Schema, charges, written_keys
from bench.common import TABLE_NAME, write_json
from bench.scenarios import (
    CONTENT_TYPE,
    RTA_CAMPAIGN,
    World,
    _event,
    _order,
    fixed_coupon,
    new_customer,
    new_reward,
    new_webhook,
    order,
)

READ_LIMIT = 3000.0  # read units a second one partition serves
WRITE_LIMIT = 1000.0  # write units a second one partition serves
POPULATION = 10_000_000
EVENT_NAME = "money_deposited"


@dataclass(frozen=True, slots=True)
class Scale:
    campaigns: int
    customers: int
    requests: int  # per route
    progress_requests: int  # a progress read of 1,000 campaigns is slow in moto


# Every progress read reads the same items (a few samples settle its figures); moto serialises a read of
# 1,000 campaigns slowly. BENCH_HEAT_CAMPAIGNS=100 measures the catalogue of issue 24's "done" figures.
# A sharded key's ceiling comes from its hottest shard in the sample: with 40 requests over 16 shards one
# shard drew 7 now and then (2.8 times its share), 80 keep the sampled peak near twice the share.
FULL = Scale(
    campaigns=int(os.environ.get("BENCH_HEAT_CAMPAIGNS", "1000")), customers=100, requests=80, progress_requests=4
)
SMALL = Scale(campaigns=20, customers=10, requests=8, progress_requests=4)


@dataclass(frozen=True, slots=True)
class Route:
    label: str
    method: str
    path: str
    per_second: float  # the target: the merchant's rate


MIX = (
    Route("POST /events", "POST", "/events", 10_000),
    Route("GET /campaigns/reward-progress", "GET", "/campaigns/reward-progress", 10_000),
    Route("POST /coupons/apply (one limited coupon)", "POST", "/coupons/apply", 2_000),
    Route(
        "POST .../rewards/{reward_id}/redeem (one reward)",
        "POST",
        "/customers/{source_id}/rewards/{reward_id}/redeem",
        500,
    ),
    # Two earning rules, one with a budget: every order writes that rule's counter (2 write units in the
    # transaction), so a budgeted rule's rate is its counter partition's.
    Route("POST /orders (2 earning rules, one budgeted)", "POST", "/orders", 500),
)
FAN_OUT = " ▸ webhook fan-out"
# Scheduled functions: their rate from template.yaml, one invocation replayed each.
SCHEDULED = ("WindowCloserFunction", "PointsSettlerFunction")
# The authorizer on a miss of API Gateway's cache (one per credential per ReauthorizeEvery).
AUTHORIZER = "authorizer, on a cache miss"


# ------------------------------------------------------------------------------------------ counting


@dataclass
class Counting:
    """Charges per label (a route, its fan-out, a scheduled function) and partition, while a label is set."""

    label: str | None = None
    request: int | None = None  # the request of the label under way (None: a drain or an invocation)
    requests: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    units: dict[str, dict[str, list[float]]] = field(
        default_factory=lambda: defaultdict(lambda: defaultdict(lambda: [0.0, 0.0]))
    )
    # per label and partition, the requests that touched it
    touched: dict[str, dict[str, set[int]]] = field(default_factory=lambda: defaultdict(lambda: defaultdict(set)))
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, found: list[Charge]) -> None:
        with self.lock:
            if self.label is None:
                return
            for charge in found:
                units = self.units[self.label][charge.partition]
                units[0] += charge.read_units
                units[1] += charge.write_units
                if self.request is not None:
                    self.touched[self.label][charge.partition].add(self.request)

    @contextmanager
    def labelled(self, label: str) -> Iterator[None]:
        self.label = label
        try:
            yield
        finally:
            self.label = None


def counting_store(counting: Counting, schema: Schema) -> Callable[[Any], Any]:
    """A WSGI wrapper for the embedded store: each DynamoDB request charged from its body and answer,
    the items it writes read from the engine before and after (inside the store's lock)."""
    from moto.core.models import DEFAULT_ACCOUNT_ID

    from rewards_cli import moto_adapter

    def wrap(app: Any) -> Any:
        def counted(environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
            service, _, operation = environ.get("HTTP_X_AMZ_TARGET", "").partition(".")
            table = moto_adapter.find_table(DEFAULT_ACCOUNT_ID, "us-east-1", TABLE_NAME)
            if counting.label is None or service != "DynamoDB_20120810" or table is None:
                return app(environ, start_response)
            length = int(environ.get("CONTENT_LENGTH") or 0)
            body = environ["wsgi.input"].read(length) if length else b""
            environ["wsgi.input"] = io.BytesIO(body)
            params = json.loads(body or b"{}")
            keys = written_keys(schema, operation, params)
            before = [moto_adapter.image_at(table, key) for key in keys]
            answer = b"".join(app(environ, start_response))
            response = json.loads(answer or b"{}")
            images = {
                schema.key_of(key): (old, moto_adapter.image_at(table, key))
                for key, old in zip(keys, before, strict=True)
            }
            # a refused write (an error's body: "__type") is charged as the model charges a raised call
            counting.add(charges(operation, params, response if "__type" not in response else {}, images, schema))
            return [answer]

        return counted

    return wrap


# ------------------------------------------------------------------------------------------ the store


@dataclass
class Seeded:
    customers: list[str]
    coupon: tuple[str, str]
    reward_id: str


def _campaign(group: int) -> dict[str, Any]:
    """The seed's RTA campaign; group 0 on the seed's event names, the others on names of their own."""
    suffix = "" if group == 0 else f"_{group}"
    body: dict[str, Any] = json.loads(json.dumps(RTA_CAMPAIGN))
    for rule in body["rules"]:
        for action in rule["actions"]:
            action["event_name"] += suffix
    return body


HEAT_EARNING_RULES = (
    {"name": "1 point per 1.00", "earn": {"points": 1, "per": 1}, "limits": {"budget": 10**12}},
    {"name": "10 per order", "earn": {"points": 10}, "limits": {"per_customer": {"points": 10**6, "period": "day"}}},
)


def seed(world: World, app_id: str, scale: Scale) -> Seeded:
    """Campaigns through the repository (the API would take minutes of moto for 1,000), the rest
    through the API."""
    from shared import clock
    from shared.api.schemas.campaigns import CampaignCreate
    from shared.domain.campaigns import with_ids
    from shared.ids import new_id
    from shared.storage import campaigns

    groups = min(10, scale.campaigns) if scale.campaigns < 100 else scale.campaigns // 10
    for n in range(scale.campaigns):
        body = _campaign(n % groups)
        draft = CampaignCreate.model_validate({**body, "campaign_name": f"Heat {n}"}).command()
        names = list(dict.fromkeys(a.event_name for rule in draft.rules for a in rule.actions))
        event_ids = campaigns.ensure_event_ids(app_id, names, {name: new_id("even") for name in names})
        campaigns.create(app_id, with_ids(draft, event_ids, clock.now_iso()))
    new_webhook(world)
    for rule in HEAT_EARNING_RULES:
        world.expect(world.send("POST", "/earning-rules", body=rule), 201, what="an earning rule")
    customers = [new_customer(world) for _ in range(scale.customers)]
    return Seeded(customers, fixed_coupon(world, usage_limit=1_000_000_000), new_reward(world))


def _requests(world: World, seeded: Seeded, route: Route, rng: random.Random) -> tuple[str, dict[str, Any]]:
    """One request of ``route`` for a customer drawn from the sample: (path, keyword arguments of send).
    Every write carries an Idempotency-Key, as the API asks of a merchant that retries."""
    customer = rng.choice(seeded.customers)
    if route.method == "GET":
        return route.path, {"query": {"source_id": customer}}
    headers = {**CONTENT_TYPE, "Idempotency-Key": world.unique("key")}
    if route.path == "/events":
        return route.path, {"body": _event(customer, EVENT_NAME, amount=10), "headers": headers}
    if route.path == "/orders":
        return route.path, {"body": order(world, 3, customer), "headers": headers}
    if route.path == "/coupons/apply":
        body = _order(*seeded.coupon, customer, world.unique("order"))
        return route.path, {"body": body, "query": {"type": "redeem"}, "headers": headers}
    path = route.path.replace("{source_id}", customer).replace("{reward_id}", seeded.reward_id)
    return path, {"body": {"custom_transaction_attributes": {"source_of_redemption": "heat"}}, "headers": headers}


@contextmanager
def caches_kept() -> Iterator[None]:
    """The per-container caches (campaign definitions, webhooks) stay as the warm-up filled them while the
    mix is counted. Their refresh, one read of a small version item per container every few seconds, is a
    cost per container rather than per request (README: Hot partitions), and whether it fell inside a count
    would depend on how fast the machine replays: the two counts would disagree by chance."""
    from shared.storage.campaigns import DEFINITIONS_CACHE
    from shared.storage.webhooks import WEBHOOKS_CACHE

    forever = 2**62
    with (
        mock.patch.object(DEFINITIONS_CACHE, "max_age_ms", forever),
        mock.patch.object(WEBHOOKS_CACHE, "max_age_ms", forever),
    ):
        yield


def replay(
    world: World,
    seeded: Seeded,
    scale: Scale,
    counting: Counting,
    drain: Callable[[], None],
    invoke: Callable[[str], None],
) -> dict[str, Any]:
    """Every route's requests (then its fan-out), then each scheduled function once; the statuses seen."""
    rng = random.Random(24)  # noqa: S311 - a reproducible draw of customers, not a secret
    statuses: dict[str, dict[int, int]] = defaultdict(lambda: defaultdict(int))
    with caches_kept():
        for route in MIX:
            count = scale.progress_requests if "progress" in route.path else scale.requests
            path, kwargs = _requests(world, seeded, route, rng)
            world.send(route.method, path, **kwargs)  # warm: the function loaded, its caches filled
            drain()
            with counting.labelled(route.label):
                for counting.request in range(count):
                    path, kwargs = _requests(world, seeded, route, rng)
                    statuses[route.label][world.send(route.method, path, **kwargs).status] += 1
                    counting.requests[route.label] += 1
                counting.request = None
            with counting.labelled(route.label + FAN_OUT):
                drain()
            counting.requests[route.label + FAN_OUT] = count
    for function_id in (*SCHEDULED, AUTHORIZER):
        with counting.labelled(function_id):
            invoke(function_id)
        counting.requests[function_id] = 1
    return {label: dict(by_status) for label, by_status in statuses.items()}


# ------------------------------------------------------------------------------------------ the model


def pattern(partition: str) -> str:
    """A partition key with its ids elided: tags (upper case, or a first word: ``idempotency``) and event
    names kept."""
    index, _, key = partition.rpartition(":")
    kept: list[str] = []
    for segment in key.split("#"):
        tag = segment.replace("_", "").isalpha() and (segment.isupper() or not kept)
        kept.append(segment if tag or (kept and kept[-1] == "EVENT") else "…")
    return (f"{index}:" if index else "") + "#".join(kept)


def spread(partition: str, customers: set[str], sample: int) -> float:
    """The share of a replayed request's units a partition carries at the merchant's scale."""
    return sample / POPULATION if set(partition.rpartition(":")[2].split("#")) & customers else 1.0


def own_patterns(partitions: Mapping[str, Any], touched: Mapping[str, int], requests: int) -> set[str]:
    """The patterns whose every key is one request's own: as many keys as requests, each touched by one."""
    keys_of: dict[str, list[str]] = defaultdict(list)
    for partition in partitions:
        keys_of[pattern(partition)].append(partition)
    return {
        name
        for name, keys in keys_of.items()
        if requests > 1 and len(keys) == requests and all(touched.get(k) == 1 for k in keys)
    }


def _rates(template: Any) -> dict[str, float]:
    """A scheduled function's invocations a second, from its ``rate(N minute[s])``."""
    rates = {}
    for function_id in SCHEDULED:
        expression = template.functions[function_id].schedules[0]
        amount, unit = expression.removeprefix("rate(").rstrip(")").split()
        rates[function_id] = 1 / (int(amount) * (60 if unit.startswith("minute") else 3600))
    return rates


def targets(template: Any) -> dict[str, float]:
    found = {route.label: route.per_second for route in MIX}
    found |= {route.label + FAN_OUT: route.per_second for route in MIX}
    return found | _rates(template) | {AUTHORIZER: 1 / template.authorizer.ttl_seconds}


@dataclass
class Load:
    """What the whole mix puts on one partition a second, and which labels put it there."""

    read_units: float = 0.0
    write_units: float = 0.0
    labels: set[str] = field(default_factory=set)


def model(counted: Mapping[str, Any], targets_per_second: Mapping[str, float]) -> dict[str, Any]:
    """Per label: units per request by partition pattern, the hottest key of each and the ceiling it
    sets; the whole mix at its targets on the hottest partitions."""
    customers, sample = set(counted["customers"]), len(counted["customers"])
    rows: list[dict[str, Any]] = []
    load: dict[str, Load] = defaultdict(Load)
    for label, requests in counted["requests"].items():
        partitions = counted["units"].get(label, {})
        target = targets_per_second[label]
        patterns: dict[str, dict[str, Any]] = {}
        own = own_patterns(partitions, counted["touched"].get(label, {}), requests)
        for partition, (reads, writes) in partitions.items():
            scale = spread(partition, customers, sample)
            share = (0.0 if scale == 1.0 and pattern(partition) in own else scale) / requests
            row = patterns.setdefault(
                pattern(partition), {"keys": 0, "read_units": 0.0, "write_units": 0.0, "ceiling": math.inf}
            )
            row["keys"] += 1
            row["read_units"] += reads / requests
            row["write_units"] += writes / requests
            hot_reads, hot_writes = reads * share, writes * share
            if hot_reads or hot_writes:
                row["ceiling"] = min(
                    row["ceiling"],
                    READ_LIMIT / hot_reads if hot_reads else math.inf,
                    WRITE_LIMIT / hot_writes if hot_writes else math.inf,
                )
            slot = load[partition]
            slot.read_units += target * hot_reads
            slot.write_units += target * hot_writes
            slot.labels.add(label)
        ceiling = min((p["ceiling"] for p in patterns.values()), default=math.inf)
        hottest = min(patterns, key=lambda p: patterns[p]["ceiling"]) if patterns else None
        rows.append(
            {
                "label": label,
                "requests": requests,
                "target_per_second": target,
                "read_units": round(sum(p["read_units"] for p in patterns.values()), 2),
                "write_units": round(sum(p["write_units"] for p in patterns.values()), 2),
                "hottest": hottest,
                "ceiling_per_second": None if math.isinf(ceiling) else round(ceiling, 1),
                "meets_target": ceiling >= target,
                "patterns": {
                    name: {
                        "keys": p["keys"],
                        "read_units": round(p["read_units"], 3),
                        "write_units": round(p["write_units"], 3),
                        "ceiling_per_second": None if math.isinf(p["ceiling"]) else round(p["ceiling"], 1),
                    }
                    for name, p in sorted(patterns.items(), key=lambda item: item[1]["ceiling"])
                },
            }
        )
    partitions = sorted(
        (
            {
                "pattern": pattern(partition),
                "read_units_per_second": round(reads, 1),
                "write_units_per_second": round(writes, 1),
                "of_limit": round(max(reads / READ_LIMIT, writes / WRITE_LIMIT), 3),
                "from": sorted(labels),
            }
            for partition, (reads, writes, labels) in ((k, astuple(v)) for k, v in load.items())
        ),
        key=lambda row: -row["of_limit"],
    )
    worst = partitions[0]["of_limit"] if partitions else 0.0
    return {
        "limits": {"read_units": READ_LIMIT, "write_units": WRITE_LIMIT},
        "population": POPULATION,
        "sample_customers": sample,
        "routes": rows,
        "mix": {
            "hottest_partitions": partitions[:12],
            "scale_before_throttling": round(1 / worst, 3) if worst else None,
        },
        "failing": [row["label"] for row in rows if not row["meets_target"]],
    }


# ------------------------------------------------------------------------------------------ the two counts


def _invoker(template: Any, pool: Any, authorization: str) -> Callable[[str], None]:
    """Invokes a scheduled function, or the authorizer (``AUTHORIZER``) as on a miss of its cache."""
    from rewards_cli import apigw

    def invoke(function_id: str) -> None:
        if function_id != AUTHORIZER:
            pool.invoke(template.functions[function_id], apigw.scheduled_event(function_id))
            return
        route = MIX[1]
        request = apigw.proxy_event(
            method=route.method, resource=route.path, path=route.path, headers={"Authorization": [authorization]}
        )
        pool.invoke(template.functions[template.authorizer.function_id], apigw.authorizer_event(request))

    return invoke


def _delivered(*_: Any, **__: Any) -> int:
    return 200  # the merchant's endpoint answers at once: the fan-out's DynamoDB side is what is measured


def count_in_process(scale: Scale) -> dict[str, Any]:
    """The model's count: in process over moto, at botocore's client."""
    import boto3
    from moto import mock_aws

    from bench.inprocess import _new_world, recording_setup
    from rewards_cli import moto_adapter
    from rewards_cli.outbox import LocalOutbox
    from rewards_cli.template import create_table_arguments

    template, recorder, pool = recording_setup()
    counting = Counting()
    recorder.on_charges = lambda _, found: counting.add(found)
    moto_adapter.install()
    with ExitStack() as stack:
        stack.enter_context(mock_aws())
        stack.enter_context(mock.patch("shared.outbound.post", _delivered))
        boto3.client("dynamodb").create_table(**create_table_arguments(TABLE_NAME))
        world = _new_world(template, pool, "heat")
        seeded = seed(world, world.app_id, scale)
        outbox = LocalOutbox(template, pool, TABLE_NAME)
        outbox.create_resources(from_now=True)  # the seeding's domain events are not the mix's
        with recorder.recording():
            invoke = _invoker(template, pool, world.authorization)
            statuses = replay(world, seeded, scale, counting, outbox.drain, invoke)
    return _counted(counting, seeded, statuses, template)


def count_through_runner(scale: Scale) -> dict[str, Any]:
    """The same requests through the local runner: its embedded store (charged there, per request), its
    HTTP API, its outbox."""
    from bench.inprocess import StoreImages
    from bench.throughput import HOST, HttpWorld, _free_port
    from rewards_cli.embedded_dynamodb import EmbeddedDynamoDB
    from rewards_cli.environment import configure

    counting = Counting()
    state = Path(tempfile.mkdtemp(prefix="bench-heat-"))
    wrap = counting_store(counting, StoreImages.table_schema())
    store = EmbeddedDynamoDB(HOST, _free_port(), state / "dynamodb.json", fsync="batch", wrap=wrap)
    store.start()
    store.ensure_table(TABLE_NAME)
    configure(TABLE_NAME, store.endpoint_url)

    from rewards_cli.gateway import LocalGateway
    from rewards_cli.lambdas import FunctionPool
    from rewards_cli.outbox import LocalOutbox
    from rewards_cli.server import make_server
    from rewards_cli.template import load
    from shared.domain.applications import create_application

    template, pool = load(), FunctionPool()
    created = create_application("bench heat")
    server = make_server(HOST, 0, LocalGateway(template, pool))
    threading.Thread(target=server.serve_forever, daemon=True, name="api").start()
    token = base64.b64encode(f"{created.api_key}:{created.secret_key}".encode()).decode()
    world = HttpWorld(server.server_address[1], f"Basic {token}")
    try:
        with mock.patch("shared.outbound.post", _delivered):
            seeded = seed(world, created.app_id, scale)
            outbox = LocalOutbox(template, pool, TABLE_NAME, store.endpoint_url)
            outbox.create_resources(from_now=True)  # the seeding's domain events are not the mix's
            invoke = _invoker(template, pool, world.authorization)
            statuses = replay(world, seeded, scale, counting, outbox.drain, invoke)
    finally:
        server.shutdown()
        store.stop()
    return _counted(counting, seeded, statuses, template)


def _counted(counting: Counting, seeded: Seeded, statuses: Any, template: Any) -> dict[str, Any]:
    return {
        "customers": seeded.customers,
        "touched": {
            label: {k: len(requests) for k, requests in partitions.items()}
            for label, partitions in counting.touched.items()
        },
        "requests": dict(counting.requests),
        "units": {label: {k: list(v) for k, v in partitions.items()} for label, partitions in counting.units.items()},
        "statuses": statuses,
        "targets": targets(template),
    }


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("output", type=Path)
    parser.add_argument("--counted-by", choices=("model", "runner"), default="model")
    parser.add_argument("--small", action="store_true", help="a small store and few requests (tests)")
    args = parser.parse_args(argv)
    scale = SMALL if args.small else FULL
    counted = count_through_runner(scale) if args.counted_by == "runner" else count_in_process(scale)
    write_json(args.output, {"scale": asdict(scale), "counted": counted, "model": model(counted, counted["targets"])})
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))


# ------------------------------------------------------------------------------------------ the report


def _number(value: float | None) -> str:
    if value is None:
        return "unbounded"
    return f"{value:,.0f}" if value >= 1 else f"1 per {1 / value:,.0f} s"


def _units(read_units: float, write_units: float) -> str:
    return f"{read_units:g} R / {write_units:g} W"


def report(result: Mapping[str, Any], table: Callable[[list[str], list[list[str]]], list[str]]) -> list[str]:
    """The part's lines in ``make bench``'s report (``table`` lays out columns)."""
    if "error" in result:
        return [f"(i) Heat: {result['error']}"]
    found = result["model"]
    scale = result["scale"]
    lines = [
        f"(i) Heat: a merchant of {found['population']:,} customers ({found['sample_customers']} sampled), "
        f"{scale['campaigns']:,} active campaigns, through the real handlers; a partition serves "
        f"{found['limits']['read_units']:,.0f} RCU / {found['limits']['write_units']:,.0f} WCU a second",
    ]
    rows = [
        [
            row["label"],
            _number(row["target_per_second"]),
            _units(row["read_units"], row["write_units"]),
            row["hottest"] or "-",
            _units(row["patterns"][row["hottest"]]["read_units"], row["patterns"][row["hottest"]]["write_units"])
            if row["hottest"]
            else "-",
            _number(row["ceiling_per_second"]),
            "yes" if row["meets_target"] else "NO",
        ]
        for row in found["routes"]
    ]
    headers = ["request", "target/s", "units/request", "hottest partition", "its units/request", "ceiling/s", "ok"]
    lines.extend("    " + line for line in table(headers, rows))
    lines.append(
        "    by partition pattern (units per request on all keys of the pattern; ceiling from its hottest key):"
    )
    rows = [
        [
            row["label"],
            name,
            str(p["keys"]),
            _units(p["read_units"], p["write_units"]),
            _number(p["ceiling_per_second"]),
        ]
        for row in found["routes"]
        for name, p in row["patterns"].items()
    ]
    lines.extend(
        "    " + line for line in table(["request", "partition pattern", "keys", "units/request", "ceiling/s"], rows)
    )
    mix = found["mix"]
    lines.append(
        f"    the whole mix at its targets, hottest partitions (it fits {mix['scale_before_throttling']}x its rates):"
    )
    rows = [
        [
            p["pattern"],
            f"{p['read_units_per_second']:,.0f}",
            f"{p['write_units_per_second']:,.0f}",
            f"{p['of_limit']:.2f}",
            "; ".join(p["from"]),
        ]
        for p in mix["hottest_partitions"]
    ]
    lines.extend("    " + line for line in table(["partition", "RCU/s", "WCU/s", "x limit", "from"], rows))
    if found["failing"]:
        lines.append(f"    !!! BELOW TARGET: {'; '.join(found['failing'])}")
    return lines
