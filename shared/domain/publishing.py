"""The publisher: a batch of the table's stream records, in order, becomes domain events on the
EventBridge bus and deliveries to the subscribed webhooks of each event's application.

A failure reports the first record not fully published (partial batch response): the stream resumes
from there, so everything before it is never announced twice, and what follows is announced again
with the same event ids (consumers dedupe on ``id``; webhook deliveries dedupe themselves).
Costs per batch: one two-item transaction per counted event (the daily statistics), one PutEvents
per 10 events, the webhooks of each application that has events (from the container's cache: a read
of their version every few seconds), and per delivery one conditional write and a tenth of a
SendMessageBatch.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from shared import messaging
from shared.domain import outbox, stats, webhooks
from shared.domain.outbox import DomainEvent
from shared.entities.changes import ItemChange
from shared.errors import ServiceUnavailable
from shared.observability import logger
from shared.storage import webhooks as webhook_store
from shared.storage.webhooks import WebhookRecord
from shared.values import value_class


@value_class
class PublishReport:
    events: int
    deliveries: int
    first_failed: str | None  # the sequence number to resume from, when something failed


def publish(records: Sequence[tuple[str, ItemChange | None]]) -> PublishReport:
    announced = [(sequence, outbox.events_of(change) if change else []) for sequence, change in records]
    flat = [(index, event) for index, (_, events) in enumerate(announced) for event in events]
    refused = messaging.put_events([(event.type, event.body().decode()) for _, event in flat])
    stop = min((flat[i][0] for i in refused), default=len(announced))
    # The daily statistics (GET /stats), counted here, off the request path; each event once (markers).
    stop = min(stop, stats.count_announced([events for _, events in announced[:stop]]))
    subscribers: dict[str, Sequence[WebhookRecord]] = {}
    messages: list[dict[str, Any]] = []
    first_with_messages: int | None = None
    for index, (_, events) in enumerate(announced[:stop]):
        try:
            found = _deliveries(events, subscribers)
        except ServiceUnavailable:
            logger.warning("webhook fan-out failed; the stream will retry", exc_info=True)
            stop = index
            break
        if found and first_with_messages is None:
            first_with_messages = index
        messages += found
    try:
        messaging.enqueue(messages)  # one SendMessageBatch per 10 deliveries of the whole batch
    except ServiceUnavailable:
        logger.warning("webhook deliveries not queued; the stream will retry", exc_info=True)
        # Their records are seen again: deliveries not yet attempted are queued again (same ids).
        stop = min(stop, first_with_messages if first_with_messages is not None else stop)
        messages = []
    published = sum(len(events) for _, events in announced[:stop])
    first_failed = announced[stop][0] if stop < len(announced) else None
    return PublishReport(published, len(messages), first_failed)


def _deliveries(events: list[DomainEvent], subscribers: dict[str, Sequence[WebhookRecord]]) -> list[dict[str, Any]]:
    """The deliveries of one record's events (one item: one application), recorded, to be queued."""
    if not events:
        return []
    app_id = events[0].app_id
    if app_id not in subscribers:
        subscribers[app_id] = webhook_store.recent(app_id)
    return webhooks.fan_out(app_id, events, subscribers[app_id]) if subscribers[app_id] else []
