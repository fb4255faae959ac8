"""Webhooks of an application and their delivery logs.

A webhook item holds the signing secret (HMAC needs the secret itself, so it cannot be stored as a
hash; the table is encrypted at rest and the API never returns it after creation). A counter item in
the same partition caps webhooks per application, so that the publisher's one query per batch stays
small. A delivery is one (event, webhook) pair: its id is derived from both, so a stream record the
publisher sees twice creates it once; attempts are claimed by a conditional update on ``sequence`` and
``attempts``, so a duplicate queue message or a manual retry can never make two attempts at once.

The publisher (which webhooks an event goes to) and the deliverer (each attempt's URL and secret) read the
webhooks from a per-container cache (``recent``), at most ``STALENESS_SECONDS`` old.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import asdict, field
from typing import Literal

from shared.storage import audit, dynamodb, keys, pagination
from shared.storage.dynamodb import ConditionFailed, Delete, Expression, Item, Put, TransactionCancelled, Update
from shared.storage.versioned_cache import VersionedCache
from shared.values import value_class

DeliveryStatus = Literal["pending", "succeeded", "failed"]
# How old the webhooks a delivery uses may be: a webhook created or deleted in one container is seen by
# every other within this many seconds. Events announced meanwhile may miss a new webhook, and a deleted
# one may still get their deliveries, for that long. Reading the webhook on every delivery put every
# delivery of an application on one partition (~2,900 a second); the version item is read once per
# container every few seconds.
STALENESS_SECONDS = 5
CACHED_APPLICATIONS = 64


@value_class
class WebhookRecord:
    webhook_id: str
    url: str
    events: list[str]
    secret: str
    created_at: str
    description: str | None = None


@value_class
class DeliveryRecord:
    delivery_id: str
    webhook_id: str
    event_id: str
    event_type: str
    body: str  # the exact JSON sent and signed, the same on every attempt
    created_at: str
    expires_at: int
    status: DeliveryStatus = "pending"
    attempts: int = 0
    sequence: int = 0
    next_retry_at: int | None = None
    last_status_code: int | None = None
    last_error: str | None = None
    last_attempt_at: str | None = None
    history: list[dict[str, object]] = field(default_factory=list)


class TooManyWebhooks(Exception):
    pass


def _webhook_from_item(item: Item) -> WebhookRecord:
    return WebhookRecord(**{name: item.get(name) for name in WebhookRecord.__dataclass_fields__})  # type: ignore[arg-type]


def _delivery_from_item(item: Item) -> DeliveryRecord:
    values = {name: item.get(name) for name in DeliveryRecord.__dataclass_fields__ if name in item}
    return DeliveryRecord(**values)  # type: ignore[arg-type]


def create(app_id: str, webhook: WebhookRecord, limit: int) -> None:
    try:
        _write_webhooks(
            app_id,
            [
                Update(
                    keys.webhooks_counter(app_id),
                    Expression("ADD webhook_count :one, version :one", values={":one": 1}),
                    condition=Expression(
                        "attribute_not_exists(webhook_count) OR webhook_count < :limit", values={":limit": limit}
                    ),
                ),
                Put(
                    {**keys.webhook(app_id, webhook.webhook_id), "type": "webhook", **asdict(webhook)},
                    condition=Expression("attribute_not_exists(PK)"),
                ),
                audit.entry(app_id, "webhook", webhook.webhook_id, "created", after=asdict(webhook)),
            ],
        )
    except TransactionCancelled as error:
        if error.reasons[:1] == ["ConditionalCheckFailed"]:
            raise TooManyWebhooks from error
        # Only the webhook's own put lost: this very write landed on an attempt whose response was
        # lost (its id is new), and the counter moved with it then.


def get(app_id: str, webhook_id: str) -> WebhookRecord | None:
    item = dynamodb.get_item(keys.webhook(app_id, webhook_id))
    return _webhook_from_item(item) if item else None


def delete(app_id: str, webhook: WebhookRecord) -> bool:
    try:
        _write_webhooks(
            app_id,
            [
                Delete(keys.webhook(app_id, webhook.webhook_id), condition=Expression("attribute_exists(PK)")),
                Update(
                    keys.webhooks_counter(app_id),
                    Expression("ADD webhook_count :minus_one, version :one", values={":minus_one": -1, ":one": 1}),
                ),
                audit.entry(app_id, "webhook", webhook.webhook_id, "deleted", before=asdict(webhook)),
            ],
        )
    except TransactionCancelled:
        return False
    return True


def _write_webhooks(app_id: str, actions: list[Put | Update | Delete]) -> None:
    """A change of the application's webhooks (moving their version); this container's cache forgets them
    whatever the outcome (an error may follow a write that was made)."""
    try:
        dynamodb.transact_write(actions)
    finally:
        WEBHOOKS_CACHE.forget(app_id)


def page(app_id: str, limit: int, cursor: str | None) -> tuple[list[WebhookRecord], str | None]:
    items, next_cursor = pagination.page(keys.webhooks_partition(app_id), keys.WEBHOOK_SK_PREFIX, limit, cursor)
    return [_webhook_from_item(item) for item in items], next_cursor


WEBHOOKS_CACHE: VersionedCache[tuple[WebhookRecord, ...]] = VersionedCache(
    STALENESS_SECONDS * 1000, CACHED_APPLICATIONS
)


def recent(app_id: str) -> tuple[WebhookRecord, ...]:
    """Every webhook of the application as it was at most ``STALENESS_SECONDS`` ago (at once after a change
    this container made): usually no read; one read of the counter's version when this copy is that old;
    every webhook again (one query: their number is capped) only after a change."""
    return WEBHOOKS_CACHE.get(app_id, lambda: _version(app_id), lambda: every_webhook(app_id))


def _version(app_id: str) -> int:
    found = dynamodb.get_item(keys.webhooks_counter(app_id))
    return int((found or {}).get("version", 0))


def every_webhook(app_id: str) -> tuple[WebhookRecord, ...]:
    """Strongly consistent, after the version was read: never older than the version it is cached with."""
    result = dynamodb.query(
        Expression(
            "PK = :pk AND begins_with(SK, :prefix)",
            values={":pk": keys.webhooks_partition(app_id), ":prefix": keys.WEBHOOK_SK_PREFIX},
        ),
        consistent=True,
    )
    return tuple(_webhook_from_item(item) for item in result.items)


def _delivery_item(app_id: str, delivery: DeliveryRecord) -> Item:
    return {
        **keys.webhook_delivery(app_id, delivery.webhook_id, delivery.delivery_id),
        "type": "webhook_delivery",
        **asdict(delivery),
        keys.TTL_ATTRIBUTE: delivery.expires_at,
    }


def add_delivery(app_id: str, delivery: DeliveryRecord) -> bool:
    """False when this (event, webhook) delivery exists already (the publisher saw the change again)."""
    try:
        dynamodb.put_item(_delivery_item(app_id, delivery), condition=Expression("attribute_not_exists(PK)"))
    except ConditionFailed:
        return False
    return True


def get_delivery(app_id: str, webhook_id: str, delivery_id: str) -> DeliveryRecord | None:
    item = dynamodb.get_item(keys.webhook_delivery(app_id, webhook_id, delivery_id))
    return _delivery_from_item(item) if item else None


# Webhook ids are never reused, so one read missing stays missing: remembered, the queued deliveries of a
# deleted webhook (thousands, for a busy one) cost this container one read of the webhooks' partition.
_GONE: OrderedDict[tuple[str, str], None] = OrderedDict()
_GONE_CAPACITY = 1024
_GONE_LOCK = threading.Lock()


def load_attempt(app_id: str, webhook_id: str, delivery_id: str) -> tuple[WebhookRecord | None, DeliveryRecord | None]:
    """The webhook, from this container's recent copy (read from the table when the copy does not hold it:
    it may be newer than the copy), and the delivery."""
    webhook = next((found for found in recent(app_id) if found.webhook_id == webhook_id), None)
    if webhook is None and (app_id, webhook_id) not in _GONE:
        webhook = get(app_id, webhook_id)
        if webhook is None:
            with _GONE_LOCK:
                _GONE[(app_id, webhook_id)] = None
                while len(_GONE) > _GONE_CAPACITY:
                    _GONE.popitem(last=False)
    return webhook, get_delivery(app_id, webhook_id, delivery_id)


def claim_attempt(app_id: str, delivery: DeliveryRecord, *, attempted_at: str, next_retry_at: int | None) -> bool:
    """Count the next attempt before making it, only if nobody claimed it first (same sequence, same
    attempts seen, still pending): duplicate queue messages never make two attempts at once. The next
    retry time is set as if the attempt fails, so a crash in between keeps the schedule."""
    try:
        dynamodb.update_item(
            keys.webhook_delivery(app_id, delivery.webhook_id, delivery.delivery_id),
            Expression(
                "SET attempts = :attempts, last_attempt_at = :at, next_retry_at = :next",
                values={":attempts": delivery.attempts + 1, ":at": attempted_at, ":next": next_retry_at},
            ),
            condition=Expression(
                "attempts = :seen AND #sequence = :sequence AND #status = :pending",
                {"#sequence": "sequence", "#status": "status"},
                {":seen": delivery.attempts, ":sequence": delivery.sequence, ":pending": "pending"},
            ),
        )
    except ConditionFailed:
        return False
    return True


def record_result(
    app_id: str,
    delivery: DeliveryRecord,
    *,
    status: DeliveryStatus,
    status_code: int | None,
    error: str | None,
    next_retry_at: int | None,
    history_limit: int,
) -> None:
    """The outcome of the attempt ``claim_attempt`` counted (``delivery`` as it was before the claim);
    nothing if a manual retry re-armed the delivery meanwhile."""
    attempt = delivery.attempts + 1
    entry = {"attempt": attempt, "at": delivery.last_attempt_at, "status_code": status_code, "error": error}
    history = [*delivery.history, {k: v for k, v in entry.items() if v is not None}][-history_limit:]
    try:
        dynamodb.update_item(
            keys.webhook_delivery(app_id, delivery.webhook_id, delivery.delivery_id),
            Expression(
                "SET #status = :status, history = :history, last_status_code = :code, last_error = :error, "
                "next_retry_at = :next",
                {"#status": "status"},
                {":status": status, ":history": history, ":code": status_code, ":error": error, ":next": next_retry_at},
            ),
            condition=Expression(
                "attempts = :attempt AND #sequence = :sequence",
                {"#sequence": "sequence"},
                {":attempt": attempt, ":sequence": delivery.sequence},
            ),
        )
    except ConditionFailed:
        return


def rearm(app_id: str, webhook_id: str, delivery_id: str, now: int) -> DeliveryRecord | None:
    """A manual retry: pending again under a new sequence (any message of the old one is dropped)."""
    try:
        item = dynamodb.update_item(
            keys.webhook_delivery(app_id, webhook_id, delivery_id),
            Expression(
                "SET #status = :pending, #sequence = #sequence + :one, next_retry_at = :now",
                {"#status": "status", "#sequence": "sequence"},
                {":pending": "pending", ":one": 1, ":now": now},
            ),
            condition=Expression("attribute_exists(PK)"),
        )
    except ConditionFailed:
        return None
    return _delivery_from_item(item)


def page_deliveries(
    app_id: str, webhook_id: str, limit: int, cursor: str | None
) -> tuple[list[DeliveryRecord], str | None]:
    """Newest first (delivery ids sort by the time of their event), merged from the log's shards."""
    items, next_cursor = pagination.newest_first_across(
        pagination.Shards(
            keys.webhook_deliveries_partitions(app_id, webhook_id),
            keys.WEBHOOK_DELIVERY_SK_PREFIX,
            consistent=True,
        ),
        limit,
        cursor,
    )
    return [_delivery_from_item(item) for item in items], next_cursor
