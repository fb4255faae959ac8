"""The standard scenario: for every route of template.yaml, the requests the benchmark sends.

One entry per route, keyed by the template's method and path::

    @route("POST", "/events")
    def _ingest_event(world: World) -> list[Case]:
        campaign = existing_campaign(world)          # setup through the API, never measured
        return [Case("matches a rule", lambda: Request(body={...}))]

``Case.build`` is called once per request sent (fresh ids where a case needs them) and may set state up
through ``world.send`` first: only the request it returns is measured. A route with no entry falls back
to its OpenAPI example (``json_schema_extra={"examples": [...]}`` on the body model, examples on the
parameters) when every path parameter is one the world knows how to fill (``PATH_FIXTURES``); failing
that it is reported as "no scenario", loudly, and the rest of the run goes on.

Scheduled functions are keyed by logical id with ``@schedule``; without an entry they get one idle sweep.
Each route and each scheduled function runs in a world of its own (a fresh application), so the state one
scenario leaves behind never changes what another one measures.
"""

from __future__ import annotations

import itertools
import json
import time
import uuid
from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

CONTENT_TYPE = {"Content-Type": "application/json"}


class SetupFailed(Exception):
    """A scenario could not set its state up: the route is reported with this message, not measured."""


@dataclass(frozen=True, slots=True)
class Reply:
    status: int
    body: Any


@dataclass(frozen=True, slots=True)
class Request:
    path_params: Mapping[str, str] = field(default_factory=dict)
    query: Mapping[str, str] = field(default_factory=dict)
    headers: Mapping[str, str] = field(default_factory=dict)
    body: Any = None  # None: no body; anything else is sent as JSON

    def path(self, template_path: str) -> str:
        path = template_path
        for name, value in self.path_params.items():
            path = path.replace("{" + name + "}", quote(value, safe=""))
        if "{" in path:
            raise SetupFailed(f"{template_path}: no value for a path parameter in {dict(self.path_params)}")
        return path

    def json_body(self) -> str | None:
        return None if self.body is None else json.dumps(self.body)


@dataclass(frozen=True, slots=True)
class Case:
    label: str
    build: Callable[[], Request] = Request


class World(ABC):
    """One application (tenant) and the API it calls: in process (moto) or over HTTP (the local runner)."""

    def __init__(self) -> None:
        self._counter = itertools.count(1)
        self._run = uuid.uuid4().hex[:8]
        self._fixtures: dict[str, Any] = {}

    def send(
        self,
        method: str,
        path: str,
        *,
        body: Any = None,
        query: Mapping[str, str] | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> Reply:
        """Send one authenticated request (JSON body unless None) and return the parsed answer."""
        return self.send_request(method, path, Request(query=query or {}, headers=headers or {}, body=body))

    @abstractmethod
    def send_request(self, method: str, template_path: str, request: Request) -> Reply:
        """Send ``request`` authenticated, its path parameters filled into ``template_path``."""

    def unique(self, prefix: str) -> str:
        return f"{prefix}-{self._run}-{next(self._counter)}"

    def expect(self, reply: Reply, *statuses: int, what: str) -> Any:
        if reply.status not in statuses:
            raise SetupFailed(f"{what}: status {reply.status}, {json.dumps(reply.body)[:300]}")
        return reply.body

    def fixture(self, name: str, create: Callable[[], Any]) -> Any:
        """Created once per world, on first use."""
        if name not in self._fixtures:
            self._fixtures[name] = create()
        return self._fixtures[name]


ScenarioFactory = Callable[[World], list[Case]]
_ROUTES: dict[tuple[str, str], ScenarioFactory] = {}
_SCHEDULES: dict[str, ScenarioFactory] = {}


def route(method: str, path: str) -> Callable[[ScenarioFactory], ScenarioFactory]:
    def register(factory: ScenarioFactory) -> ScenarioFactory:
        _ROUTES[(method.upper(), path)] = factory
        return factory

    return register


def schedule(logical_id: str) -> Callable[[ScenarioFactory], ScenarioFactory]:
    def register(factory: ScenarioFactory) -> ScenarioFactory:
        _SCHEDULES[logical_id] = factory
        return factory

    return register


def registered_routes() -> set[tuple[str, str]]:
    return set(_ROUTES)


# ------------------------------------------------------------------------------------------ fixtures

CUSTOMER_BODY: dict[str, Any] = {
    "name": "Kim Bench",
    "email": "kim@example.com",
    "phone": "+44 20 7946 0000",
    "tags": ["vip", "newsletter"],
    "tier": "gold",
    "attributes": {"city": "Leeds", "age": 34, "subscribed": True},
}

# The seed's RTA campaign: a sum rule (deposits) and a count rule (orders), and a one-step rule.
RTA_CAMPAIGN: dict[str, Any] = {
    "campaign_name": "Bench RTA campaign",
    "campaign_type": "loyalty",
    "rules": [
        {
            "rule_name": "Deposit 1000 and order",
            "action_type": "RTA",
            "actions": [
                {"event_name": "money_deposited", "measure": "sum", "property": "amount", "target": 1_000_000},
                {"event_name": "order_success", "target": 1_000_000},
            ],
            "reward": {"type": "points", "points": 100},
        },
        {
            "rule_name": "KYC",
            "action_type": "RTA",
            "actions": [{"event_name": "complete_KYC_Verification", "target": 1}],
            "reward": {"type": "points", "points": 100},
        },
    ],
}

AWT_WINDOW_SECONDS = 3600
# The seed's AWT campaign: an order of at least 200 within the window that a signup opens.
AWT_CAMPAIGN: dict[str, Any] = {
    "campaign_name": "Bench AWT campaign",
    "campaign_type": "loyalty",
    "rules": [
        {
            "rule_name": "Order within an hour of signup",
            "action_type": "AWT",
            "time_duration": AWT_WINDOW_SECONDS,
            "actions": [
                {"event_name": "signup", "target": 1},
                {
                    "event_name": "order_success",
                    "target": 1,
                    "conditions": [{"property": "amount", "operator": "gte", "value": 200}],
                },
            ],
            "reward": {"type": "points", "points": 50},
        }
    ],
}


def new_customer(world: World) -> str:
    source_id = world.unique("cust")
    world.expect(
        world.send("PUT", f"/customers/{quote(source_id, safe='')}", body=CUSTOMER_BODY, headers=CONTENT_TYPE),
        200,
        201,
        what="PUT /customers (setup)",
    )
    return source_id


def existing_customer(world: World) -> str:
    source_id: str = world.fixture("customer", lambda: new_customer(world))
    return source_id


def new_campaign(world: World, body: Mapping[str, Any] = RTA_CAMPAIGN) -> str:
    created = world.expect(
        world.send("POST", "/campaigns", body=body, headers=CONTENT_TYPE), 200, 201, what="POST /campaigns (setup)"
    )
    campaign_id: str = created["id"] if "id" in created else created["campaign_id"]
    return campaign_id


def existing_campaign(world: World) -> str:
    campaign_id: str = world.fixture("campaign", lambda: new_campaign(world))
    return campaign_id


def new_webhook(world: World) -> str:
    body = {"url": f"https://93.184.215.14/hooks/{world.unique('hook')}", "events": ["*"]}
    created = world.expect(
        world.send("POST", "/webhooks", body=body, headers=CONTENT_TYPE), 201, what="POST /webhooks (setup)"
    )
    webhook_id: str = created["id"]
    return webhook_id


def existing_webhook(world: World) -> str:
    webhook_id: str = world.fixture("webhook", lambda: new_webhook(world))
    return webhook_id


# Path parameters the OpenAPI fallback knows how to fill, by name.
PATH_FIXTURES: dict[str, Callable[[World], str]] = {
    "source_id": existing_customer,
    "campaign_id": existing_campaign,
    "webhook_id": existing_webhook,
}


def _event(source_id: str, name: str, timestamp: int | None = None, **properties: Any) -> dict[str, Any]:
    body: dict[str, Any] = {"source_id": source_id, "event_name": name, "properties": properties}
    if timestamp is not None:
        body["timestamp"] = timestamp
    return body


# ------------------------------------------------------------------------------------------ registry


@route("PUT", "/customers/{source_id}")
def _put_customer(world: World) -> list[Case]:
    existing = existing_customer(world)
    return [
        Case("create", lambda: Request({"source_id": world.unique("cust")}, headers=CONTENT_TYPE, body=CUSTOMER_BODY)),
        Case(
            "update",
            lambda: Request({"source_id": existing}, headers=CONTENT_TYPE, body={**CUSTOMER_BODY, "tier": "silver"}),
        ),
        Case(
            "create, Idempotency-Key",
            lambda: Request(
                {"source_id": world.unique("cust")},
                headers={**CONTENT_TYPE, "Idempotency-Key": world.unique("key")},
                body=CUSTOMER_BODY,
            ),
        ),
    ]


@route("GET", "/customers/{source_id}")
def _get_customer(world: World) -> list[Case]:
    existing = existing_customer(world)
    return [Case("existing", lambda: Request({"source_id": existing}))]


@route("GET", "/customers")
def _list_customers(world: World) -> list[Case]:
    prefix = world.unique("list")
    for index in range(20):  # a full page of the default limit
        world.expect(
            world.send("PUT", f"/customers/{prefix}-{index:02d}", body=CUSTOMER_BODY, headers=CONTENT_TYPE),
            201,
            what="PUT /customers (setup)",
        )
    return [
        Case("first page", lambda: Request(query={"limit": "20"})),
        Case("20 by prefix", lambda: Request(query={"limit": "20", "q": prefix})),
    ]


@route("GET", "/customers/{source_id}/transactions")
def _list_transactions(world: World) -> list[Case]:
    existing = existing_customer(world)
    new_campaign(world)
    # A completed KYC rule credits points: one ledger entry to list.
    world.expect(
        world.send("POST", "/events", body=_event(existing, "complete_KYC_Verification"), headers=CONTENT_TYPE),
        200,
        201,
        what="POST /events (setup)",
    )
    return [
        Case("one entry", lambda: Request({"source_id": existing}, query={"limit": "20"})),
        Case("by reason", lambda: Request({"source_id": existing}, query={"limit": "20", "reason": "rule_completion"})),
    ]


# --- points: policy, adjustments, reversals ---
LOTS_SPANNED = 10


def _adjust(world: World, source_id: str, points: int) -> str:
    body = {"points": points, "description": "bench"}
    path = f"/customers/{quote(source_id, safe='')}/transactions"
    created = world.expect(
        world.send("POST", path, body=body, headers=CONTENT_TYPE), 201, what="POST /customers/{source_id}/transactions"
    )
    txn_id: str = created["id"]
    return txn_id


def _set_policy(world: World, **policy: Any) -> None:
    world.expect(
        world.send("PUT", "/settings/points", body=policy, headers=CONTENT_TYPE), 200, what="PUT /settings/points"
    )


def _customer_with_lots(world: World, lots: int, points: int) -> str:
    """A new customer with ``lots`` lots of ``points`` each, expiring on as many days."""
    source_id = new_customer(world)
    for day in range(lots):
        _set_policy(world, expire_after_days=30 + day)
        _adjust(world, source_id, points)
    return source_id


@route("GET", "/settings/points")
def _get_points_policy(world: World) -> list[Case]:
    _set_policy(world, expire_after_days=365, pending_days=14)
    return [Case("set", Request)]


@route("PUT", "/settings/points")
def _set_points_policy(world: World) -> list[Case]:
    body = {
        "expire_after_days": 365,
        "pending_days": 14,
        "return_policy": "within_balance",
        "time_zone": "Europe/Paris",
    }
    return [
        Case("expiry and pending", lambda: Request(headers=CONTENT_TYPE, body=body)),
        Case(
            "Idempotency-Key",
            lambda: Request(headers={**CONTENT_TYPE, "Idempotency-Key": world.unique("key")}, body=body),
        ),
    ]


# --- tiers: the program, a member's override ---
TIER_PROGRAM: dict[str, Any] = {
    "window": {"rolling_months": 12},
    "tiers": [
        {"name": "Silver", "threshold": 0},
        {"name": "Gold", "threshold": 1000, "multiplier": 1.5},
        {"name": "Platinum", "threshold": 5000, "multiplier": 2},
    ],
    "downgrade": {"policy": "one_down", "grace_days": 30, "notice_days": 7},
}


def _set_tier_program(world: World) -> None:
    world.expect(
        world.send("PUT", "/settings/tiers", body=TIER_PROGRAM, headers=CONTENT_TYPE), 200, what="PUT /settings/tiers"
    )


def _tier_path(source_id: str) -> str:
    return f"/customers/{quote(source_id, safe='')}/tier"


@route("GET", "/settings/tiers")
def _get_tier_program(world: World) -> list[Case]:
    _set_tier_program(world)
    return [Case("three tiers", Request)]


@route("PUT", "/settings/tiers")
def _put_tier_program(world: World) -> list[Case]:
    return [Case("three tiers", lambda: Request(headers=CONTENT_TYPE, body=TIER_PROGRAM))]


@route("PUT", "/customers/{source_id}/tier")
def _override_tier(world: World) -> list[Case]:
    _set_tier_program(world)
    body = {"name": "Platinum", "until": "2099-01-01T00:00:00Z", "reason": "bench"}
    return [Case("to Platinum", lambda: Request({"source_id": new_customer(world)}, headers=CONTENT_TYPE, body=body))]


@route("DELETE", "/customers/{source_id}/tier")
def _remove_tier_override(world: World) -> list[Case]:
    _set_tier_program(world)
    body = {"name": "Platinum", "until": "2099-01-01T00:00:00Z"}

    def overridden() -> Request:
        source_id = new_customer(world)
        world.expect(world.send("PUT", _tier_path(source_id), body=body, headers=CONTENT_TYPE), 200, what="override")
        return Request({"source_id": source_id})

    return [Case("an override", overridden)]


@route("POST", "/customers/{source_id}/transactions")
def _adjust_points(world: World) -> list[Case]:
    existing = existing_customer(world)
    _adjust(world, existing, 10_000_000)
    credit = {"points": 100, "description": "Goodwill"}
    return [
        Case("credit", lambda: Request({"source_id": existing}, headers=CONTENT_TYPE, body=credit)),
        Case(
            "credit, Idempotency-Key",
            lambda: Request(
                {"source_id": existing}, headers={**CONTENT_TYPE, "Idempotency-Key": world.unique("key")}, body=credit
            ),
        ),
        Case(
            "debit, one lot",
            lambda: Request({"source_id": existing}, headers=CONTENT_TYPE, body={"points": -1, "description": "bench"}),
        ),
        Case(
            f"debit spanning {LOTS_SPANNED} lots",
            lambda: Request(
                {"source_id": _customer_with_lots(world, LOTS_SPANNED, 10)},
                headers=CONTENT_TYPE,
                body={"points": -10 * LOTS_SPANNED, "description": "bench"},
            ),
        ),
    ]


@route("POST", "/customers/{source_id}/transactions/{txn_id}/reverse")
def _reverse_transaction(world: World) -> list[Case]:
    existing = existing_customer(world)

    def spent_credit() -> Request:
        """A credit whose points were spent: the reversal takes from the balance, by the return policy."""
        source_id = new_customer(world)
        txn_id = _adjust(world, source_id, 100)
        _adjust(world, source_id, 50)
        _adjust(world, source_id, -120)
        return Request({"source_id": source_id, "txn_id": txn_id}, headers=CONTENT_TYPE, body={})

    return [
        Case(
            "all of a credit",
            lambda: Request(
                {"source_id": existing, "txn_id": _adjust(world, existing, 100)}, headers=CONTENT_TYPE, body={}
            ),
        ),
        Case("a spent credit, within_balance", spent_credit),
    ]


# --- a customer's data and erasure ---
EXPORTED_ENTRIES = 20


@route("GET", "/customers/{source_id}/export")
def _export_customer(world: World) -> list[Case]:
    existing_webhook(world)  # the deliveries section reads the application's delivery logs
    source_id = new_customer(world)
    for _ in range(EXPORTED_ENTRIES):
        _adjust(world, source_id, 5)
    return [
        Case(f"every section, {EXPORTED_ENTRIES} ledger entries", lambda: Request({"source_id": source_id})),
        Case("the ledger section", lambda: Request({"source_id": source_id}, query={"section": "ledger"})),
    ]


@route("POST", "/customers/{source_id}/erase")
def _erase_customer(world: World) -> list[Case]:
    existing_webhook(world)
    erased = new_customer(world)
    world.expect(world.send("POST", f"/customers/{quote(erased, safe='')}/erase"), 200, what="POST erase (setup)")

    def first_erasure() -> Request:
        source_id = new_customer(world)
        _adjust(world, source_id, 10)
        return Request({"source_id": source_id})

    return [
        Case("a customer with a ledger entry", first_erasure),
        Case("again (nothing left to erase)", lambda: Request({"source_id": erased})),
    ]


# --- exports (the worker that writes the file runs off the request path; README "Exports" gives its cost) ---
@route("POST", "/exports")
def _start_export(world: World) -> list[Case]:
    month = {"starts_at": "2026-01-01T00:00:00Z", "ends_at": "2026-01-31T23:59:59.999Z"}
    return [
        Case("the ledger of a month, CSV", lambda: Request(headers=CONTENT_TYPE, body={"type": "ledger", **month})),
        Case(
            "every customer, JSON Lines",
            lambda: Request(headers=CONTENT_TYPE, body={"type": "customers", "format": "jsonl"}),
        ),
    ]


@route("GET", "/exports/{export_id}")
def _get_export(world: World) -> list[Case]:
    started = world.send("POST", "/exports", body={"type": "customers"}, headers=CONTENT_TYPE)
    queued = world.expect(started, 202, what="POST /exports (setup)")
    return [Case("a queued export", lambda: Request({"export_id": queued["id"]}))]


# --- member imports (the rows themselves run on the import workers: README "Importing members") ---
IMPORT_BODY = {"format": "csv"}


@route("POST", "/imports")
def _create_import(world: World) -> list[Case]:
    return [Case("a job and its upload URL", lambda: Request(headers=CONTENT_TYPE, body=IMPORT_BODY))]


@route("GET", "/imports/{import_id}")
def _get_import(world: World) -> list[Case]:
    created = world.expect(
        world.send("POST", "/imports", body=IMPORT_BODY, headers=CONTENT_TYPE), 201, what="POST /imports"
    )
    import_id: str = created["id"]
    return [Case("a job waiting for its file", lambda: Request({"import_id": import_id}))]


@route("POST", "/campaigns")
def _create_campaign(world: World) -> list[Case]:
    return [Case("RTA, 2 rules", lambda: Request(headers=CONTENT_TYPE, body=RTA_CAMPAIGN))]


@route("GET", "/campaigns")
def _list_campaigns(world: World) -> list[Case]:
    for _ in range(3):
        new_campaign(world)
    return [Case("3 campaigns", lambda: Request(query={"limit": "20"}))]


@route("GET", "/campaigns/{campaign_id}")
def _get_campaign(world: World) -> list[Case]:
    campaign_id = existing_campaign(world)
    return [Case("existing", lambda: Request({"campaign_id": campaign_id}))]


@route("PATCH", "/campaigns/{campaign_id}")
def _update_campaign(world: World) -> list[Case]:
    campaign_id = existing_campaign(world)
    return [
        Case(
            "rename",
            lambda: Request({"campaign_id": campaign_id}, headers=CONTENT_TYPE, body={"campaign_name": "Renamed"}),
        )
    ]


@route("DELETE", "/campaigns/{campaign_id}")
def _archive_campaign(world: World) -> list[Case]:
    return [Case("archive", lambda: Request({"campaign_id": new_campaign(world)}))]


@route("GET", "/audit-log")
def _audit_log(world: World) -> list[Case]:
    campaign_id = existing_campaign(world)
    for name in ("Renamed", "Renamed again"):
        world.expect(
            world.send("PATCH", f"/campaigns/{campaign_id}", body={"campaign_name": name}, headers=CONTENT_TYPE),
            200,
            what="PATCH /campaigns (setup)",
        )
    history = {"object_type": "campaign", "object_id": campaign_id, "limit": "20"}
    return [
        Case("a campaign's 3 changes", lambda: Request(query=history)),
        Case("the whole log, 16 shards", lambda: Request(query={"limit": "20"})),
    ]


@route("GET", "/campaigns/reward-progress")
def _reward_progress(world: World) -> list[Case]:
    existing = existing_customer(world)
    new_campaign(world)
    new_campaign(world, AWT_CAMPAIGN)
    for event in (_event(existing, "money_deposited", amount=150), _event(existing, "signup")):
        world.expect(
            world.send("POST", "/events", body=event, headers=CONTENT_TYPE), 200, 201, what="POST /events (setup)"
        )
    return [Case("2 campaigns, 3 rules", lambda: Request(query={"source_id": existing}))]


@route("POST", "/events")
def _ingest_event(world: World) -> list[Case]:
    new_campaign(world)
    new_campaign(world, AWT_CAMPAIGN)
    existing = existing_customer(world)
    return [
        # The first case is the ingestion throughput's request (bench/throughput.py).
        Case(
            "new customer, advances a rule",
            lambda: Request(headers=CONTENT_TYPE, body=_event(world.unique("cust"), "order_success", amount=120)),
        ),
        Case(
            "existing customer, advances a sum rule",
            lambda: Request(headers=CONTENT_TYPE, body=_event(existing, "money_deposited", amount=10)),
        ),
        Case(
            "existing customer, no rule",
            lambda: Request(headers=CONTENT_TYPE, body=_event(existing, "page_viewed", page="/home")),
        ),
        Case(
            "new customer, Idempotency-Key",
            lambda: Request(
                headers={**CONTENT_TYPE, "Idempotency-Key": world.unique("key")},
                body=_event(world.unique("cust"), "order_success", amount=120),
            ),
        ),
    ]


# --- Rehook compatibility ---
# The bodies Rehook's Segment destination sends (identify's traits, track's properties).
IDENTIFY_TRAITS: dict[str, Any] = {
    "firstName": "Kim",
    "lastName": "Bench",
    "email": "kim@example.com",
    "plan": "pro",
    "address": {"city": "Leeds", "country": "GB"},
}
ORDER_COMPLETED_CAMPAIGN: dict[str, Any] = {
    "campaign_name": "Bench Order Completed",
    "rules": [
        {
            "rule_name": "Revenue",
            "action_type": "RTA",
            "actions": [
                {"event_name": "Order Completed", "measure": "sum", "property": "revenue", "target": 1_000_000}
            ],
            "reward": {"type": "points", "points": 100},
        }
    ],
}


@route("GET", "/events/segment/check-auth")
def _check_segment_auth(world: World) -> list[Case]:
    return [Case("valid credentials")]


# --- Stats: one query for every shard of a 30-day range, whatever the day's traffic.
@route("GET", "/stats")
def _get_stats(world: World) -> list[Case]:
    return [
        Case("the last 30 days (default)"),
        Case("a 92-day range", lambda: Request(query={"from": "2026-01-01", "to": "2026-04-02"})),
    ]


# --- A method a resource lacks: the 405 function answers every resource's other methods alike, so one
# stands for all (bench/inprocess.py measures it); public, no table call.
WRONG_METHOD = ("DELETE", "/events")


@route(*WRONG_METHOD)
def _wrong_method(world: World) -> list[Case]:
    return [Case("a method the resource lacks")]


# --- Dashboard: public static files (the world's credentials are sent and ignored); no table call.
@route("GET", "/dashboard")
def _dashboard_page(world: World) -> list[Case]:
    return [Case("the page")]


@route("GET", "/dashboard/{asset}")
def _dashboard_asset(world: World) -> list[Case]:
    return [
        Case("the app script", lambda: Request(path_params={"asset": "app.js"})),
        Case("the vendored library", lambda: Request(path_params={"asset": "preact-htm-3.1.1.mjs"})),
    ]


@route("POST", "/customers")
def _identify_customer(world: World) -> list[Case]:
    existing = existing_customer(world)
    referrer = world.fixture("referrer", lambda: new_customer(world))
    code = world.expect(world.send("GET", f"/customers/{quote(referrer, safe='')}"), 200, what="GET (setup)")[
        "referral_code"
    ]
    return [
        Case(
            "create",
            lambda: Request(
                headers=CONTENT_TYPE, body={"source_id": world.unique("cust"), "metadata": IDENTIFY_TRAITS}
            ),
        ),
        Case(
            "update", lambda: Request(headers=CONTENT_TYPE, body={"source_id": existing, "metadata": {"plan": "team"}})
        ),
        Case(
            "create with a referral code",
            lambda: Request(
                headers=CONTENT_TYPE,
                body={"source_id": world.unique("cust"), "metadata": IDENTIFY_TRAITS, "referral_code": code},
            ),
        ),
    ]


@route("POST", "/webhooks")
def _create_webhook(world: World) -> list[Case]:
    return [
        Case(
            "public https target",
            lambda: Request(
                headers=CONTENT_TYPE, body={"url": "https://93.184.215.14/hooks", "events": ["rule.completed"]}
            ),
        ),
        Case(
            "metadata address refused (400)",
            lambda: Request(headers=CONTENT_TYPE, body={"url": "https://169.254.169.254/", "events": ["*"]}),
        ),
    ]


@route("POST", "/events/invoke")
def _invoke_event(world: World) -> list[Case]:
    new_campaign(world, ORDER_COMPLETED_CAMPAIGN)
    existing = existing_customer(world)
    order = {"revenue": 40.5, "currency": "USD", "products": [{"sku": "45790-32", "price": 19.99}]}
    return [
        Case(
            "existing customer, advances a sum rule",
            lambda: Request(
                headers=CONTENT_TYPE, body={"event_name": "Order Completed", "source_id": existing, "metadata": order}
            ),
        ),
        Case(
            "new customer, no rule",
            lambda: Request(
                headers=CONTENT_TYPE,
                body={"event_name": "Product Viewed", "source_id": world.unique("cust"), "metadata": {"sku": "A"}},
            ),
        ),
    ]


@route("GET", "/webhooks")
def _list_webhooks(world: World) -> list[Case]:
    for _ in range(3):
        new_webhook(world)
    return [Case("three webhooks")]


@route("GET", "/webhooks/{webhook_id}")
def _get_webhook(world: World) -> list[Case]:
    webhook_id = existing_webhook(world)
    return [Case("existing", lambda: Request({"webhook_id": webhook_id}))]


@route("DELETE", "/webhooks/{webhook_id}")
def _delete_webhook(world: World) -> list[Case]:
    # A webhook of its own per request; at most 20 exist at once, so each is created right before.
    return [Case("existing", lambda: Request({"webhook_id": new_webhook(world)}))]


@route("GET", "/webhooks/{webhook_id}/deliveries")
def _list_deliveries(world: World) -> list[Case]:
    webhook_id = existing_webhook(world)
    # The bench has no stream publisher: the log is empty, which costs the same reads as a full page.
    return [Case("empty log", lambda: Request({"webhook_id": webhook_id}))]


@route("POST", "/webhooks/{webhook_id}/deliveries/{delivery_id}/retry")
def _retry_delivery(world: World) -> list[Case]:
    webhook_id = existing_webhook(world)
    # Without a publisher no delivery exists: the 404 path makes the same reads and conditional write
    # as a retry (a retry adds one SendMessage to the queue, not to DynamoDB).
    return [Case("unknown delivery (404)", lambda: Request({"webhook_id": webhook_id, "delivery_id": "dlv_bench"}))]


# --- rewards catalog ---
CATALOG_SIZE = 20
BENCH_REWARD: dict[str, Any] = {
    "name": "Bench headphones",
    "type": "MATERIAL",
    "parameters": {"product": {"id": "prod_bench"}},
    "stock": 1_000_000,
    "points_to_be_redeemed": 0,
    "brand": "1",
    "member_eligibility_rules": [
        {
            "conditions": [
                {"operator": "Contain any of", "attribute": "User Tags", "value": ["vip", "cohortA"]},
                "AND",
                {"operator": "Greater than", "attribute": "Points Balance", "value": -1},
            ]
        }
    ],
    "custom_transaction_attributes": [
        {"attribute_id": "source_of_redemption", "attribute_name": "Source", "attribute_type": "Text"}
    ],
    "translations": {"fr": {"name": "Casque"}},
}


def new_reward(world: World, body: Mapping[str, Any] = BENCH_REWARD) -> str:
    created = world.expect(
        world.send("POST", "/rewards", body=body, headers=CONTENT_TYPE), 201, what="POST /rewards (setup)"
    )
    reward_id: str = created["id"]
    return reward_id


def existing_reward(world: World) -> str:
    reward_id: str = world.fixture("reward", lambda: new_reward(world))
    return reward_id


def _redeem(world: World, source_id: str, reward_id: str) -> str:
    path = f"/customers/{quote(source_id, safe='')}/rewards/{reward_id}/redeem"
    redeemed = world.expect(world.send("POST", path, body={}, headers=CONTENT_TYPE), 201, what="redeem (setup)")
    redemption_id: str = redeemed["id"]
    return redemption_id


@route("POST", "/rewards")
def _create_reward(world: World) -> list[Case]:
    return [Case("MATERIAL with a rule", lambda: Request(headers=CONTENT_TYPE, body=BENCH_REWARD))]


@route("GET", "/rewards")
def _list_rewards(world: World) -> list[Case]:
    for _ in range(3):
        new_reward(world)
    return [
        Case("3 rewards", lambda: Request(query={"limit": "20"})),
        Case("filtered by type and brand", lambda: Request(query={"type": "MATERIAL", "brand": "1"})),
    ]


@route("GET", "/rewards/{reward_id}")
def _get_reward(world: World) -> list[Case]:
    reward_id = existing_reward(world)
    return [Case("existing", lambda: Request({"reward_id": reward_id}))]


@route("PATCH", "/rewards/{reward_id}")
def _update_reward(world: World) -> list[Case]:
    reward_id = existing_reward(world)
    return [Case("rename", lambda: Request({"reward_id": reward_id}, headers=CONTENT_TYPE, body={"name": "Renamed"}))]


@route("DELETE", "/rewards/{reward_id}")
def _disable_reward(world: World) -> list[Case]:
    return [Case("disable", lambda: Request({"reward_id": new_reward(world)}))]


@route("GET", "/customers/{source_id}/rewards")
def _customer_rewards(world: World) -> list[Case]:
    existing = existing_customer(world)
    for _ in range(CATALOG_SIZE):
        new_reward(world)
    return [
        Case(f"{CATALOG_SIZE} rewards", lambda: Request({"source_id": existing})),
        Case(f"{CATALOG_SIZE} rewards, explain", lambda: Request({"source_id": existing}, query={"explain": "true"})),
    ]


@route("POST", "/customers/{source_id}/rewards/{reward_id}/redeem")
def _redeem_reward(world: World) -> list[Case]:
    existing = existing_customer(world)
    reward_id = existing_reward(world)
    body = {"custom_transaction_attributes": {"source_of_redemption": "bench"}}
    return [
        Case(
            "MATERIAL",
            lambda: Request({"source_id": existing, "reward_id": reward_id}, headers=CONTENT_TYPE, body=body),
        ),
        Case(
            "MATERIAL, Idempotency-Key",
            lambda: Request(
                {"source_id": existing, "reward_id": reward_id},
                headers={**CONTENT_TYPE, "Idempotency-Key": world.unique("key")},
                body=body,
            ),
        ),
    ]


@route("POST", "/customers/{source_id}/rewards/redemptions/{redemption_id}/cancel")
def _cancel_redemption(world: World) -> list[Case]:
    existing = existing_customer(world)
    reward_id = existing_reward(world)
    return [
        Case(
            "MATERIAL",
            lambda: Request({"source_id": existing, "redemption_id": _redeem(world, existing, reward_id)}),
        )
    ]


@route("GET", "/customers/{source_id}/rewards/redemptions")
def _list_reward_redemptions(world: World) -> list[Case]:
    existing = existing_customer(world)
    reward_id = existing_reward(world)
    for _ in range(3):
        _redeem(world, existing, reward_id)
    return [Case("3 redemptions", lambda: Request({"source_id": existing}))]


@route("GET", "/api_gateway/rewards/core/v1/user/reward/{rewardId}/brand/{brandName}")
def _brand_reward(world: World) -> list[Case]:
    existing = existing_customer(world)
    reward_id = existing_reward(world)
    return [
        Case("no user", lambda: Request({"rewardId": reward_id, "brandName": "1"})),
        Case(
            "user and language",
            lambda: Request({"rewardId": reward_id, "brandName": "1"}, query={"userId": existing, "language": "fr"}),
        ),
        Case("6004", lambda: Request({"rewardId": reward_id, "brandName": "2"})),
    ]


@route("GET", "/api_gateway/rewards/core/v1/user/reward/brand/{brandName}")
def _brand_rewards(world: World) -> list[Case]:
    existing = existing_customer(world)
    for _ in range(CATALOG_SIZE):
        new_reward(world)
    new_reward(world, {**BENCH_REWARD, "brand": "2"})  # another brand's, filtered out by the store
    return [
        Case(f"{CATALOG_SIZE} rewards, user", lambda: Request({"brandName": "1"}, query={"userId": existing})),
        Case(f"{CATALOG_SIZE} rewards, no user", lambda: Request({"brandName": "1"})),
        Case("6004", lambda: Request({"brandName": "3"})),
    ]


@route("GET", "/api_gateway/rewards/core/v1/user/vouchers/brand/{brandName}")
def _user_vouchers(world: World) -> list[Case]:
    existing = existing_customer(world)
    reward_id = existing_reward(world)
    for _ in range(3):
        _redeem(world, existing, reward_id)
    till = {"username": "bench.till"}
    return [
        Case("3 vouchers", lambda: Request({"brandName": "1"}, query={**till, "userId": existing})),
        Case("816", lambda: Request({"brandName": "1"}, query={**till, "userId": world.unique("nobody")})),
    ]


DUE_WINDOWS_PER_SWEEP = 5


@schedule("WindowCloserFunction")
def _close_windows(world: World) -> list[Case]:
    new_campaign(world, AWT_CAMPAIGN)

    def open_due_windows() -> Request:
        # Signups older than the window: each opens a window that is already due.
        past = int(time.time()) - AWT_WINDOW_SECONDS - 60
        for _ in range(DUE_WINDOWS_PER_SWEEP):
            world.expect(
                world.send("POST", "/events", body=_event(world.unique("cust"), "signup", past), headers=CONTENT_TYPE),
                200,
                201,
                what="POST /events (setup)",
            )
        return Request()

    return [Case("idle sweep"), Case(f"{DUE_WINDOWS_PER_SWEEP} due windows", open_due_windows)]


# ------------------------------------------------------------------------------------------ coupons

# SPEC §10's coupon, and seed 004's order that qualifies for it (subtotal over 200, cart_qty over 10).
SPEC_COUPON: dict[str, Any] = {
    "discount": {"type": "amount", "value": 100},
    "usage_limit_per_customer": 1_000_000,
    "metadata_schema": {"cart_qty": "number", "brand": "string", "category": "string"},
    "conditions": {
        "order": [
            {"field": "selling_price_subtotal", "operator": "gt", "value": 200},
            {"field": "metadata.cart_qty", "operator": "gt", "value": 10},
        ],
        "items": {"match": [{"field": "metadata.brand", "operator": "eq", "value": "brand A"}], "min_quantity": 1},
    },
}


def _order(coupon_id: str, code: str, source_id: str, order_id: str) -> dict[str, Any]:
    item = {"product_id": "123", "original_price": 200, "selling_price": 200, "quantity": 1, "shipping": 0}
    return {
        "coupon_details": [{"coupon_id": coupon_id, "coupon_code": code}],
        "source_id": source_id,
        "order": {
            "order_id": order_id,
            "status": "pending",
            "original_price_subtotal": 800,
            "selling_price_subtotal": 800,
            "shipping": 100,
            "tax": 20,
            "payment_mode": "UPI",
            "metadata": {"cart_qty": "12"},
            "items": [
                {**item, "metadata": {"brand": "brand A", "category": "grocery"}},
                {
                    **item,
                    "product_id": "654",
                    "quantity": 2,
                    "metadata": {"brand": "brand B", "category": "vegetables"},
                },
            ],
        },
    }


def new_coupon(world: World, body: Mapping[str, Any]) -> str:
    created = world.expect(
        world.send("POST", "/coupons", body=body, headers=CONTENT_TYPE), 201, what="POST /coupons (setup)"
    )
    coupon_id: str = created["coupon_id"]
    return coupon_id


def fixed_coupon(world: World, **changes: Any) -> tuple[str, str]:
    code = world.unique("CODE").upper()
    return new_coupon(world, {**SPEC_COUPON, "coupon_code": code, **changes}), code


def pool_coupon(world: World, codes: int) -> tuple[str, list[str]]:
    coupon_id = new_coupon(world, SPEC_COUPON)
    prefix = world.unique("P").upper()
    pool = [f"{prefix}-{n}" for n in range(codes)]
    for start in range(0, codes, 10_000):
        world.expect(
            world.send(
                "POST",
                f"/coupons/{coupon_id}/codes",
                body={"codes": pool[start : start + 10_000]},
                headers=CONTENT_TYPE,
            ),
            200,
            what="POST /coupons/{coupon_id}/codes (setup)",
        )
    return coupon_id, pool


def existing_coupon(world: World) -> str:
    coupon_id: str = world.fixture("coupon", lambda: fixed_coupon(world)[0])
    return coupon_id


PATH_FIXTURES["coupon_id"] = existing_coupon


@route("POST", "/coupons")
def _create_coupon(world: World) -> list[Case]:
    return [
        Case(
            "SPEC coupon, fixed code",
            lambda: Request(headers=CONTENT_TYPE, body={**SPEC_COUPON, "coupon_code": world.unique("C").upper()}),
        ),
        Case("pool coupon", lambda: Request(headers=CONTENT_TYPE, body=SPEC_COUPON)),
    ]


@route("GET", "/coupons")
def _list_coupons(world: World) -> list[Case]:
    for _ in range(3):
        fixed_coupon(world)
    fixed_coupon(world, usage_limit=10)
    return [
        Case("4 coupons", lambda: Request(query={"limit": "20"})),
        Case("4 coupons, status active", lambda: Request(query={"limit": "20", "status": "active"})),
    ]


@route("GET", "/coupons/{coupon_id}")
def _get_coupon(world: World) -> list[Case]:
    coupon_id = existing_coupon(world)
    return [Case("fixed code", lambda: Request({"coupon_id": coupon_id}))]


@route("PATCH", "/coupons/{coupon_id}")
def _update_coupon(world: World) -> list[Case]:
    coupon_id = existing_coupon(world)
    return [
        Case(
            "rename", lambda: Request({"coupon_id": coupon_id}, headers=CONTENT_TYPE, body={"name": world.unique("n")})
        ),
        Case(
            "limit an unlimited coupon (moves the shards' uses)",
            lambda: Request({"coupon_id": fixed_coupon(world)[0]}, headers=CONTENT_TYPE, body={"usage_limit": 1000}),
        ),
    ]


@route("POST", "/coupons/{coupon_id}/codes")
def _import_codes(world: World) -> list[Case]:
    def codes(count: int) -> Callable[[], Request]:
        def build() -> Request:
            coupon_id = new_coupon(world, SPEC_COUPON)
            prefix = world.unique("I").upper()
            return Request(
                {"coupon_id": coupon_id}, headers=CONTENT_TYPE, body={"codes": [f"{prefix}-{n}" for n in range(count)]}
            )

        return build

    return [Case("10 codes", codes(10)), Case("500 codes", codes(500))]


def _apply_cases(world: World, path_type: str) -> list[Case]:
    source_id = existing_customer(world)
    fixed_id, fixed_code = fixed_coupon(world)
    limited_id, limited_code = fixed_coupon(world, usage_limit=1_000_000)
    # one pool per path type: the revert cases redeem their own codes first
    pool_id, pool = world.fixture(f"pool-{path_type}", lambda: pool_coupon(world, 1000))
    codes = iter(pool)

    def redeem(coupon_id: str, code: Callable[[], str]) -> Callable[[], Request]:
        def build() -> Request:
            body = _order(coupon_id, code(), source_id, world.unique("order"))
            if path_type == "revert":
                world.expect(
                    world.send("POST", "/coupons/apply", body=body, query={"type": "redeem"}, headers=CONTENT_TYPE),
                    200,
                    what="redeem (setup)",
                )
            return Request(query={"type": path_type}, headers=CONTENT_TYPE, body=body)

        return build

    return [
        Case("fixed code, unlimited (a usage shard)", redeem(fixed_id, lambda: fixed_code)),
        Case("fixed code, limited (the exact counter)", redeem(limited_id, lambda: limited_code)),
        Case("pool code of 1,000", redeem(pool_id, lambda: next(codes))),
    ]


@route("POST", "/coupons/apply")
def _apply(world: World) -> list[Case]:
    return _apply_cases(world, "redeem") + _apply_cases(world, "revert")


@route("POST", "/coupons/validate")
def _validate(world: World) -> list[Case]:
    source_id = existing_customer(world)
    coupon_id, code = fixed_coupon(world)
    refused = {**_order(coupon_id, code, source_id, "v-1")}
    refused["order"] = {**refused["order"], "selling_price_subtotal": 150}
    return [
        Case(
            "applies", lambda: Request(headers=CONTENT_TYPE, body=_order(coupon_id, code, source_id, world.unique("o")))
        ),
        Case("refused, with the gap", lambda: Request(headers=CONTENT_TYPE, body=refused)),
    ]


@route("GET", "/coupons/{coupon_id}/redemptions")
def _list_redemptions(world: World) -> list[Case]:
    source_id = existing_customer(world)
    coupon_id, code = fixed_coupon(world)
    for _ in range(3):
        body = _order(coupon_id, code, source_id, world.unique("order"))
        world.expect(
            world.send("POST", "/coupons/apply", body=body, query={"type": "redeem"}, headers=CONTENT_TYPE),
            200,
            what="redeem (setup)",
        )
    return [Case("3 redemptions", lambda: Request({"coupon_id": coupon_id}, query={"limit": "20"}))]


@route("GET", "/customers/{source_id}/coupons")
def _list_customer_coupons(world: World) -> list[Case]:
    source_id = new_customer(world)
    for _ in range(3):
        coupon_id, code = fixed_coupon(world)
        body = _order(coupon_id, code, source_id, world.unique("order"))
        world.expect(
            world.send("POST", "/coupons/apply", body=body, query={"type": "redeem"}, headers=CONTENT_TYPE),
            200,
            what="redeem (setup)",
        )
    return [Case("3 coupons", lambda: Request({"source_id": source_id}, query={"limit": "20"}))]


# ------------------------------------------------------------------------------------------ earning and orders
# The issue's figure: an order of 100 items against 20 earning rules (every rule's grant, cap and budget
# counter in the order's one transaction), and the order, return and cancel routes around it.
EARNING_RULES = 20
ORDER_ITEMS = 100
BENCH_EARNING_RULE: dict[str, Any] = {"name": "1 point per 1.00", "earn": {"points": 1, "per": 1}}


def _earning_rule(index: int) -> dict[str, Any]:
    """Rules of every kind: per category, capped per day, budgeted, doubled, fixed per order."""
    rule: dict[str, Any] = {"name": f"bench rule {index}", "earn": {"points": 1, "per": 1}}
    if index % 4 == 1:
        rule["items"] = {"match": [{"field": "metadata.category", "operator": "eq", "value": f"c{index % 5}"}]}
    if index % 4 == 2:
        rule["limits"] = {"per_customer": {"points": 10**6, "period": "day"}, "budget": 10**9}
    if index % 4 == 3:
        rule["multiplier"] = 2
        rule["earn"] = {"points": 5}
    return rule


def earning_rules(world: World, count: int) -> list[str]:
    def create() -> list[str]:
        return [
            world.expect(world.send("POST", "/earning-rules", body=_earning_rule(i)), 201, what="an earning rule")["id"]
            for i in range(count)
        ]

    ids: list[str] = world.fixture(f"earning_rules_{count}", create)
    return ids


def order(world: World, items: int, source_id: str | None = None) -> dict[str, Any]:
    lines = [
        {"product_id": f"p-{i}", "sku": f"SKU-{i}", "original_price": 9.99, "selling_price": 9.99, "quantity": 2,
         "metadata": {"category": f"c{i % 5}"}}
        for i in range(items)
    ]  # fmt: skip
    total = round(9.99 * 2 * items, 2)
    return {
        "order_id": world.unique("ord"),
        "source_id": source_id or existing_customer(world),
        "status": "completed",
        "original_price_subtotal": total,
        "selling_price_subtotal": total,
        "items": lines,
    }


def placed_order(world: World, items: int = 3) -> str:
    body = order(world, items)
    world.expect(world.send("POST", "/orders", body=body), 201, what="an order")
    order_id: str = body["order_id"]
    return order_id


def existing_order(world: World) -> str:
    earning_rules(world, 2)
    order_id: str = world.fixture("order", lambda: placed_order(world))
    return order_id


def existing_earning_rule(world: World) -> str:
    return earning_rules(world, 2)[0]


PATH_FIXTURES["order_id"] = existing_order
PATH_FIXTURES["earning_rule_id"] = existing_earning_rule


@route("POST", "/earning-rules")
def _create_earning_rule(world: World) -> list[Case]:
    return [Case("capped, budgeted", lambda: Request(headers=CONTENT_TYPE, body=_earning_rule(2)))]


@route("GET", "/earning-rules")
def _list_earning_rules(world: World) -> list[Case]:
    earning_rules(world, EARNING_RULES)
    return [Case(f"{EARNING_RULES} rules", lambda: Request(query={"limit": "20"}))]


@route("GET", "/earning-rules/{earning_rule_id}")
def _get_earning_rule(world: World) -> list[Case]:
    rule_id = existing_earning_rule(world)
    return [Case("a rule and its budget used", lambda: Request({"earning_rule_id": rule_id}))]


@route("PATCH", "/earning-rules/{earning_rule_id}")
def _update_earning_rule(world: World) -> list[Case]:
    rule_id = existing_earning_rule(world)
    return [
        Case(
            "a multiplier", lambda: Request({"earning_rule_id": rule_id}, headers=CONTENT_TYPE, body={"multiplier": 2})
        )
    ]


@route("DELETE", "/earning-rules/{earning_rule_id}")
def _delete_earning_rule(world: World) -> list[Case]:
    def fresh() -> Request:
        created = world.expect(world.send("POST", "/earning-rules", body=BENCH_EARNING_RULE), 201, what="a rule")
        return Request({"earning_rule_id": created["id"]})

    return [Case("a rule", fresh)]


@route("POST", "/orders")
def _create_order(world: World) -> list[Case]:
    earning_rules(world, EARNING_RULES)
    return [
        Case(
            f"{ORDER_ITEMS} items vs {EARNING_RULES} rules",
            lambda: Request(headers=CONTENT_TYPE, body=order(world, ORDER_ITEMS)),
        ),
        Case(f"3 items vs {EARNING_RULES} rules", lambda: Request(headers=CONTENT_TYPE, body=order(world, 3))),
    ]


@route("GET", "/orders/{order_id}")
def _get_order(world: World) -> list[Case]:
    order_id = existing_order(world)
    return [Case("an order of 3 items, 2 rules", lambda: Request({"order_id": order_id}))]


@route("POST", "/orders/{order_id}/returns")
def _return_order_items(world: World) -> list[Case]:
    earning_rules(world, EARNING_RULES)

    def one_unit() -> Request:
        order_id = placed_order(world, ORDER_ITEMS)
        body = {"return_id": world.unique("ret"), "items": [{"product_id": "p-1", "quantity": 1}]}
        return Request({"order_id": order_id}, headers=CONTENT_TYPE, body=body)

    return [Case(f"1 unit of a {ORDER_ITEMS}-item order, {EARNING_RULES} rules", one_unit)]


@route("POST", "/orders/{order_id}/cancel")
def _cancel_order(world: World) -> list[Case]:
    earning_rules(world, EARNING_RULES)
    return [
        Case(
            f"a {ORDER_ITEMS}-item order, {EARNING_RULES} rules",
            lambda: Request({"order_id": placed_order(world, ORDER_ITEMS)}, headers=CONTENT_TYPE),
        )
    ]


# ------------------------------------------------------------------------------------------ lookup


@dataclass(frozen=True, slots=True)
class Scenario:
    source: str  # "registry", "openapi example", "idle sweep" or "none"
    cases: list[Case]
    missing: str | None = None  # why there is no scenario


def route_scenario(world: World, method: str, path: str, openapi: Mapping[str, Any] | None) -> Scenario:
    factory = _ROUTES.get((method.upper(), path))
    if factory is not None:
        return Scenario("registry", factory(world))
    operation = ((openapi or {}).get("paths", {}).get(path) or {}).get(method.lower())
    if operation is None:
        return Scenario("none", [], "no entry in bench/scenarios.py and no OpenAPI operation")
    cases, missing = _from_openapi(world, operation, openapi or {})
    if cases is None:
        return Scenario("none", [], f"no entry in bench/scenarios.py; OpenAPI fallback: {missing}")
    return Scenario("openapi example", cases)


def schedule_scenario(world: World, logical_id: str) -> Scenario:
    factory = _SCHEDULES.get(logical_id)
    if factory is not None:
        return Scenario("registry", factory(world))
    return Scenario("idle sweep", [Case("idle sweep")])


def _example(schema: Mapping[str, Any], openapi: Mapping[str, Any]) -> Any:
    if "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[-1]
        schema = openapi.get("components", {}).get("schemas", {}).get(name, {})
    if "example" in schema:
        return schema["example"]
    if schema.get("examples"):
        return schema["examples"][0]
    if "default" in schema:
        return schema["default"]
    raise LookupError


def _from_openapi(
    world: World, operation: Mapping[str, Any], openapi: Mapping[str, Any]
) -> tuple[list[Case] | None, str]:
    path_params: dict[str, str] = {}
    query: dict[str, str] = {}
    for parameter in operation.get("parameters", []):
        name, where = parameter["name"], parameter["in"]
        if where == "path":
            if name not in PATH_FIXTURES:
                return None, f"path parameter {name} is not in PATH_FIXTURES"
            path_params[name] = PATH_FIXTURES[name](world)
        elif parameter.get("required"):
            try:
                value = (
                    parameter["example"] if "example" in parameter else _example(parameter.get("schema", {}), openapi)
                )
            except LookupError:
                return None, f"required {where} parameter {name} has no example"
            if where == "query":
                query[name] = str(value)
    body: Any = None
    request_body = operation.get("requestBody")
    if request_body:
        content = request_body.get("content", {}).get("application/json", {})
        try:
            if "example" in content:
                body = content["example"]
            elif content.get("examples"):
                body = next(iter(content["examples"].values()))["value"]
            else:
                body = _example(content.get("schema", {}), openapi)
        except LookupError:
            return None, "the request body has no example"
    request = Request(path_params, query, CONTENT_TYPE if body is not None else {}, body)
    return [Case("OpenAPI example", lambda: request)], ""
