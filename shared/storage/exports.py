"""Export jobs (the reads a worker streams from are in shared/storage/export_reads.py).

A job is one item (``keys.export_job``): created queued, claimed by its worker (running, attempts counted),
then succeeded or failed, each write conditioned on the state it leaves so that a redelivered message or
a stale worker never overwrites a newer outcome. Jobs expire with the table's TTL, as their files do
with the bucket's lifecycle.
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Literal

from shared.storage import dynamodb, keys
from shared.storage.dynamodb import ConditionFailed, Expression, Item
from shared.values import value_class

Status = Literal["queued", "running", "succeeded", "failed", "withdrawn"]


@value_class
class ExportJob:
    export_id: str
    export_type: str
    format: str
    starts_ms: int
    ends_ms: int
    status: Status
    created_at: str
    expires_at: int  # epoch seconds: the job and its file are gone after it
    starts_at: str | None = None  # the bounds as asked (None: open); starts_ms and ends_ms are what is read
    ends_at: str | None = None
    started_at: str | None = None
    finished_at: str | None = None
    attempts: int = 0
    rows: int = 0
    size_bytes: int = 0
    error: str | None = None

    @classmethod
    def from_item(cls, item: Item) -> ExportJob:
        return cls(**{name: item[name] for name in cls.__dataclass_fields__ if item.get(name) is not None})


def create(app_id: str, job: ExportJob) -> None:
    item = {**keys.export_job(app_id, job.export_id), "type": "export", **asdict(job)}
    dynamodb.put_item({name: value for name, value in item.items() if value is not None})


def get(app_id: str, export_id: str, now_epoch: int) -> ExportJob | None:
    item = dynamodb.get_item(keys.export_job(app_id, export_id))
    # DynamoDB deletes expired items lazily: one past its TTL is already gone for the API
    if item is None or item.get("type") != "export" or item["expires_at"] <= now_epoch:
        return None
    return ExportJob.from_item(item)


def claim(app_id: str, export_id: str, now_iso: str, max_attempts: int) -> ExportJob | None:
    """The job, running under one more attempt; None when it is finished or out of attempts."""
    try:
        item = dynamodb.update_item(
            keys.export_job(app_id, export_id),
            Expression(
                "SET #status = :running, started_at = :now, attempts = attempts + :one",
                {"#status": "status"},
                {":running": "running", ":now": now_iso, ":one": 1},
            ),
            condition=Expression(
                "#status IN (:queued, :running) AND attempts < :max",
                {"#status": "status"},
                {":queued": "queued", ":running": "running", ":max": max_attempts},
            ),
        )
    except ConditionFailed:
        return None
    return ExportJob.from_item(item)


def finish(app_id: str, claimed: ExportJob, status: Status, now_iso: str, **outcome: object) -> bool:
    """Records the outcome of the attempt ``claimed`` (rows and size_bytes, or error), or of a job that
    could not be queued; False when a later attempt has claimed the job since (its outcome is the one kept)."""
    values = {"status": status, "finished_at": now_iso, **outcome}
    names = {f"#f{index}": name for index, name in enumerate(values)}
    try:
        dynamodb.update_item(
            keys.export_job(app_id, claimed.export_id),
            Expression(
                "SET " + ", ".join(f"#f{index} = :f{index}" for index in range(len(values))),
                names,
                {f":f{index}": value for index, value in enumerate(values.values())},
            ),
            condition=Expression(
                "#state = :claimed AND attempts = :attempt",
                {"#state": "status"},
                {":claimed": claimed.status, ":attempt": claimed.attempts},
            ),
        )
    except ConditionFailed:
        return False
    return True


def last_erasure_at(app_id: str) -> str | None:
    """When the application last erased a customer (ISO; written by shared/storage/erasure.py), None when
    it never did."""
    item = dynamodb.get_item(keys.last_erasure(app_id))
    return item["erased_at"] if item else None
