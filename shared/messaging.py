"""The engine's message channels besides the table, behind the few calls it makes: the EventBridge
bus every domain event is put on, the webhook delivery queue (SQS), whose visibility timeout is the
retry timer, and the export queue (SQS) that starts an export's worker. One client per service per
process, created on first use (the API functions that never publish pay nothing at cold start)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from functools import cache
from typing import Any, Literal

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from shared.errors import ServiceUnavailable
from shared.settings import get_settings

EVENT_SOURCE = "rewards.engine"
PUT_EVENTS_BATCH = 10  # EventBridge's PutEvents limits: entries per call, and bytes per call
PUT_EVENTS_MAX_BYTES = 256 * 1024
SEND_MESSAGE_BATCH = 10  # SQS's SendMessageBatch limit
MAX_VISIBILITY_SECONDS = 12 * 3600  # SQS's limit on one message's visibility timeout


@cache
def _client(service: Literal["events", "sqs"]) -> Any:
    session: Any = boto3.session.Session()  # one per service client: each is created on first use only
    return session.client(
        service,
        region_name=get_settings().region,
        config=Config(retries={"mode": "standard", "max_attempts": 3}, connect_timeout=2, read_timeout=5),
    )


def _call(service: Literal["events", "sqs"], operation: str, **arguments: Any) -> Any:
    try:
        return getattr(_client(service), operation)(**arguments)
    except (ClientError, BotoCoreError) as error:
        raise ServiceUnavailable from error


def _put_events_chunks(entries: Sequence[tuple[str, str]]) -> list[range]:
    """Consecutive index ranges of at most 10 entries and at most 256 KB each (PutEvents' limits)."""
    chunks: list[range] = []
    start, size = 0, 0
    for index, (detail_type, detail) in enumerate(entries):
        entry_size = len(EVENT_SOURCE) + len(detail_type.encode()) + len(detail.encode())
        if index > start and (index - start == PUT_EVENTS_BATCH or size + entry_size > PUT_EVENTS_MAX_BYTES):
            chunks.append(range(start, index))
            start, size = index, 0
        size += entry_size
    if start < len(entries):
        chunks.append(range(start, len(entries)))
    return chunks


def put_events(entries: Sequence[tuple[str, str]]) -> set[int]:
    """Put (detail-type, detail JSON) entries on the bus; the indexes of those EventBridge refused."""
    failed: set[int] = set()
    bus = get_settings().event_bus_name
    for chunk in _put_events_chunks(entries):
        try:
            response = _call(
                "events",
                "put_events",
                Entries=[
                    {"Source": EVENT_SOURCE, "DetailType": entries[i][0], "Detail": entries[i][1], "EventBusName": bus}
                    for i in chunk
                ],
            )
        except ServiceUnavailable:
            failed.update(chunk)
            continue
        results = response.get("Entries", [])
        failed.update(index for index, result in zip(chunk, results, strict=False) if result.get("ErrorCode"))
    return failed


def enqueue(messages: Sequence[dict[str, Any]], delay_seconds: int = 0, queue_url: str | None = None) -> None:
    """Send messages (by default webhook deliveries) to a queue; raises ServiceUnavailable unless every one
    was accepted."""
    queue = queue_url or get_settings().webhook_queue_url
    for start in range(0, len(messages), SEND_MESSAGE_BATCH):
        chunk = messages[start : start + SEND_MESSAGE_BATCH]
        response = _call(
            "sqs",
            "send_message_batch",
            QueueUrl=queue,
            Entries=[
                {"Id": str(i), "MessageBody": json.dumps(message), "DelaySeconds": delay_seconds}
                for i, message in enumerate(chunk)
            ],
        )
        if response.get("Failed"):
            raise ServiceUnavailable


def postpone(receipt_handle: str, seconds: int) -> None:
    """Make a received message visible again in ``seconds``: the retry timer, with no sleeping."""
    _call(
        "sqs",
        "change_message_visibility",
        QueueUrl=get_settings().webhook_queue_url,
        ReceiptHandle=receipt_handle,
        VisibilityTimeout=max(0, min(seconds, MAX_VISIBILITY_SECONDS)),
    )


def send(queue_url: str, message: dict[str, Any]) -> None:
    """One message on ``queue_url``; raises ServiceUnavailable unless it was accepted."""
    _call("sqs", "send_message", QueueUrl=queue_url, MessageBody=json.dumps(message))


def dead_letter(message: dict[str, Any]) -> None:
    send(get_settings().webhook_dead_letter_queue_url, message)
