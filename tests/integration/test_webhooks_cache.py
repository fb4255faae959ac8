"""Webhooks as the publisher and the deliverer read them: cached per container, so that a delivery reads
no partition every delivery of the application shares; a webhook created or deleted elsewhere applies
within ``STALENESS_SECONDS`` (at once in the container that made the change)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any
from unittest import mock

import pytest
from botocore.client import BaseClient

from rewards_cli.outbox import LocalOutbox
from shared.domain import webhooks
from shared.storage import keys
from shared.storage import webhooks as webhook_store
from shared.storage.versioned_cache import VersionedCache
from shared.storage.webhooks import STALENESS_SECONDS, DeliveryRecord, WebhookRecord
from tests.support.api import ApiClient
from tests.support.partition_reads import partition_reads
from tests.support.points import FrozenClock, freeze_clock
from tests.unit.test_template import _actions, _statements

STALENESS_MS = STALENESS_SECONDS * 1000
URL = "https://93.184.215.14/hooks"


@pytest.fixture
def wall(monkeypatch: pytest.MonkeyPatch) -> FrozenClock:
    return freeze_clock(monkeypatch)


@pytest.fixture
def posted(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The deliveries POSTed (every one answered 200), in order."""
    sent: list[str] = []

    def post(webhook: WebhookRecord, delivery: DeliveryRecord, now: int) -> tuple[int | None, str | None]:
        sent.append(delivery.event_type)
        return 200, None

    monkeypatch.setattr(webhooks, "_post", post)
    return sent


@contextmanager
def another_container(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Requests sent inside are served by another container: this one's cached webhooks stay as they were."""
    ours = webhook_store.WEBHOOKS_CACHE
    with monkeypatch.context() as patch:
        patch.setattr(webhook_store, "WEBHOOKS_CACHE", VersionedCache[tuple[WebhookRecord, ...]](STALENESS_MS, 8))
        yield
    assert webhook_store.WEBHOOKS_CACHE is ours


def register(api: ApiClient) -> str:
    created = api.post("/webhooks", {"url": URL, "events": ["customer.created"]})
    assert created.status == 201, created.body
    webhook_id: str = created.json()["id"]
    return webhook_id


def sign_up(api: ApiClient, outbox: LocalOutbox, source_id: str) -> None:
    """A customer.created event, published and delivered."""
    assert api.put(f"/customers/{source_id}", {"name": source_id}).status == 201
    outbox.drain()


def test_a_webhook_deleted_elsewhere_gets_deliveries_for_at_most_the_staleness(
    api: ApiClient, outbox: LocalOutbox, wall: FrozenClock, posted: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    webhook_id = register(api)
    assert [w.webhook_id for w in webhook_store.recent(api.credentials.app_id)] == [webhook_id]  # this copy
    with another_container(monkeypatch):
        assert api.delete(f"/webhooks/{webhook_id}").status == 204

    wall.ms += STALENESS_MS - 1  # this container's copy is still current enough: delivered
    sign_up(api, outbox, "kim")
    assert posted == ["customer.created"]

    wall.ms += 1  # the staleness has passed: no delivery recorded, none sent
    sign_up(api, outbox, "lee")
    assert posted == ["customer.created"]
    assert webhook_store.recent(api.credentials.app_id) == ()


def test_a_webhook_created_elsewhere_gets_deliveries_within_the_staleness(
    api: ApiClient, outbox: LocalOutbox, wall: FrozenClock, posted: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    sign_up(api, outbox, "kim")  # nothing subscribed yet: this container caches no webhook
    with another_container(monkeypatch):
        register(api)

    wall.ms += STALENESS_MS - 1
    sign_up(api, outbox, "lee")
    assert posted == []

    wall.ms += 1
    sign_up(api, outbox, "max")
    assert posted == ["customer.created"]


def test_the_container_that_changed_its_webhooks_sees_the_change_at_once(
    api: ApiClient, outbox: LocalOutbox, wall: FrozenClock, posted: list[str]
) -> None:
    sign_up(api, outbox, "kim")
    webhook_id = register(api)
    sign_up(api, outbox, "lee")
    assert posted == ["customer.created"]
    assert api.delete(f"/webhooks/{webhook_id}").status == 204
    sign_up(api, outbox, "max")
    assert posted == ["customer.created"]


def message(app_id: str, webhook_id: str, delivery_id: str) -> dict[str, Any]:
    return {"app_id": app_id, "webhook_id": webhook_id, "delivery_id": delivery_id, "sequence": 0}


def pending_delivery(app_id: str, webhook_id: str, n: int) -> str:
    delivery_id = f"dlv_{n:08d}0000000000000"
    record = DeliveryRecord(delivery_id, webhook_id, f"evt_{n}", "customer.created", "{}", "2026-03-10", 4_000_000_000)
    assert webhook_store.add_delivery(app_id, record)
    return delivery_id


def test_a_deliverer_whose_copy_is_older_than_the_webhook_still_delivers_to_it(
    api: ApiClient, wall: FrozenClock, posted: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given this container's copy of the webhooks taken before another container created one
    app_id = api.credentials.app_id
    assert webhook_store.recent(app_id) == ()
    with another_container(monkeypatch):
        webhook_id = register(api)
    # When a delivery to it reaches this container's deliverer within the staleness
    result = webhooks.deliver(message(app_id, webhook_id, pending_delivery(app_id, webhook_id, 1)))
    # Then it reads the webhook and delivers (a delivery is never dropped for a copy being behind)
    assert result.delivered
    assert posted == ["customer.created"]


def test_deliveries_read_no_partition_every_delivery_shares_while_the_copy_is_current(
    api: ApiClient, wall: FrozenClock, posted: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    app_id = api.credentials.app_id
    webhook_id = register(api)
    made = [pending_delivery(app_id, webhook_id, n) for n in range(10)]
    webhook_store.recent(app_id)  # the container's copy, as its first delivery takes it

    with partition_reads(monkeypatch) as charged:
        for delivery_id in made:
            wall.ms += 100
            assert webhooks.deliver(message(app_id, webhook_id, delivery_id)).delivered

    assert keys.webhooks_partition(app_id) not in charged
    assert set(charged) <= set(keys.webhook_deliveries_partitions(app_id, webhook_id))
    # once the copy is STALENESS_SECONDS old, one read of the version item (not of every webhook)
    wall.ms += STALENESS_MS
    with partition_reads(monkeypatch) as refreshed:
        assert webhooks.deliver(message(app_id, webhook_id, pending_delivery(app_id, webhook_id, 11))).delivered
    assert refreshed[keys.webhooks_partition(app_id)] == 1.0


def test_the_queued_deliveries_of_a_deleted_webhook_read_its_partition_once_per_container(
    api: ApiClient, wall: FrozenClock, posted: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    app_id = api.credentials.app_id
    webhook_id = register(api)
    queued = [pending_delivery(app_id, webhook_id, n) for n in range(5)]
    with another_container(monkeypatch):
        assert api.delete(f"/webhooks/{webhook_id}").status == 204
    wall.ms += STALENESS_MS

    with partition_reads(monkeypatch) as first:
        assert not webhooks.deliver(message(app_id, webhook_id, queued[0])).delivered
    with partition_reads(monkeypatch) as rest:
        for delivery_id in queued[1:]:
            assert not webhooks.deliver(message(app_id, webhook_id, delivery_id)).delivered

    assert first[keys.webhooks_partition(app_id)] > 0  # the copy refreshed, and the webhook read once
    assert keys.webhooks_partition(app_id) not in rest
    assert posted == []


@contextmanager
def dynamodb_operations() -> Iterator[set[str]]:
    """The DynamoDB operations called while the block runs."""
    seen: set[str] = set()
    original = BaseClient._make_api_call  # type: ignore[attr-defined]

    def recording(self: BaseClient, operation: str, params: dict[str, Any]) -> Any:
        if self.meta.service_model.service_name == "dynamodb":
            seen.add(operation)
        return original(self, operation, params)

    with mock.patch.object(BaseClient, "_make_api_call", recording):
        yield seen


def test_every_call_of_the_deliverer_is_one_its_policy_grants(
    api: ApiClient, wall: FrozenClock, posted: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A copy loaded, a copy current, a copy refreshed, a webhook deleted read once."""
    granted = {a.removeprefix("dynamodb:") for s in _statements("WebhookDelivererFunction") for a in _actions(s)}
    app_id = api.credentials.app_id
    webhook_id = register(api)
    made = [pending_delivery(app_id, webhook_id, n) for n in range(4)]
    with dynamodb_operations() as called:
        assert webhooks.deliver(message(app_id, webhook_id, made[0])).delivered  # the copy loaded
        assert webhooks.deliver(message(app_id, webhook_id, made[1])).delivered  # current
        wall.ms += STALENESS_MS
        assert webhooks.deliver(message(app_id, webhook_id, made[2])).delivered  # refreshed
    with another_container(monkeypatch):
        assert api.delete(f"/webhooks/{webhook_id}").status == 204
    webhook_store.WEBHOOKS_CACHE.clear()
    with dynamodb_operations() as deleted:
        assert not webhooks.deliver(message(app_id, webhook_id, made[3])).delivered

    assert called | deleted == {"GetItem", "Query", "UpdateItem"}
    assert called | deleted <= granted
