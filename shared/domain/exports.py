"""Exports of an application's data to a file: the job's API side (start one, read it back).

``POST /exports`` records a queued job and puts one message on the export queue; the export worker
(shared/domain/export_files.py, behind its own function) streams the file to S3 and records the outcome.
``GET /exports/{id}`` answers the job and, once it succeeded, a presigned download URL valid for
``DOWNLOAD_URL_SECONDS``: every read signs a new one, so a link that leaked stops working soon, while the
job and its file stay for ``RETENTION_DAYS`` (the table's TTL and the bucket's lifecycle rule agree).
An export that started before a customer's erasure is ``withdrawn``: its file may hold the person, so no
link to it is signed again (one signed before the erasure lapses within ``DOWNLOAD_URL_SECONDS``).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from typing import Literal, get_args

from shared import clock, messaging, object_store
from shared.errors import NotFound, ServiceUnavailable, ValidationFailed
from shared.ids import new_id
from shared.limits import LATEST_EPOCH
from shared.settings import get_settings
from shared.storage import exports as store
from shared.storage.exports import ExportJob
from shared.values import value_class

ExportType = Literal["customers", "ledger", "redemptions", "coupon_redemptions"]
ExportFormat = Literal["csv", "jsonl"]
EXPORT_TYPES: tuple[ExportType, ...] = get_args(ExportType)
CONTENT_TYPES: dict[str, str] = {"csv": "text/csv; charset=utf-8", "jsonl": "application/x-ndjson; charset=utf-8"}
RETENTION_DAYS = 7  # also the ExportsBucket's lifecycle rule (template.yaml)
DOWNLOAD_URL_SECONDS = 900
LATEST_MS = LATEST_EPOCH * 1000 + 999


@value_class
class ExportRequest:
    export_type: ExportType
    format: ExportFormat
    starts_at: datetime | None = None  # inclusive; None: from the first record
    ends_at: datetime | None = None  # inclusive; None: up to the last


@value_class
class ExportView:
    job: ExportJob
    download_url: str | None = None
    download_url_expires_at: str | None = None


def object_key(app_id: str, job: ExportJob) -> str:
    """Under the application's own prefix: a file is never addressed through another tenant's job."""
    return f"{app_id}/{job.export_id}.{job.format}"


def file_name(job: ExportJob) -> str:
    return f"{job.export_type}-{job.export_id}.{job.format}"


def _ms(moment: datetime | None, default: int) -> int:
    return default if moment is None else int(moment.timestamp() * 1000)


def start_export(app_id: str, request: ExportRequest) -> ExportJob:
    starts_ms, ends_ms = _ms(request.starts_at, 0), _ms(request.ends_at, LATEST_MS)
    if starts_ms > ends_ms:
        raise ValidationFailed("ends_at: must not be before starts_at")
    now_ms = clock.now_epoch_ms()
    job = ExportJob(
        export_id=new_id("exp"),
        export_type=request.export_type,
        format=request.format,
        starts_ms=starts_ms,
        ends_ms=ends_ms,
        status="queued",
        created_at=clock.iso_from_epoch_ms(now_ms),
        expires_at=now_ms // 1000 + RETENTION_DAYS * 86400,
        starts_at=None if request.starts_at is None else clock.iso_from_epoch_ms(starts_ms),
        ends_at=None if request.ends_at is None else clock.iso_from_epoch_ms(ends_ms),
    )
    store.create(app_id, job)
    try:
        messaging.send(get_settings().export_queue_url, {"app_id": app_id, "export_id": job.export_id})
    except ServiceUnavailable:
        store.finish(app_id, job, "failed", clock.now_iso(), error="could not be queued: start another export")
        raise
    return job


def withdrawn_by(job: ExportJob, erased_at: str | None) -> bool:
    """Whether an erasure may have left the person in the file: one at or after the moment the worker
    started reading (the file may hold what it read before the erasure). Its file is then no longer given;
    the file itself goes with the bucket's lifecycle rule."""
    return erased_at is not None and erased_at >= (job.started_at or job.created_at)


def get_export(app_id: str, export_id: str) -> ExportView:
    job = store.get(app_id, export_id, clock.now_epoch())
    if job is None:
        raise NotFound(f"Cannot find export with id {export_id}")
    if job.status != "succeeded":
        return ExportView(job)
    erased_at = store.last_erasure_at(app_id)
    if withdrawn_by(job, erased_at):
        reason = f"a customer was erased at {erased_at}, after this export started: start a new export"
        return ExportView(replace(job, status="withdrawn", error=reason))
    url = object_store.download_url(object_key(app_id, job), file_name(job), DOWNLOAD_URL_SECONDS)
    expires = clock.iso_from_epoch_ms(clock.now_epoch_ms() + DOWNLOAD_URL_SECONDS * 1000)
    return ExportView(job, url, expires)
