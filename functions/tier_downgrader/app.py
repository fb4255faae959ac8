"""Scheduled every 15 minutes (EventBridge): records the tier drops that are due and announces those ahead."""

from dataclasses import asdict
from typing import Any

from aws_lambda_powertools.utilities.parser import event_parser
from aws_lambda_powertools.utilities.parser.models import EventBridgeModel
from aws_lambda_powertools.utilities.typing import LambdaContext

from shared.domain.tier_members import settle_due
from shared.observability import MetricUnit, logger, metrics, traced


@logger.inject_lambda_context
@metrics.log_metrics
@traced
@event_parser(model=EventBridgeModel)
def lambda_handler(event: EventBridgeModel, context: LambdaContext) -> dict[str, Any]:
    report = settle_due(context.get_remaining_time_in_millis)
    metrics.add_metric(name="TierChangesRecorded", unit=MetricUnit.Count, value=report.changes_written)
    metrics.add_metric(name="TierBacklogLeft", unit=MetricUnit.Count, value=int(report.backlog_left))
    logger.info("tiers settled", extra={"schedule_time": event.time.isoformat(), **asdict(report)})
    return asdict(report)
