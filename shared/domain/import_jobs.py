"""Import jobs (``imp_``): created for a file, counted chunk by chunk, each chunk exactly once
(shared/storage/imports.py). What was counted is what a resumed import skips and what
``GET /imports/{id}`` shows; a deployed job's file waits in the imports bucket. Apart from the row
processor (``shared.domain.imports``), so that following a job loads no customer or points model."""

from __future__ import annotations

import time
from collections.abc import Iterator, Mapping
from typing import Literal

from shared import clock
from shared.errors import NotFound
from shared.ids import new_id
from shared.settings import get_settings
from shared.storage import import_files, imports, keys
from shared.storage.imports import ImportRecord, RejectedRow

RETENTION_SECONDS = 30 * 86_400  # a job, its markers and its report of rejected rows
ImportFormat = Literal["csv", "jsonl"]
RowOutcome = Literal["created", "updated", "unchanged"]
ImportStatus = Literal["pending", "processing", "completed"]


class ImportNotFound(NotFound):
    def __init__(self, import_id: str) -> None:
        super().__init__(f"Cannot find import with id {import_id}")


def start_import(app_id: str, import_id: str, file_format: ImportFormat, object_key: str | None = None) -> ImportRecord:
    record = ImportRecord(
        import_id=import_id,
        format=file_format,
        created_at=clock.now_iso(),
        retained_until=int(time.time()) + RETENTION_SECONDS,
        object_key=object_key,
    )
    imports.create(app_id, record)
    return record


def start_upload(app_id: str, file_format: ImportFormat) -> tuple[ImportRecord, str]:
    """A job waiting for its file, and the URL to upload the file to (its arrival starts the job)."""
    import_id = new_id("imp")
    record = start_import(app_id, import_id, file_format, keys.import_object(app_id, import_id, file_format))
    assert record.object_key is not None
    return record, import_files.upload_url(record.object_key)


def uploaded_file(object_key: str) -> tuple[str, ImportRecord] | None:
    """The application and job an uploaded file belongs to; None for a file no job waits for."""
    owner = keys.import_of_object(object_key)
    if owner is None:
        return None
    record = imports.get(*owner)
    return (owner[0], record) if record is not None and record.object_key == object_key else None


def read_upload(record: ImportRecord, start: int = 0, end: int | None = None) -> Iterator[bytes]:
    """The job's uploaded file (from byte ``start`` to ``end``), block by block."""
    if record.object_key is None:
        raise ImportNotFound(record.import_id)
    return import_files.blocks(get_settings().imports_bucket, record.object_key, start, end)


def get_import(app_id: str, import_id: str) -> ImportRecord:
    record = imports.get(app_id, import_id)
    if record is None:
        raise ImportNotFound(import_id)
    return record


def status_of(record: ImportRecord) -> ImportStatus:
    if record.chunks is None:
        return "pending"
    return "completed" if record.chunks_done >= record.chunks else "processing"


def plan_import(app_id: str, import_id: str, chunks: int, total_rows: int) -> None:
    imports.set_plan(app_id, import_id, chunks, total_rows)


def count_chunk(
    app_id: str, record: ImportRecord, chunk: int, outcomes: Mapping[RowOutcome, int], rejected: list[RejectedRow]
) -> bool:
    """Count a processed chunk on its job; False when it was counted before."""
    counts = {str(outcome): number for outcome, number in outcomes.items()}
    counts |= {"rejected": len(rejected), "rows_done": sum(outcomes.values()) + len(rejected)}
    try:
        imports.count_chunk(app_id, record.import_id, chunk, counts, rejected, record.retained_until)
    except imports.ChunkCounted:
        return False
    except imports.ImportGone:
        raise ImportNotFound(record.import_id) from None
    return True


def counted_chunks(app_id: str, import_id: str) -> set[int]:
    return imports.counted_chunks(app_id, import_id)


def rejected_rows(app_id: str, import_id: str, limit: int, cursor: str | None) -> tuple[list[RejectedRow], str | None]:
    get_import(app_id, import_id)
    return imports.rejected_page(app_id, import_id, limit, cursor)
