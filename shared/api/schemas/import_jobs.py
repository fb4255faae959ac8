"""API models of import jobs: the request that starts one and the answer that follows it."""

from typing import Literal

from pydantic import Field

from shared.api.schemas.common import RequestModel, ResponseModel
from shared.domain.import_jobs import status_of
from shared.storage.imports import ImportRecord, RejectedRow

REJECTED_SHOWN = 100  # rejected rows per answer of GET /imports/{import_id}

ImportFormatIn = Literal["csv", "jsonl"]


class ImportCreate(RequestModel):
    format: ImportFormatIn = Field(description="csv (a header row, then one member per row) or jsonl")


class RejectedRowOut(ResponseModel):
    line: int = Field(description="The file's line the row starts on (1 is the first line, a CSV's header)")
    source_id: str | None
    reason: str = Field(description="What is wrong, naming the field")


class ImportResponse(ResponseModel):
    object: Literal["import"] = "import"
    id: str = Field(description="The import's id (imp_…)")
    format: ImportFormatIn
    status: Literal["pending", "processing", "completed"] = Field(
        description="pending: the file is not uploaded or not read through yet"
    )
    total_rows: int | None = Field(description="Rows in the file, once it is read through")
    rows_done: int
    created: int = Field(description="Members the import created")
    updated: int = Field(description="Members whose profile or balance it changed")
    unchanged: int = Field(description="Members that already held everything their row gives")
    rejected: int
    created_at: str
    upload_url: str | None = Field(default=None, description="Where to PUT the file (answered once, at creation)")
    upload_expires_in: int | None = Field(default=None, description="Seconds the upload URL stays valid")
    rejected_rows: list[RejectedRowOut] = Field(
        default_factory=list, description="The first rejected rows, in line order (page on with rejected_cursor)"
    )
    rejected_cursor: str | None = None

    @classmethod
    def of(
        cls,
        record: ImportRecord,
        *,
        upload_url: str | None = None,
        upload_expires_in: int | None = None,
        rejected: list[RejectedRow] | None = None,
        rejected_cursor: str | None = None,
    ) -> "ImportResponse":
        return cls(
            id=record.import_id,
            format=record.format,
            status=status_of(record),
            total_rows=record.total_rows,
            rows_done=record.rows_done,
            created=record.created,
            updated=record.updated,
            unchanged=record.unchanged,
            rejected=record.rejected,
            created_at=record.created_at,
            upload_url=upload_url,
            upload_expires_in=upload_expires_in,
            rejected_rows=[RejectedRowOut(line=r.line, source_id=r.source_id, reason=r.reason) for r in rejected or []],
            rejected_cursor=rejected_cursor,
        )
