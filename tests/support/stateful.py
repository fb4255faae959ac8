"""Building state through the API, for tests that are generated from the route table and for model-based
(stateful) tests.

- ``FACTORIES``: one factory per path parameter name (and per query parameter a route requires,
  ``REQUIRED_QUERY``), which creates an object of that kind through the API and returns the value to
  put in the path. Tests that walk every route (auth and tenant matrix,
  fault sweep, fuzzing) create the objects a route needs through it; a route whose parameter has no
  factory fails those tests with ``MissingFactory``, so a new endpoint is never silently skipped.
- ``EXAMPLE_BODIES``: a valid request body for operations whose body ``{}`` would not pass validation.
- ``ApiStateMachine``: a hypothesis ``RuleBasedStateMachine`` that gives every example a fresh moto
  table (the template's schema, atomic dispatch), the in-process gateway and applications ``a`` and
  ``b``; subclasses add an in-memory model, rules and invariants (customers now; events, ledger and
  coupons later).
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterator, Mapping
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from itertools import count
from typing import Any, ClassVar
from urllib.parse import quote, urlencode

from hypothesis import HealthCheck, Phase, settings
from hypothesis.stateful import RuleBasedStateMachine
from moto import mock_aws

from rewards_cli.gateway import HttpResponse, LocalGateway
from rewards_cli.lambdas import FunctionPool
from rewards_cli.moto_adapter import atomic_moto_dispatch
from rewards_cli.outbox import create_message_resources, local_client
from rewards_cli.template import create_table_arguments, load
from shared.settings import get_settings
from tests.support.api import ApiClient, Credentials
from tests.support.campaigns import rta_seed_campaign

_PARAMETER = re.compile(r"\{(\w+)\}")
_serial = count(1)


# ------------------------------------------------------------------ the route table


# Query parameters an operation cannot answer without (by label): made by the factories, as path
# parameters are, so that the route-table tests reach the route's data rather than a 400.
REQUIRED_QUERY: dict[str, tuple[str, ...]] = {
    "GET /api_gateway/rewards/core/v1/user/vouchers/brand/{brandName}": ("userId", "username"),
}


@dataclass(frozen=True, slots=True)
class Operation:
    """One API operation of template.yaml."""

    function_id: str
    method: str
    path: str

    @property
    def label(self) -> str:
        return f"{self.method} {self.path}"

    @property
    def parameters(self) -> list[str]:
        """Its path parameters, then the query parameters it requires."""
        return [*_PARAMETER.findall(self.path), *REQUIRED_QUERY.get(self.label, ())]

    def fill(self, values: Mapping[str, str]) -> str:
        """The path with each ``{name}`` replaced by ``values[name]``, percent-encoded, and the query it requires."""
        path = _PARAMETER.sub(lambda m: quote(values[m.group(1)], safe=""), self.path)
        query = REQUIRED_QUERY.get(self.label)
        return f"{path}?{urlencode({name: values[name] for name in query})}" if query else path


def operations() -> list[Operation]:
    """Every API operation behind the authorizer, in template order. The public routes (the dashboard's
    static files, ``Auth: {Authorizer: NONE}``) hold no tenant data and read no table: the auth and
    tenant matrix and the store-outage sweep have nothing to check there; tests/integration/
    test_dashboard_static.py covers them, and the fuzzing reaches them through the OpenAPI document."""
    return [
        Operation(function.logical_id, route.method, route.path)
        for function in load().api_functions
        for route in function.routes
        if not route.public
    ]


# ------------------------------------------------------------------ factories


class MissingFactory(AssertionError):
    def __init__(self, parameter: str, operation: str) -> None:
        super().__init__(
            f"{operation}: no factory for path parameter {{{parameter}}}. Add one to FACTORIES in "
            "tests/support/stateful.py (it creates such an object through the API and returns its id), "
            "so that the route-table tests (auth and tenant matrix, faults, fuzzing) cover this route."
        )


def _expect_created(response: HttpResponse, what: str) -> Any:
    assert response.status in (200, 201), f"factory could not create {what}: {response.status} {response.body!r}"
    return response.json()


# The last customer each application's factory made: a credit is made to it, so that a route with both
# ids ({source_id}/transactions/{txn_id}) gets a pair that belongs together.
_FACTORY_CUSTOMERS: dict[str, str] = {}


def create_customer(api: ApiClient) -> str:
    source_id = f"cust-{next(_serial)}@shop"
    _expect_created(
        api.put(f"/customers/{quote(source_id, safe='')}", {"name": "Factory customer", "tags": ["factory"]}),
        "a customer",
    )
    _FACTORY_CUSTOMERS[api.credentials.app_id] = source_id
    return source_id


ADJUSTMENT_BODY = {"points": 100, "description": "Factory credit"}


def create_credit(api: ApiClient) -> str:
    """A customer-service credit to the application's last factory customer: a transaction to reverse."""
    source_id = _FACTORY_CUSTOMERS.get(api.credentials.app_id) or create_customer(api)
    credited = api.post(f"/customers/{quote(source_id, safe='')}/transactions", ADJUSTMENT_BODY)
    txn_id: str = _expect_created(credited, "a credit")["id"]
    return txn_id


CAMPAIGN_BODY = rta_seed_campaign()


def create_campaign(api: ApiClient) -> str:
    campaign_id: str = _expect_created(api.post("/campaigns", CAMPAIGN_BODY), "a campaign")["campaign_id"]
    return campaign_id


FACTORY_BRAND = "factory-brand"
# A free MATERIAL reward of the factory brand, with stock to spare: any customer may redeem it.
REWARD_BODY: dict[str, Any] = {
    "name": "Factory reward",
    "type": "MATERIAL",
    "parameters": {"product": {"id": "prod_factory"}},
    "stock": 1000,
    "brand": FACTORY_BRAND,
}


def create_reward(api: ApiClient) -> str:
    reward_id: str = _expect_created(api.post("/rewards", REWARD_BODY), "a reward")["id"]
    return reward_id


def create_redemption(api: ApiClient) -> str:
    """A redemption of a fresh reward by a fresh customer."""
    source_id, reward_id = create_customer(api), create_reward(api)
    redeemed = api.post(f"/customers/{quote(source_id, safe='')}/rewards/{reward_id}/redeem", {})
    redemption_id: str = _expect_created(redeemed, "a redemption")["id"]
    return redemption_id


def factory_brand(api: ApiClient) -> str:
    create_reward(api)
    return FACTORY_BRAND


def create_voucher_holder(api: ApiClient) -> str:
    """A customer who redeemed a reward of the factory brand: a user with a voucher."""
    create_redemption(api)
    return _FACTORY_CUSTOMERS[api.credentials.app_id]


FACTORY_TILL = "factory.till"


POOL_COUPON_BODY = {"name": "Factory pool", "discount": {"type": "percent", "value": 10, "max_discount": 50}}
POOL_CODES_BODY = {"codes": ["XVFDGT56RT", "KS"]}


def create_coupon(api: ApiClient) -> str:
    """A pool coupon with two codes (so that every coupon route has something to act on)."""
    coupon_id: str = _expect_created(api.post("/coupons", POOL_COUPON_BODY), "a coupon")["coupon_id"]
    _expect_created(
        api.post(f"/coupons/{coupon_id}/codes", {"codes": [f"F{next(_serial)}", f"G{next(_serial)}"]}), "codes"
    )
    return coupon_id


# The last webhook each application's factory made: a delivery is made under it, so that a route with
# both ids ({webhook_id}/deliveries/{delivery_id}) gets a pair that belongs together.
_FACTORY_WEBHOOKS: dict[str, str] = {}


def create_webhook(api: ApiClient) -> str:
    body = {"url": f"https://93.184.215.14/hooks/{next(_serial)}", "events": ["*"]}
    webhook_id: str = _expect_created(api.post("/webhooks", body), "a webhook")["id"]
    _FACTORY_WEBHOOKS[api.credentials.app_id] = webhook_id
    return webhook_id


def create_delivery(api: ApiClient) -> str:
    """A delivery as the publisher records it (the stream's publisher is no API route)."""
    from shared.domain import webhooks
    from shared.domain.outbox import DomainEvent
    from shared.storage import webhooks as store

    webhook_id = _FACTORY_WEBHOOKS.get(api.credentials.app_id) or create_webhook(api)
    app_id, serial = api.credentials.app_id, next(_serial)
    event = DomainEvent(f"evt_factory{serial:014d}", "customer.created", "2026-01-01T00:00:00.000Z", app_id, {})
    delivery_id = webhooks.delivery_id(event, webhook_id)
    created = store.add_delivery(
        app_id,
        store.DeliveryRecord(
            delivery_id, webhook_id, event.id, event.type, event.body().decode(), event.created_at, 2_000_000_000
        ),
    )
    assert created, "factory could not create a delivery"
    return delivery_id


EARNING_RULE_BODY: dict[str, Any] = {"name": "Factory rule", "earn": {"points": 1, "per": 1}}


def create_earning_rule(api: ApiClient) -> str:
    rule_id: str = _expect_created(api.post("/earning-rules", EARNING_RULE_BODY), "an earning rule")["id"]
    return rule_id


ORDER_BODY: dict[str, Any] = {
    "order_id": "factory-order",
    "source_id": "KMN@123",
    "status": "completed",
    "original_price_subtotal": 20,
    "selling_price_subtotal": 20,
    "items": [{"product_id": "p-1", "original_price": 10, "selling_price": 10, "quantity": 2}],
}
RETURN_BODY: dict[str, Any] = {"return_id": "factory-return", "items": [{"product_id": "p-1", "quantity": 1}]}


def create_order(api: ApiClient) -> str:
    """An order (of a fresh id) that the application's earning rules, if any, credited."""
    order_id = f"order-{next(_serial)}"
    _expect_created(api.post("/orders", {**ORDER_BODY, "order_id": order_id}), "an order")
    return order_id


EXPORT_BODY: dict[str, Any] = {"type": "customers"}


def create_export(api: ApiClient) -> str:
    """A queued export of the application's customers (no worker runs it: the job is what the routes read)."""
    queued = api.post("/exports", EXPORT_BODY)
    assert queued.status == 202, f"factory could not create an export: {queued.status} {queued.body!r}"
    export_id: str = queued.json()["id"]
    return export_id


IMPORT_BODY: dict[str, Any] = {"format": "csv"}


def create_import(api: ApiClient) -> str:
    """An import waiting for its file (nothing is uploaded)."""
    import_id: str = _expect_created(api.post("/imports", IMPORT_BODY), "an import")["id"]
    return import_id


Factory = Callable[[ApiClient], str]
FACTORIES: dict[str, Factory] = {
    "source_id": create_customer,
    "campaign_id": create_campaign,
    "reward_id": create_reward,
    "redemption_id": create_redemption,
    # the Capillary-compatible route's names (seed 003)
    "rewardId": create_reward,
    "brandName": factory_brand,
    "userId": create_voucher_holder,
    "username": lambda _: FACTORY_TILL,  # Capillary's till: any name
    "coupon_id": create_coupon,
    "webhook_id": create_webhook,
    "delivery_id": create_delivery,
    "txn_id": create_credit,
    "earning_rule_id": create_earning_rule,
    "order_id": create_order,
    "export_id": create_export,
    "import_id": create_import,
}

# Request bodies that pass validation, for operations where ``{}`` does not; keyed by operation label.
EXAMPLE_BODIES: dict[str, Any] = {
    "POST /campaigns": CAMPAIGN_BODY,
    "POST /events": {"source_id": "KMN@123", "event_name": "money_deposited", "properties": {"amount": 500}},
    "POST /rewards": REWARD_BODY,
    "POST /coupons": POOL_COUPON_BODY,
    "POST /coupons/{coupon_id}/codes": POOL_CODES_BODY,
    "POST /customers": {"source_id": "KMN@123", "metadata": {"name": "Krish", "plan": "pro"}, "referral_code": None},
    "POST /events/invoke": {"event_name": "Order Completed", "source_id": "KMN@123", "metadata": {"revenue": 40.5}},
    "POST /webhooks": {"url": "https://93.184.215.14/hooks", "events": ["*"]},
    "POST /customers/{source_id}/transactions": ADJUSTMENT_BODY,
    "POST /earning-rules": EARNING_RULE_BODY,
    "POST /orders": ORDER_BODY,
    "POST /orders/{order_id}/returns": RETURN_BODY,
    "POST /exports": EXPORT_BODY,
    "POST /imports": IMPORT_BODY,
    "PUT /customers/{source_id}/tier": {"name": "Gold", "until": "2099-01-01T00:00:00Z"},
    "PUT /settings/tiers": {"window": {"rolling_months": 12}, "tiers": [{"name": "Silver", "threshold": 0}]},
}


def create_path_objects(api: ApiClient, operation: Operation) -> dict[str, str]:
    """One new object per path parameter of ``operation``, created as ``api``'s application."""
    values = {}
    for parameter in operation.parameters:
        factory = FACTORIES.get(parameter)
        if factory is None:
            raise MissingFactory(parameter, operation.label)
        values[parameter] = factory(api)
    return values


def example_body(operation: Operation) -> Any:
    """A body for ``operation`` (None for methods without one)."""
    if operation.method in ("GET", "DELETE", "HEAD", "OPTIONS"):
        return None
    return EXAMPLE_BODIES.get(operation.label, {})


def send(api: ApiClient, operation: Operation, values: Mapping[str, str], **kwargs: Any) -> HttpResponse:
    body = example_body(operation)
    if body is None:
        return api.request(operation.method, operation.fill(values), **kwargs)
    return api.request(operation.method, operation.fill(values), json_body=body, **kwargs)


# ------------------------------------------------------------------ environment


def new_credentials(name: str) -> Credentials:
    from shared.domain.applications import create_application

    created = create_application(name)
    return Credentials(created.app_id, created.api_key, created.secret_key)


# One pool for every example of every machine: loading the functions' modules is the slow part of a
# gateway, and their state (clients, resolvers) does not depend on which moto backend is current.
_POOL = FunctionPool()


@contextmanager
def fresh_table() -> Iterator[None]:
    from shared.storage.versioned_cache import VersionedCache

    VersionedCache.clear_every()
    with atomic_moto_dispatch(), mock_aws():
        local_client("dynamodb").create_table(**create_table_arguments(get_settings().table_name, stream=False))
        create_message_resources(get_settings().table_name)
        yield


def stateful_settings(max_examples: int = 25, steps: int = 20) -> settings:
    """CI-sized by default; ``STATEFUL_EXAMPLES`` and ``STATEFUL_STEPS`` scale a run up. Shrinking a
    failure replays hundreds of examples, each with its own table (it can take minutes), so it is off
    unless ``STATEFUL_SHRINK=1``: a failure then shows its whole (at most ``steps`` long) sequence."""
    phases = list(Phase)
    if os.environ.get("STATEFUL_SHRINK") != "1":
        phases.remove(Phase.shrink)
    return settings(
        max_examples=int(os.environ.get("STATEFUL_EXAMPLES", max_examples)),
        stateful_step_count=int(os.environ.get("STATEFUL_STEPS", steps)),
        deadline=None,
        phases=phases,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
    )


class ApiStateMachine(RuleBasedStateMachine):
    """Per example: a fresh table, a gateway over it, and one API client per name in ``APPLICATIONS``."""

    APPLICATIONS: ClassVar[tuple[str, ...]] = ("a", "b")

    def __init__(self) -> None:
        super().__init__()
        self._resources = ExitStack()
        try:
            self._resources.enter_context(fresh_table())
            self.gateway = LocalGateway(load(), pool=_POOL)
            self.clients = {name: ApiClient(self.gateway, new_credentials(name)) for name in self.APPLICATIONS}
        except BaseException:
            self._resources.close()
            raise

    def teardown(self) -> None:
        self._resources.close()
