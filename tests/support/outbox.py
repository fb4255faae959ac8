"""Watching what the engine announces: a tap on the EventBridge bus (a rule with a queue target, as a
merchant would write one) and helpers over the webhook path."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import boto3

from rewards_cli.outbox import LocalOutbox, local_client
from shared.domain.domain_events import ENVELOPES
from shared.messaging import EVENT_SOURCE
from shared.settings import get_settings


@dataclass(frozen=True, slots=True)
class Announced:
    detail_type: str
    source: str
    envelope: dict[str, Any]

    @property
    def type(self) -> str:
        return str(self.envelope["type"])

    @property
    def id(self) -> str:
        return str(self.envelope["id"])

    @property
    def data(self) -> dict[str, Any]:
        data: dict[str, Any] = self.envelope["data"]
        return data


class BusTap:
    """Every event put on the engine's bus with source rewards.engine, in order."""

    def __init__(self, outbox: LocalOutbox) -> None:
        self.outbox = outbox
        self.seen: list[Announced] = []
        sqs, events = local_client("sqs"), local_client("events")
        self._queue = sqs.create_queue(QueueName="bus-tap")["QueueUrl"]
        arn = sqs.get_queue_attributes(QueueUrl=self._queue, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        bus = get_settings().event_bus_name
        events.put_rule(Name="tap", EventBusName=bus, EventPattern=json.dumps({"source": [EVENT_SOURCE]}))
        events.put_targets(Rule="tap", EventBusName=bus, Targets=[{"Id": "tap", "Arn": arn}])

    def read(self) -> list[Announced]:
        """Drain the outbox, then everything announced since the last read."""
        self.outbox.drain()
        sqs = local_client("sqs")
        new: list[Announced] = []
        while messages := sqs.receive_message(QueueUrl=self._queue, MaxNumberOfMessages=10).get("Messages", []):
            for message in messages:
                body = json.loads(message["Body"])
                # Every announced event is exactly what the catalogue (and openapi.json) documents.
                ENVELOPES[body["detail"]["type"]].model_validate(body["detail"])
                new.append(Announced(body["detail-type"], body["source"], body["detail"]))
                sqs.delete_message(QueueUrl=self._queue, ReceiptHandle=message["ReceiptHandle"])
        self.seen.extend(new)
        return new

    def types(self) -> list[str]:
        return sorted(event.type for event in self.read())


def stream_records(table_name: str = "rewards-test") -> list[dict[str, Any]]:
    """Every record on the test table's stream, from its start."""
    streams, table = boto3.client("dynamodbstreams"), boto3.client("dynamodb")
    arn = table.describe_table(TableName=table_name)["Table"]["LatestStreamArn"]
    records: list[dict[str, Any]] = []
    for shard in streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"]:
        iterator = streams.get_shard_iterator(StreamArn=arn, ShardId=shard["ShardId"], ShardIteratorType="TRIM_HORIZON")
        records += streams.get_records(ShardIterator=iterator["ShardIterator"])["Records"]
    return records
