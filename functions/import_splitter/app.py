"""The imports bucket's uploads (S3 event notifications on a queue) -> each file cut into chunk messages for
the import workers, read through once; no row is imported here."""

import json
from typing import Any
from urllib.parse import unquote_plus

from aws_lambda_powertools.utilities.typing import LambdaContext

from shared import messaging
from shared.api.member_import import split_upload
from shared.observability import MetricUnit, logger, metrics, traced
from shared.settings import get_settings


def _send(messages: list[dict[str, Any]]) -> None:
    messaging.enqueue(messages, queue_url=get_settings().import_chunks_queue_url)


@logger.inject_lambda_context
@metrics.log_metrics
@traced
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    """A failure raises: the upload's message comes back (a file already cut is not cut again)."""
    for record in event.get("Records") or []:
        notification = json.loads(record["body"])
        for upload in notification.get("Records") or []:  # none in S3's test event
            object_key = unquote_plus(upload["s3"]["object"]["key"])  # S3 sends keys URL-encoded
            chunks = split_upload(object_key, _send)
            if chunks is None:
                logger.warning("upload without a waiting import", extra={"object_key": object_key})
                continue
            metrics.add_metric(name="ImportChunksQueued", unit=MetricUnit.Count, value=chunks)
    return {"batchItemFailures": []}
