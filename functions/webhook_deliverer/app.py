"""The webhook delivery queue (SQS) -> one signed POST per message. A failed attempt's message is made
visible again after the backoff delay (its visibility timeout: no sleeping) and reported as a batch
item failure; the last failed attempt is parked in the dead-letter queue."""

import json
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from shared import messaging
from shared.domain import webhooks
from shared.observability import MetricUnit, logger, metrics, traced


def _attempt(record: dict[str, Any]) -> webhooks.AttemptResult | None:
    """The attempt's result; None when it could not be made (the message comes back after the queue's
    visibility timeout, like any failed batch item)."""
    try:
        result = webhooks.deliver(json.loads(record["body"]))
        if result.retry_in is not None:
            messaging.postpone(record["receiptHandle"], result.retry_in)
    except Exception:
        logger.exception("webhook delivery could not be attempted", extra={"message_id": record.get("messageId")})
        return None
    return result


@logger.inject_lambda_context
@metrics.log_metrics
@traced
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    records = event.get("Records") or []
    with ThreadPoolExecutor(max_workers=max(1, min(10, len(records)))) as pool:
        results = list(pool.map(_attempt, records))
    done = [result for result in results if result is not None]
    metrics.add_metric(name="WebhooksDelivered", unit=MetricUnit.Count, value=sum(r.delivered for r in done))
    metrics.add_metric(name="WebhooksDeadLettered", unit=MetricUnit.Count, value=sum(r.dead_lettered for r in done))
    again = [
        record["messageId"]
        for record, result in zip(records, results, strict=True)
        if result is None or result.retry_in is not None
    ]
    return {"batchItemFailures": [{"itemIdentifier": message_id} for message_id in again]}
