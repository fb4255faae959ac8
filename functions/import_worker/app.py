"""The import chunks' queue -> each chunk's rows through the row processor, counted on its job once. A chunk
that meets a store fault is reported as a batch item failure and comes back (rows done stay unchanged)."""

import json
from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from shared.api.member_import import run_chunk_message
from shared.observability import MetricUnit, logger, metrics, traced


@logger.inject_lambda_context
@metrics.log_metrics
@traced
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    failed = []
    for record in event.get("Records") or []:
        try:
            result = run_chunk_message(json.loads(record["body"]))
        except Exception:
            logger.exception("import chunk failed", extra={"message_id": record.get("messageId")})
            failed.append(record["messageId"])
            continue
        metrics.add_metric(name="MembersImported", unit=MetricUnit.Count, value=sum(result.outcomes.values()))
        metrics.add_metric(name="ImportRowsRejected", unit=MetricUnit.Count, value=len(result.rejected))
    return {"batchItemFailures": [{"itemIdentifier": message_id} for message_id in failed]}
