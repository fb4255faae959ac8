"""Scheduled every 15 minutes (EventBridge): records the points activations and expiries that are due."""

from dataclasses import asdict
from typing import Any

from aws_lambda_powertools.utilities.parser import event_parser
from aws_lambda_powertools.utilities.parser.models import EventBridgeModel
from aws_lambda_powertools.utilities.typing import LambdaContext

from shared.domain.points.ledger import settle_due
from shared.observability import MetricUnit, logger, metrics, traced


@logger.inject_lambda_context
@metrics.log_metrics
@traced
@event_parser(model=EventBridgeModel)
def lambda_handler(event: EventBridgeModel, context: LambdaContext) -> dict[str, Any]:
    report = settle_due(context.get_remaining_time_in_millis)
    metrics.add_metric(name="PointsSettled", unit=MetricUnit.Count, value=report.entries_written)
    # 1 when due customers were left for the next run: PointsSettlerBacklogAlarm fires when it persists.
    metrics.add_metric(name="PointsBacklogLeft", unit=MetricUnit.Count, value=int(report.backlog_left))
    logger.info("points settled", extra={"schedule_time": event.time.isoformat(), **asdict(report)})
    return asdict(report)
