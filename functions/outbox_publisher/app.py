"""The table's stream (new and old images) -> domain events on the EventBridge bus and webhook deliveries.

Partial batch response: the first record not fully published is reported, and the stream resumes there.
"""

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from shared.domain.publishing import publish
from shared.observability import MetricUnit, logger, metrics, traced
from shared.storage.stream import item_change, sequence_number


@logger.inject_lambda_context
@metrics.log_metrics
@traced
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    records = event.get("Records") or []
    report = publish([(sequence_number(r), item_change(r)) for r in records])
    metrics.add_metric(name="DomainEventsPublished", unit=MetricUnit.Count, value=report.events)
    metrics.add_metric(name="WebhookDeliveriesQueued", unit=MetricUnit.Count, value=report.deliveries)
    failures = [{"itemIdentifier": report.first_failed}] if report.first_failed else []
    return {"batchItemFailures": failures}
