"""Exports of an application's data (POST /exports, GET /exports/{export_id})."""

from typing import Literal

from pydantic import Field

from shared import clock
from shared.api.schemas.common import IsoDateTime, RequestModel, ResponseModel
from shared.domain.exports import ExportFormat, ExportRequest, ExportType, ExportView
from shared.storage.exports import Status

_TYPES = (
    "customers: profiles (erased ones by pseudonym, no personal field); ledger: every points entry; redemptions: "
    "reward redemptions; coupon_redemptions: coupons redeemed on orders"
)


class ExportIn(RequestModel):
    type: ExportType = Field(description=_TYPES)
    format: ExportFormat = Field(default="csv", description="csv (RFC 4180, UTF-8) or jsonl (JSON Lines)")
    starts_at: IsoDateTime | None = Field(
        default=None, description="Only records created at or after it (a customer's, an entry's, a redemption's)"
    )
    ends_at: IsoDateTime | None = Field(default=None, description="Only records created at or before it")

    def request(self) -> ExportRequest:
        return ExportRequest(self.type, self.format, self.starts_at, self.ends_at)


class ExportResponse(ResponseModel):
    object: Literal["export"] = "export"
    id: str = Field(description="exp_… id")
    type: ExportType
    format: ExportFormat
    starts_at: str | None
    ends_at: str | None
    status: Status = Field(
        description="queued, running, then succeeded or failed; withdrawn: a customer was erased after it started, "
        "so its file is no longer given (start a new export)"
    )
    rows: int = Field(description="Rows written (0 until it succeeded)")
    size_bytes: int = Field(description="The file's size (0 until it succeeded)")
    error: str | None
    created_at: str
    started_at: str | None
    finished_at: str | None
    expires_at: str = Field(description="When the export and its file are deleted")
    download_url: str | None = Field(description="Once succeeded: a link to the file, signed for 15 minutes")
    download_url_expires_at: str | None

    @classmethod
    def from_view(cls, view: ExportView) -> "ExportResponse":
        job = view.job
        return cls(
            id=job.export_id,
            type=job.export_type,
            format=job.format,
            starts_at=job.starts_at,
            ends_at=job.ends_at,
            status=job.status,
            rows=job.rows,
            size_bytes=job.size_bytes,
            error=job.error,
            created_at=job.created_at,
            started_at=job.started_at,
            finished_at=job.finished_at,
            expires_at=clock.iso_from_epoch_ms(job.expires_at * 1000),
            download_url=view.download_url,
            download_url_expires_at=view.download_url_expires_at,
        )
