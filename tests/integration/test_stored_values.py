"""The rule stated once (SPEC §9, issue 21): whatever a create or update route accepts, every read and
computation that uses it succeeds.

Hypothesis draws request bodies from the API models' own JSON schema (tests/support/schema_values.py): a
known-good body with one or two of its fields replaced by values of that field's type, at the edges of
its bounds and beyond what the reads were written for (``1e26``, ``9.99e125``, numeric text, nested
shapes). Each body goes through the API (the in-process gateway over moto); whatever it accepts stays
stored for the rest of the run, and after each example every read that consumes stored values runs: the
lists, validate and apply (and revert), eligibility with and without ``explain``, the redeem, the brand
route, progress and events, stats, the ledger, and the webhook deliveries (the outbox drained through
the publisher and the deliverer, once at the end). The dashboard reads these same routes. Any 5xx fails
the test.

``STORED_VALUES_EXAMPLES`` sets the random examples (CI: 20); the sweep of hostile edges runs whole.
"""

from __future__ import annotations

import itertools
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

import pytest
from hypothesis import HealthCheck, event, given, note, settings
from hypothesis import strategies as st
from pydantic import BaseModel

from rewards_cli.outbox import LocalOutbox
from rewards_cli.webhook_listener import WebhookListener
from shared.api.schemas.campaigns import CampaignCreate
from shared.api.schemas.coupon_apply import CouponApplyIn
from shared.api.schemas.coupons import CouponCreate
from shared.api.schemas.customers import CustomerIdentify, CustomerUpsert
from shared.api.schemas.events import EventIn
from shared.api.schemas.points import PointsPolicyIn
from shared.api.schemas.rewards import RewardCreate, RewardPatch
from shared.domain.coupon_rules import ITEM_FIELDS, MONEY_FIELDS, ORDER_TEXT_FIELDS
from shared.domain.eligibility import OPERATORS
from tests.support.api import ApiClient
from tests.support.campaigns import rta_seed_campaign
from tests.support.coupons import order_body, spec_coupon
from tests.support.schema_values import hinted, hostile_edges, targets, with_value

EXAMPLES = int(os.environ.get("STORED_VALUES_EXAMPLES", "20"))
MEMBER = "member@shop"
BRAND = "B1"
_serial = itertools.count(1)

# Plain-text fields whose meaning is a closed set the domain checks (see schema_values.hinted).
HINTS: dict[str, list[Any]] = {
    "operator": [*OPERATORS, "eq", "gt", "gte", "in"],
    "attribute": [
        "attributes.x",
        "attributes.address",
        "attributes.address.city",
        "attributes.orders",
        "Points Balance",
        "User Tags",
        "Tier",
        "Enrolment Date",
    ],
    "field": [*MONEY_FIELDS, *ORDER_TEXT_FIELDS, *ITEM_FIELDS, "metadata.cart_qty", "metadata.brand"],
    "property": ["amount", "x"],
    "event_name": ["money_deposited", "order_success"],
}


def _reward_body() -> dict[str, Any]:
    return {
        "name": "Stored values reward",
        "type": "MATERIAL",
        "parameters": {"product": {"id": "prod_1"}},
        "stock": 1000,
        "brand": BRAND,
        "points_to_be_redeemed": 10,
        "member_eligibility_rules": [
            {
                "conditions": [
                    {"operator": "Equals", "attribute": "attributes.x", "value": 1},
                    "OR",
                    {"operator": "Contain any of", "attribute": "attributes.orders", "value": ["a"]},
                ]
            }
        ],
        "custom_transaction_attributes": [{"attribute_id": "channel", "attribute_name": "Channel"}],
        "translations": {"fr": {"name": "Récompense"}},
        "payment_configs": [{"payment_mode": "POINTS", "points": 10}],
    }


def _coin_body() -> dict[str, Any]:
    return {
        "name": "Pay with points",
        "type": "COIN",
        "brand": BRAND,
        "parameters": {"coin": {"exchange_ratio": 50, "points_ratio": 2000}},
    }


@dataclass
class World:
    """What the run stored, for the reads to use."""

    coupons: list[tuple[str, str]] = field(default_factory=list)  # (coupon_id, code)
    order_coupon: tuple[str, str] = ("", "")  # unlimited, typing order metadata: the orders' coupon
    rewards: list[str] = field(default_factory=list)
    campaigns: list[str] = field(default_factory=list)
    webhook_id: str = ""


@dataclass(frozen=True)
class Route:
    """A create or update route, the model of its body and a known-good body to start from."""

    method: str
    path: str
    model: type[BaseModel]
    base: Callable[[World], Any]
    remember: Callable[[World, dict[str, Any]], None] | None = None  # an object the reads use: keep its id

    @property
    def creates(self) -> bool:
        return self.remember is not None

    def keep(self, world: World, answer: dict[str, Any]) -> None:
        if self.remember is not None:
            self.remember(world, answer)


def _coupon_base(world: World) -> dict[str, Any]:
    return {**spec_coupon(), "coupon_code": f"SV{next(_serial)}"}


ORDER_COUPON = {
    "coupon_code": "ORDERS",
    "discount": {"type": "percent", "value": 10},
    "metadata_schema": {"cart_qty": "number", "brand": "string", "category": "string", "amount": "number"},
    "conditions": {"order": [{"field": "metadata.cart_qty", "operator": "gte", "value": 0}]},
}


def _order_base(world: World) -> dict[str, Any]:
    coupon_id, code = world.order_coupon
    return order_body(coupon_id, code, source_id=MEMBER, order_id=f"order-{next(_serial)}")


ROUTES = [
    Route(
        "POST",
        "/coupons",
        CouponCreate,
        _coupon_base,
        lambda world, answer: world.coupons.append((answer["coupon_id"], answer["coupon_code"])),
    ),
    Route("POST", "/coupons/apply?type=redeem", CouponApplyIn, _order_base),
    Route(
        "PUT",
        f"/customers/{quote(MEMBER)}",
        CustomerUpsert,
        lambda world: {"name": "Member", "tags": ["cohortA"], "attributes": {"x": 1}},
    ),
    Route("POST", "/customers", CustomerIdentify, lambda world: {"source_id": MEMBER, "metadata": {"x": 1}}),
    Route(
        "POST",
        "/rewards",
        RewardCreate,
        lambda world: _reward_body(),
        lambda world, answer: world.rewards.append(answer["id"]),
    ),
    Route(
        "POST",
        "/rewards",
        RewardCreate,
        lambda world: _coin_body(),
        lambda world, answer: world.rewards.append(answer["id"]),
    ),
    Route("PATCH", "/rewards/{reward}", RewardPatch, lambda world: {"member_eligibility_rules": []}),
    Route(
        "POST",
        "/campaigns",
        CampaignCreate,
        lambda world: rta_seed_campaign(),
        lambda world, answer: world.campaigns.append(answer["campaign_id"]),
    ),
    Route(
        "POST",
        "/events",
        EventIn,
        lambda world: {"source_id": MEMBER, "event_name": "money_deposited", "properties": {"amount": 500}},
    ),
    Route("PUT", "/settings/points", PointsPolicyIn, lambda world: {"expire_after_days": 30, "pending_days": 0}),
]


@st.composite
def stored_request(draw: st.DrawFn, route: Route, world: World) -> tuple[str, Any]:
    """``route``'s known-good body with one or two of its fields drawn from their schema."""
    body = route.base(world)
    fields = targets(route.model, body, HINTS)
    for path, schema in draw(st.lists(st.sampled_from(fields), min_size=1, max_size=2)):
        body = with_value(body, path, draw(hinted(path, schema, HINTS)))
    return route.path.replace("{reward}", world.rewards[-1]), body


def ok(api: ApiClient, method: str, path: str, body: Any = None) -> Any:
    response = api.request(method, path, json_body=body) if body is not None else api.request(method, path)
    assert response.status < 500, f"{method} {path} answered {response.status}: {response.body[:500]!r}"
    return response


def every_read(api: ApiClient, world: World) -> None:
    """Every read and computation that consumes stored values, for the member and the latest objects."""
    member = quote(MEMBER, safe="")
    for path in [
        "/coupons",
        "/rewards",
        "/campaigns",
        "/webhooks",
        "/stats",
        "/settings/points",
        f"/customers/{member}",
        f"/customers/{member}/rewards",
        f"/customers/{member}/rewards?explain=true",
        f"/customers/{member}/transactions",
        f"/customers/{member}/coupons",
        f"/customers/{member}/rewards/redemptions",
        f"/campaigns/reward-progress?source_id={member}",
    ]:
        ok(api, "GET", path)
    coupon_id, code = world.coupons[-1]
    ok(api, "GET", f"/coupons/{coupon_id}")
    order = order_body(coupon_id, code, source_id=MEMBER, order_id=f"read-{next(_serial)}")
    ok(api, "POST", "/coupons/validate", order)
    if ok(api, "POST", "/coupons/apply?type=redeem", order).status == 200:
        ok(api, "POST", "/coupons/apply?type=revert", {**order, "order": {**order["order"], "status": "reverted"}})
    ok(api, "GET", f"/coupons/{coupon_id}/redemptions")
    for reward_id in world.rewards[-1:]:
        ok(api, "GET", f"/rewards/{reward_id}")
        ok(
            api,
            "GET",
            f"/api_gateway/rewards/core/v1/user/reward/{reward_id}/brand/{BRAND}?userId={member}&language=fr-CA",
        )
        redeem = f"/customers/{member}/rewards/{reward_id}/redeem"
        redeemed = ok(api, "POST", redeem, {"points": 100})  # COIN rewards take points, the others refuse them
        redeemed = redeemed if redeemed.status == 201 else ok(api, "POST", redeem, {})
        if redeemed.status == 201:
            ok(api, "POST", f"/customers/{member}/rewards/redemptions/{redeemed.json()['id']}/cancel", {})
    for campaign_id in world.campaigns[-1:]:
        ok(api, "GET", f"/campaigns/{campaign_id}")
    ok(api, "POST", "/events", {"source_id": MEMBER, "event_name": "money_deposited", "properties": {"amount": 500}})


def _setup(api: ApiClient, receiver: WebhookListener) -> World:
    world = World()
    assert api.put(f"/customers/{quote(MEMBER)}", {"name": "Member"}).status in (200, 201)
    assert (
        api.post(f"/customers/{quote(MEMBER)}/transactions", {"points": 10_000, "description": "Welcome"}).status == 201
    )
    for route in (route for route in ROUTES if route.creates):  # one of each object the reads need
        answer = api.request(route.method, route.path, json_body=route.base(world))
        assert answer.status == 201, answer.body
        route.keep(world, answer.json())
    orders = api.post("/coupons", ORDER_COUPON)
    assert orders.status == 201, orders.body
    world.order_coupon = (orders.json()["coupon_id"], "ORDERS")
    hook = api.post("/webhooks", {"url": receiver.url, "events": ["*"]})
    assert hook.status == 201, hook.body
    world.webhook_id = hook.json()["id"]
    return world


@pytest.mark.filterwarnings("ignore:No application metrics to publish")
def test_whatever_a_route_accepts_every_later_read_can_use(
    api: ApiClient, outbox: LocalOutbox, receiver: WebhookListener
) -> None:
    world = _setup(api, receiver)

    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large],
    )
    @given(data=st.data())
    def check(data: st.DataObject) -> None:
        route = data.draw(st.sampled_from(ROUTES))
        path, body = data.draw(stored_request(route, world))
        note(f"{route.method} {path} {body!r}")
        answer = ok(api, route.method, path, body)
        event(f"{route.method} {route.path}: {answer.status}")
        if answer.status in (200, 201):
            route.keep(world, answer.json())
        every_read(api, world)

    check()
    # Once for the whole run (delivering is the slow part): the publisher and the deliverer render every
    # change the run made, and the deliveries list shows them.
    outbox.drain()
    ok(api, "GET", f"/webhooks/{world.webhook_id}/deliveries")


@pytest.mark.filterwarnings("ignore:No application metrics to publish")
@pytest.mark.parametrize("route", ROUTES, ids=[f"{r.method} {r.path} {r.model.__name__}" for r in ROUTES])
def test_every_field_at_its_hostile_edges_leaves_every_read_working(
    route: Route, api: ApiClient, receiver: WebhookListener
) -> None:
    """The same rule, swept: each consumed field of ``route`` alone at each of its hostile edges (1e26,
    9.99e125, numeric text, nested shapes), so that no budget of random draws can miss one."""
    world = _setup(api, receiver)
    base = route.base(world)
    for field_path, schema in targets(route.model, base, {}):
        for value in hostile_edges(schema):
            path = route.path.replace("{reward}", world.rewards[-1])
            answer = ok(api, route.method, path, with_value(route.base(world), field_path, value))
            if answer.status in (200, 201):
                route.keep(world, answer.json())
                every_read(api, world)
