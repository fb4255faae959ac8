"""The outbox path of template.yaml, in process: what Lambda's event source mappings do in AWS.

- The table's stream (read through the store's DynamoDB Streams API, so only committed writes are
  seen) feeds the function whose DynamoDB event source names it, filtered by its FilterCriteria, in
  order; a reported batch item failure is retried from that record, as Lambda does.
- The webhook queue (SQS in the same store) feeds the function whose SQS event source names it; the
  messages it does not report as failures are deleted, the others come back when their visibility
  timeout (set by the function: the retry delay) runs out.

``drain()`` runs both until nothing moves (tests); ``start()`` polls them on a thread (``rewards dev``).
"""

from __future__ import annotations

import json
import sys
import threading
import uuid
from collections.abc import Mapping
from functools import cache
from typing import Any

import boto3

from rewards_cli.apigw import ACCOUNT_ID, REGION
from rewards_cli.lambdas import FunctionPool
from rewards_cli.template import Template, load, local_resource_names

STREAM_BATCH_SIZE = 100
QUEUE_BATCH_SIZE = 10
LOCAL_QUEUE_VISIBILITY_SECONDS = "5"  # a crashed local attempt comes back within seconds


def matches(pattern: Mapping[str, Any], value: Any) -> bool:
    """EventBridge-style filter matching, the subset the template uses: nested objects and lists of
    allowed exact values or ``{"exists": true|false}`` (a missing object holds no attribute)."""
    value = {} if value is None else value
    if not isinstance(value, Mapping):
        return False
    for name, expected in pattern.items():
        if isinstance(expected, Mapping):
            if not matches(expected, value.get(name)):
                return False
        elif not any(_allows(option, name in value, value.get(name)) for option in expected):
            return False
    return True


def _allows(option: Any, present: bool, value: Any) -> bool:
    if isinstance(option, Mapping) and "exists" in option:
        return bool(option["exists"]) == present
    return present and value == option


@cache
def local_client(service: str, endpoint_url: str | None = None) -> Any:
    """One client per service and store for the process (clients are thread-safe): a new one costs
    ~50 ms, more than most tests' own work, and the tests create the table and queues for each test."""
    session: Any = boto3.session.Session()
    return session.client(service, endpoint_url=endpoint_url, region_name=REGION)


WEBHOOK_QUEUE = "WebhookDeliveryQueue"


def create_message_resources(table_name: str, endpoint_url: str | None = None) -> None:
    """The template's event bus and queues, under their local names (see ``local_resource_names``), and its
    buckets in process (the embedded store serves no S3: the local runner imports members in the CLI's
    process, README "Importing members")."""
    sqs, events = local_client("sqs", endpoint_url), local_client("events", endpoint_url)
    buses = {bus["Name"] for bus in events.list_event_buses()["EventBuses"]}
    kinds = load().resource_types
    for logical_id, name in local_resource_names(table_name).items():
        if kinds[logical_id] == "AWS::SQS::Queue":
            sqs.create_queue(
                QueueName=name.rsplit("/", 1)[1], Attributes={"VisibilityTimeout": LOCAL_QUEUE_VISIBILITY_SECONDS}
            )
        elif kinds[logical_id] == "AWS::S3::Bucket":
            if endpoint_url is None:
                local_client("s3").create_bucket(Bucket=name)
        elif name not in buses:
            events.create_event_bus(Name=name)


class LocalOutbox:
    def __init__(
        self, template: Template, pool: FunctionPool, table_name: str, endpoint_url: str | None = None
    ) -> None:
        self.pool = pool
        self.table_name = table_name
        self._endpoint = endpoint_url
        self.publisher = next(f for f in template.functions.values() if f.stream_filters is not None)
        # the queue the publisher sends deliveries to (the import queues feed functions of their own)
        self.deliverer = next(f for f in template.functions.values() if f.queue == WEBHOOK_QUEUE)
        names = local_resource_names(table_name)
        self.queue_url = names[str(self.deliverer.queue)]
        self._resources = names
        self._iterators: dict[str, str] = {}
        self._pending: list[dict[str, Any]] = []  # stream records read but not yet published
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def client(self, service: str) -> Any:
        return local_client(service, self._endpoint)

    def create_resources(self, *, from_now: bool = True) -> None:
        """The bus and queues of the template, and a position in the table's stream (its end, when
        ``from_now``: items a restarted runner loads back are not announced again)."""
        create_message_resources(self.table_name, self._endpoint)
        streams, table = self.client("dynamodbstreams"), self.client("dynamodb")
        description = table.describe_table(TableName=self.table_name)["Table"]
        if "LatestStreamArn" not in description:  # a table created without its stream (tests)
            specification = {"StreamEnabled": True, **load().table_properties["StreamSpecification"]}
            table.update_table(TableName=self.table_name, StreamSpecification=specification)
            description = table.describe_table(TableName=self.table_name)["Table"]
        stream_arn = description["LatestStreamArn"]
        for shard in streams.describe_stream(StreamArn=stream_arn)["StreamDescription"]["Shards"]:
            self._iterators[shard["ShardId"]] = streams.get_shard_iterator(
                StreamArn=stream_arn,
                ShardId=shard["ShardId"],
                ShardIteratorType="LATEST" if from_now else "TRIM_HORIZON",
            )["ShardIterator"]

    def pump_stream(self) -> int:
        """Publish what the stream holds; how many records were handed to the publisher."""
        streams = self.client("dynamodbstreams")
        for shard_id, iterator in list(self._iterators.items()):
            response = streams.get_records(ShardIterator=iterator)
            self._iterators[shard_id] = response["NextShardIterator"]
            self._pending.extend(
                record | {"eventSourceARN": f"arn:aws:dynamodb:{REGION}:{ACCOUNT_ID}:table/{self.table_name}/stream"}
                for record in response["Records"]
            )
        filters = self.publisher.stream_filters or []
        self._pending = [r for r in self._pending if not filters or any(matches(f, r) for f in filters)]
        handed = 0
        while self._pending:
            batch = self._pending[:STREAM_BATCH_SIZE]
            result = self.pool.invoke(self.publisher, {"Records": batch})
            failed = [f["itemIdentifier"] for f in result.get("batchItemFailures", [])]
            if failed:
                # As Lambda does: the stream resumes from the first reported record (next pump).
                sequences = [r["dynamodb"]["SequenceNumber"] for r in batch]
                self._pending = self._pending[sequences.index(failed[0]) :]
                return handed
            self._pending = self._pending[len(batch) :]
            handed += len(batch)
        return handed

    def pump_queue(self) -> int:
        """One receive from the delivery queue into the deliverer; how many messages were received."""
        sqs = self.client("sqs")
        messages = sqs.receive_message(
            QueueUrl=self.queue_url, MaxNumberOfMessages=QUEUE_BATCH_SIZE, AttributeNames=["All"]
        ).get("Messages", [])
        if not messages:
            return 0
        records = [
            {
                "messageId": m["MessageId"],
                "receiptHandle": m["ReceiptHandle"],
                "body": m["Body"],
                "attributes": m.get("Attributes", {}),
                "messageAttributes": {},
                "md5OfBody": m["MD5OfBody"],
                "eventSource": "aws:sqs",
                "eventSourceARN": f"arn:aws:sqs:{REGION}:{ACCOUNT_ID}:{self.queue_url.rsplit('/', 1)[1]}",
                "awsRegion": REGION,
            }
            for m in messages
        ]
        result = self.pool.invoke(self.deliverer, {"Records": records})
        failed = {f["itemIdentifier"] for f in result.get("batchItemFailures", [])}
        done = [m for m in messages if m["MessageId"] not in failed]
        if done:
            sqs.delete_message_batch(
                QueueUrl=self.queue_url,
                Entries=[{"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(done)],
            )
        return len(messages)

    def drain(self, rounds: int = 20) -> None:
        """Until neither the stream nor the queue has anything ready (messages waiting out a retry
        delay stay queued)."""
        for _ in range(rounds):
            if not self.pump_stream() and not self.pump_queue():
                return

    def start(self, interval: float = 0.2) -> None:
        def loop() -> None:
            while not self._stop.wait(interval):
                try:
                    self.drain()
                except Exception as error:
                    print(f"outbox: {error!r}", file=sys.stderr)

        self._thread = threading.Thread(target=loop, daemon=True, name=f"outbox-{uuid.uuid4().hex[:6]}")
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)


def dead_letters(outbox: LocalOutbox, dead_letter_queue: str = "WebhookDeadLetterQueue") -> list[dict[str, Any]]:
    """The messages parked on the dead-letter queue (read without removing them for long)."""
    sqs = outbox.client("sqs")
    url = local_resource_names(outbox.table_name)[dead_letter_queue]
    found = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, VisibilityTimeout=0).get("Messages", [])
    return [json.loads(m["Body"]) for m in found]
