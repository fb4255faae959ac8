"""The export queue (SQS) -> one export job's file, streamed to S3. An attempt that failed is reported as a
batch item failure and comes back after the queue's visibility timeout; the last attempt records the job
failed (shared/domain/export_files.py)."""

import json
from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from shared.domain import export_files
from shared.observability import MetricUnit, logger, metrics, traced


@logger.inject_lambda_context
@metrics.log_metrics
@traced
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    failed = []
    for record in event.get("Records") or []:
        try:
            message = json.loads(record["body"])
            job = export_files.run_export(message["app_id"], message["export_id"])
        except Exception:
            logger.exception("export attempt failed", extra={"message_id": record.get("messageId")})
            failed.append(record.get("messageId"))
            continue
        if job is not None:
            metrics.add_metric(name="ExportRows", unit=MetricUnit.Count, value=job.rows)
    return {"batchItemFailures": [{"itemIdentifier": message_id} for message_id in failed]}
