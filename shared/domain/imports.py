"""Bulk import of members with their balances from another engine: the row processor and the import jobs.

- A row is one member: its profile is upserted (fields given replace, attributes merge key by key) and
  its balance, when above 0, becomes one ledger entry of reason ``import`` whose lot expires at the
  row's ``expires_at`` (rounded up to a day boundary, as every lot) or never. Nothing of the points
  policy applies: the old engine decided when those points expire.
- Idempotent per member: a profile already holding the row's values is not written, and the opening
  balance's txn_id is derived from the application and the source_id, written once (the ledger's
  conditional transaction). So a file imported again, or a chunk processed twice, changes nothing; a
  member's balance is brought in once, by the first import that names it.
- A job (``imp_``) counts its rows chunk by chunk, each chunk exactly once (shared/storage/imports.py):
  what was counted is what a resumed import skips and what ``GET /imports/{id}`` shows.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

from shared import clock
from shared.domain.customers import CustomerChanges, upsert_customer
from shared.domain.points import ledger
from shared.errors import NotFound
from shared.ids import keyed_id
from shared.storage import customers, imports
from shared.storage.customers import CustomerRecord
from shared.storage.imports import ImportRecord, RejectedRow

RETENTION_SECONDS = 30 * 86_400  # a job, its markers and its report of rejected rows
ImportFormat = Literal["csv", "jsonl"]
RowOutcome = Literal["created", "updated", "unchanged"]
ImportStatus = Literal["pending", "processing", "completed"]


@dataclass(frozen=True, slots=True)
class MemberRow:
    """One member as a file gives it: ``profile`` the profile fields present, ``attributes`` the custom
    attributes present, ``points`` the balance (0: none), ``expires_ms`` when those points expire."""

    source_id: str
    profile: Mapping[str, Any]
    attributes: Mapping[str, Any]
    points: int = 0
    expires_ms: int | None = None


class ImportNotFound(NotFound):
    def __init__(self, import_id: str) -> None:
        super().__init__(f"Cannot find import with id {import_id}")


def import_member(app_id: str, row: MemberRow) -> RowOutcome:
    """Bring one member in; what it did to the member (``unchanged``: the member already held it all)."""
    current = customers.get(app_id, row.source_id)
    outcome: RowOutcome = "unchanged"
    if current is None or not _holds(current, row):
        upserted = upsert_customer(app_id, row.source_id, CustomerChanges(profile=row.profile), row.attributes)
        outcome = "created" if upserted.created else "updated"
    if row.points > 0 and ledger.open_balance(
        app_id, row.source_id, opening_balance_txn_id(app_id, row.source_id), row.points, row.expires_ms
    ):
        outcome = "updated" if outcome == "unchanged" else outcome
    return outcome


def opening_balance_txn_id(app_id: str, source_id: str) -> str:
    return keyed_id("txn", app_id, source_id, "import")


def _holds(current: CustomerRecord, row: MemberRow) -> bool:
    return all(getattr(current, name) == value for name, value in row.profile.items()) and all(
        current.attributes.get(name) == value for name, value in row.attributes.items()
    )


# ------------------------------------------------------------------------------------------ jobs


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
    counts = {**outcomes, "rejected": len(rejected), "rows_done": sum(outcomes.values()) + len(rejected)}
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
