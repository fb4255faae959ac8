"""Webhooks: registration, signed delivery with retries, the delivery log.

Delivery. The publisher records one delivery per (event, subscribed webhook) and queues a message for
it; the deliverer POSTs the envelope, signed with the webhook's secret:
``Rewards-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<raw body>">``. Anything but a 2xx
(a redirect included: none is followed), a timeout (10 s) or a refused target is retried with
exponential backoff: the delay before attempt n+1 is ``base * 2**(n-1)`` seconds, capped at 6 hours
(base 60 s in AWS, 5 s or less locally), for ``MAX_ATTEMPTS`` attempts spread over more than 24 hours.
The queue message's visibility timeout is the timer: nothing sleeps. After the last attempt the
delivery is marked ``failed`` and its message parked in the dead-letter queue; ``POST .../retry``
sends it again (attempts continue, the old message is dropped by its stale sequence).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime
from typing import TYPE_CHECKING, Any

from shared import clock, messaging, outbound
from shared.errors import Conflict, NotFound, ValidationFailed
from shared.ids import new_id
from shared.settings import get_settings
from shared.storage import webhooks
from shared.storage.webhooks import DeliveryRecord, TooManyWebhooks, WebhookRecord
from shared.values import value_class

if TYPE_CHECKING:  # the outbox (the events' models) is the publisher's, not the webhook routes'
    from shared.domain.outbox import DomainEvent

MAX_WEBHOOKS_PER_APPLICATION = 20
MAX_ATTEMPTS = 13
RETRY_CAP_SECONDS = 6 * 3600
DELIVERY_RETENTION_SECONDS = 30 * 24 * 3600
HISTORY_LIMIT = 20
SIGNATURE_HEADER = "Rewards-Signature"
EVENT_ID_HEADER = "Rewards-Event-Id"
SIGNATURE_TOLERANCE_SECONDS = 300
_SORTABLE = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"  # ASCII order


def retry_delay(attempts_made: int, base_seconds: int) -> int:
    """Seconds to wait after the ``attempts_made``-th failed attempt before the next one."""
    return int(min(base_seconds * 2 ** (attempts_made - 1), RETRY_CAP_SECONDS))


def sign(secret: str, timestamp: int, body: bytes) -> str:
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"


def verify(secret: str, header: str, body: bytes, now: int, tolerance: int = SIGNATURE_TOLERANCE_SECONDS) -> bool:
    """What a receiver does: the header's HMAC matches the raw body, and ``t`` is recent (no replays)."""
    fields: dict[str, list[str]] = {}
    for part in header.split(","):
        name, _, value = part.strip().partition("=")
        fields.setdefault(name, []).append(value)
    try:
        timestamp = int(fields["t"][0])
    except (KeyError, ValueError):
        return False
    if abs(now - timestamp) > tolerance:
        return False
    expected = sign(secret, timestamp, body).split("v1=", 1)[1]
    return any(hmac.compare_digest(expected, candidate) for candidate in fields.get("v1", []))


def _target(url: str) -> outbound.Target:
    return outbound.check(url, allow_local=get_settings().webhook_allow_local_targets)


def register(app_id: str, url: str, events: Sequence[str], description: str | None) -> WebhookRecord:
    try:
        _target(url)
    except outbound.UnsafeTarget as error:
        raise ValidationFailed(f"url: {error}") from error
    record = WebhookRecord(
        webhook_id=new_id("whk"),
        url=url,
        events=sorted(set(events)),
        secret="whsec_" + secrets.token_urlsafe(32),
        created_at=clock.now_iso(),
        description=description,
    )
    try:
        webhooks.create(app_id, record, MAX_WEBHOOKS_PER_APPLICATION)
    except TooManyWebhooks as error:
        raise Conflict(
            "Too many webhooks", f"an application has at most {MAX_WEBHOOKS_PER_APPLICATION} webhooks"
        ) from error
    return record


def get(app_id: str, webhook_id: str) -> WebhookRecord:
    record = webhooks.get(app_id, webhook_id)
    if record is None:
        raise NotFound(f"Cannot find webhook with id {webhook_id}")
    return record


def delete(app_id: str, webhook_id: str) -> None:
    """A webhook never changes, so the one read is the one deleted (the audit log keeps it, secret redacted)."""
    if not webhooks.delete(app_id, get(app_id, webhook_id)):
        raise NotFound(f"Cannot find webhook with id {webhook_id}")


def list_webhooks(app_id: str, limit: int, cursor: str | None) -> tuple[list[WebhookRecord], str | None]:
    return webhooks.page(app_id, limit, cursor)


def list_deliveries(
    app_id: str, webhook_id: str, limit: int, cursor: str | None
) -> tuple[list[DeliveryRecord], str | None]:
    get(app_id, webhook_id)
    return webhooks.page_deliveries(app_id, webhook_id, limit, cursor)


def retry(app_id: str, webhook_id: str, delivery_id: str) -> DeliveryRecord:
    get(app_id, webhook_id)
    delivery = webhooks.rearm(app_id, webhook_id, delivery_id, clock.now_epoch())
    if delivery is None:
        raise NotFound(f"Cannot find delivery with id {delivery_id}")
    messaging.enqueue([_message(app_id, delivery)])
    return delivery


def subscribes(webhook: WebhookRecord, event_type: str) -> bool:
    return "*" in webhook.events or event_type in webhook.events


def delivery_id(event: DomainEvent, webhook_id: str) -> str:
    """``dlv_`` + 8 characters of the event's time (so ids sort newest last) + 13 of a hash of the pair."""
    millis = int(datetime.fromisoformat(event.created_at.replace("Z", "+00:00")).timestamp() * 1000)
    time_part = ""
    for _ in range(8):
        millis, index = divmod(millis, len(_SORTABLE))
        time_part = _SORTABLE[index] + time_part
    digest = int.from_bytes(hashlib.sha256(f"{event.id}|{webhook_id}".encode()).digest(), "big")
    hash_part = ""
    for _ in range(13):
        digest, index = divmod(digest, len(_SORTABLE))
        hash_part += _SORTABLE[index]
    return f"dlv_{time_part}{hash_part}"


def _message(app_id: str, delivery: DeliveryRecord) -> dict[str, Any]:
    return {
        "app_id": app_id,
        "webhook_id": delivery.webhook_id,
        "delivery_id": delivery.delivery_id,
        "sequence": delivery.sequence,
    }


def fan_out(app_id: str, events: Sequence[DomainEvent], subscribed: Sequence[WebhookRecord]) -> list[dict[str, Any]]:
    """Record one delivery per (event, subscribed webhook); the queue messages to send for them. A
    delivery recorded before (the publisher saw the change again) is sent again only if no attempt was
    made yet: its first message may not have gone out."""
    messages = []
    created_at = clock.now_iso()
    expires_at = clock.now_epoch() + DELIVERY_RETENTION_SECONDS
    for event in events:
        body = event.body().decode()
        for webhook in subscribed:
            if not subscribes(webhook, event.type):
                continue
            delivery = DeliveryRecord(
                delivery_id=delivery_id(event, webhook.webhook_id),
                webhook_id=webhook.webhook_id,
                event_id=event.id,
                event_type=event.type,
                body=body,
                created_at=created_at,
                expires_at=expires_at,
            )
            if webhooks.add_delivery(app_id, delivery):
                messages.append(_message(app_id, delivery))
            else:
                stored = webhooks.get_delivery(app_id, webhook.webhook_id, delivery.delivery_id)
                if stored is not None and stored.attempts == 0 and stored.status == "pending":
                    messages.append(_message(app_id, stored))
    return messages


@value_class
class AttemptResult:
    """``retry_in`` seconds when the message should come back, else None (done with it)."""

    retry_in: int | None
    delivered: bool = False
    dead_lettered: bool = False


_DONE = AttemptResult(None)


def deliver(message: dict[str, Any]) -> AttemptResult:
    """One attempt of one delivery, from its queue message."""
    app_id, webhook_id = message["app_id"], message["webhook_id"]
    webhook, delivery = webhooks.load_attempt(app_id, webhook_id, message["delivery_id"])
    # A deleted webhook, an expired log or a finished delivery: nothing to send; a message of an older
    # sequence was superseded by a manual retry, which queued its own.
    if webhook is None or delivery is None or delivery.status != "pending" or delivery.sequence != message["sequence"]:
        return _DONE
    now = clock.now_epoch()
    if delivery.next_retry_at is not None and delivery.next_retry_at > now:
        return AttemptResult(delivery.next_retry_at - now)  # came back early: wait out the schedule
    attempts = delivery.attempts + 1
    final = attempts >= MAX_ATTEMPTS
    delay = None if final else retry_delay(attempts, get_settings().webhook_retry_base_seconds)
    attempted_at = clock.now_iso()
    retry_at = now + delay if delay is not None else None
    if not webhooks.claim_attempt(app_id, delivery, attempted_at=attempted_at, next_retry_at=retry_at):
        return _DONE  # a duplicate message claimed this attempt first
    status_code, error = _post(webhook, delivery, now)
    delivered = status_code is not None and 200 <= status_code < 300
    webhooks.record_result(
        app_id,
        replace(delivery, last_attempt_at=attempted_at),
        status="succeeded" if delivered else "failed" if final else "pending",
        status_code=status_code,
        error=error,
        next_retry_at=None if delivered else retry_at,
        history_limit=HISTORY_LIMIT,
    )
    if delivered:
        return AttemptResult(None, delivered=True)
    if final:
        messaging.dead_letter(message)
        return AttemptResult(None, dead_lettered=True)
    return AttemptResult(delay)


def _post(webhook: WebhookRecord, delivery: DeliveryRecord, now: int) -> tuple[int | None, str | None]:
    body = delivery.body.encode()
    headers = {
        "Content-Type": "application/json",
        "User-Agent": "Rewards-Webhooks/1.0",
        SIGNATURE_HEADER: sign(webhook.secret, now, body),
        EVENT_ID_HEADER: delivery.event_id,
        "Rewards-Event-Type": delivery.event_type,
        "Rewards-Delivery-Id": delivery.delivery_id,
    }
    try:
        target = _target(webhook.url)
    except outbound.UnsafeTarget as error:
        return None, f"target refused: url {error}"
    try:
        return outbound.post(target, body, headers), None
    except TimeoutError:
        return None, "timed out"
    except OSError as error:
        return None, f"connection failed: {type(error).__name__}"
