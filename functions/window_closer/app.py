"""Scheduled every minute (EventBridge): closes AWT windows whose end has passed without completion."""

from dataclasses import asdict
from typing import Any

from aws_lambda_powertools.utilities.parser import event_parser
from aws_lambda_powertools.utilities.parser.models import EventBridgeModel
from aws_lambda_powertools.utilities.typing import LambdaContext

from shared.domain.windows import close_due_windows
from shared.observability import MetricUnit, logger, metrics, traced


@logger.inject_lambda_context
@metrics.log_metrics
@traced
@event_parser(model=EventBridgeModel)
def lambda_handler(event: EventBridgeModel, context: LambdaContext) -> dict[str, Any]:
    report = close_due_windows(context.get_remaining_time_in_millis)
    metrics.add_metric(name="WindowsClosed", unit=MetricUnit.Count, value=report.closed)
    # 1 when due windows were left for the next run: WindowCloserBacklogAlarm fires when it persists.
    metrics.add_metric(name="WindowBacklogLeft", unit=MetricUnit.Count, value=int(report.backlog_left))
    logger.info("windows closed", extra={"schedule_time": event.time.isoformat(), **asdict(report)})
    return asdict(report)
