"""(e) The outbox publisher's cost per domain event, in process under moto.

    python -m bench.outbox RESULT.json     (run by bench/run.py in a process of its own)

Customers complete a one-step points rule through the API (each: customer.created, rule.completed,
points.credited), then the table's stream records that pass the template's filter are handed to the
real OutboxPublisherFunction in batches of 100, as Lambda's event source mapping does: once for an
application without webhooks (events to the bus only) and once for one with a webhook subscribed to
everything (plus one delivery per event). Reported per event: AWS calls by operation (what a merchant
pays for) and CPU of the invocation (moto's serving excluded is not separated here: an upper bound).
"""

from __future__ import annotations

import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

from bench.common import TABLE_NAME, write_json
from bench.inprocess import _configure_environment

CUSTOMERS = 100
BATCH = 100
KYC_CAMPAIGN = {
    "campaign_name": "Bench KYC",
    "rules": [
        {
            "rule_name": "KYC",
            "action_type": "RTA",
            "actions": [{"event_name": "complete_KYC_Verification", "target": 1}],
            "reward": {"type": "points", "points": 100},
        }
    ],
}


def _stream_records(table_name: str) -> list[dict[str, Any]]:
    import boto3

    streams = boto3.client("dynamodbstreams")
    arn = boto3.client("dynamodb").describe_table(TableName=table_name)["Table"]["LatestStreamArn"]
    records: list[dict[str, Any]] = []
    for shard in streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"]:
        iterator = streams.get_shard_iterator(StreamArn=arn, ShardId=shard["ShardId"], ShardIteratorType="TRIM_HORIZON")
        response = streams.get_records(ShardIterator=iterator["ShardIterator"], Limit=10000)
        records += response["Records"]
    return records


def _measure(with_webhook: bool) -> dict[str, Any]:
    import boto3
    from botocore.client import BaseClient
    from moto import mock_aws

    from rewards_cli.gateway import LocalGateway
    from rewards_cli.outbox import create_message_resources, matches
    from rewards_cli.template import create_table_arguments, load
    from shared.domain.applications import create_application
    from tests.support.api import ApiClient, Credentials

    with mock_aws():
        boto3.client("dynamodb").create_table(**create_table_arguments(TABLE_NAME))
        create_message_resources(TABLE_NAME)
        template = load()
        gateway = LocalGateway(template)
        app = create_application("bench-outbox")
        api = ApiClient(gateway, Credentials(app.app_id, app.api_key, app.secret_key))
        api.post("/campaigns", KYC_CAMPAIGN)
        if with_webhook:
            api.post("/webhooks", {"url": "https://93.184.215.14/hooks", "events": ["*"]})
        for n in range(CUSTOMERS):
            api.post("/events", {"source_id": f"bench-{n}", "event_name": "complete_KYC_Verification"})
        publisher = next(f for f in template.functions.values() if f.stream_filters is not None)
        records = [r for r in _stream_records(TABLE_NAME) if any(matches(f, r) for f in publisher.stream_filters or [])]
        gateway.pool.invoke(publisher, {"Records": []})  # warm: module loaded, clients created

        calls: Counter[str] = Counter()
        original = BaseClient._make_api_call  # type: ignore[attr-defined]

        def counting(self: BaseClient, operation_name: str, api_params: dict[str, Any]) -> Any:
            calls[f"{self.meta.service_model.service_name}:{operation_name}"] += 1
            return original(self, operation_name, api_params)

        BaseClient._make_api_call = counting  # type: ignore[attr-defined]
        cpu = wall = 0.0
        failures = 0
        try:
            for start in range(0, len(records), BATCH):
                batch = records[start : start + BATCH]
                began_cpu, began_wall = time.process_time(), time.perf_counter()
                result = gateway.pool.invoke(publisher, {"Records": batch})
                cpu += time.process_time() - began_cpu
                wall += time.perf_counter() - began_wall
                failures += len(result["batchItemFailures"])
        finally:
            BaseClient._make_api_call = original  # type: ignore[attr-defined]
    events = 3 * CUSTOMERS
    return {
        "webhooks": 1 if with_webhook else 0,
        "records": len(records),
        "events": events,
        "batches": -(-len(records) // BATCH),
        "batch_failures": failures,
        "calls": dict(sorted(calls.items())),
        "calls_per_event": round(sum(calls.values()) / events, 3),
        "cpu_ms_per_event_including_moto": round(cpu * 1000 / events, 3),
        "wall_ms_per_event_including_moto": round(wall * 1000 / events, 3),
    }


def main(argv: list[str]) -> int:
    out = Path(argv[0])
    _configure_environment()
    write_json(out, {"runs": [_measure(with_webhook=False), _measure(with_webhook=True)]})
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
