"""The export worker: an export job's rows, rendered as CSV or JSON Lines and streamed to its file.

Rows are read a page at a time (shared/storage/export_reads.py) and written to a ``StreamingUpload`` as
they are rendered: the worker's memory holds one page and one upload part, whatever the table's size.
Every type names the customer by ``source_id`` except an erased customer, named by its pseudonym, with no
personal field and no free text (a ledger entry's description) in any export.

CSV cells that a spreadsheet would run as a formula (starting with ``=``, ``+``, ``-``, ``@``, a tab or a
carriage return) are prefixed with ``'`` (OWASP's CSV injection advice); numbers are written as numbers
(a debit's ``-50`` stays a number). Lists and objects are JSON text in a CSV cell. JSON Lines keeps every
value's own type.
"""

from __future__ import annotations

import contextlib
import csv
import io
import json
from collections.abc import Callable, Iterator, Mapping
from typing import Any

from shared import clock
from shared.domain.exports import CONTENT_TYPES, object_key
from shared.domain.tier_members import member_tier
from shared.errors import ServiceUnavailable
from shared.object_store import MIN_PART_BYTES, StreamingUpload
from shared.storage import export_reads as reads
from shared.storage import exports as store
from shared.storage.customers import CustomerRecord
from shared.storage.exports import ExportJob

MAX_ATTEMPTS = 3  # also the export queue's maxReceiveCount (template.yaml)
Row = dict[str, Any]

COLUMNS: dict[str, tuple[str, ...]] = {
    "customers": (
        "customer_id", "source_id", "name", "email", "phone", "tags", "tier", "brand", "enrolled_at", "referral_code",
        "referred_by", "attributes", "points_balance", "points_earned", "points_redeemed", "points_pending",
        "points_expired", "created_at", "updated_at", "erased_at",
    ),
    "ledger": (
        "txn_id", "customer_id", "source_id", "points", "balance_after", "reason", "created_at", "campaign_id",
        "rule_id", "reward_id", "redemption_id", "order_id", "return_id", "reverses", "description",
    ),
    "redemptions": (
        "redemption_id", "customer_id", "source_id", "reward_id", "reward_name", "reward_type", "points", "status",
        "coupon_id", "code", "amount", "transaction_id", "created_at", "cancelled_at", "refund_transaction_id",
    ),
    "coupon_redemptions": (
        "coupon_id", "coupon_code", "order_id", "customer_id", "source_id", "status", "order_status", "discount",
        "created_at", "reverted_at",
    ),
}  # fmt: skip

# --- rendering (pure) ---

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, sort_keys=True, default=str)
    return "'" + text if text.startswith(_FORMULA_START) else text


class CsvRenderer:
    """RFC 4180 lines (CRLF; a cell with a comma, quote or line break quoted), UTF-8 without a BOM."""

    def __init__(self, columns: tuple[str, ...]) -> None:
        self.columns = columns
        self._text = io.StringIO()
        self._writer = csv.writer(self._text)

    def _line(self, cells: list[str]) -> bytes:
        self._writer.writerow(cells)
        line = self._text.getvalue()
        self._text.seek(0)
        self._text.truncate()
        return line.encode()

    def header(self) -> bytes:
        return self._line(list(self.columns))

    def row(self, row: Mapping[str, Any]) -> bytes:
        return self._line([csv_cell(row.get(column)) for column in self.columns])


_LINE_SEPARATORS = str.maketrans({"\u2028": "\\u2028", "\u2029": "\\u2029", "\x85": "\\u0085"})


class JsonLinesRenderer:
    """One JSON object per line, the columns in order; a line break inside a value is escaped by JSON."""

    def __init__(self, columns: tuple[str, ...]) -> None:
        self.columns = columns

    def header(self) -> bytes:
        return b""

    def row(self, row: Mapping[str, Any]) -> bytes:
        shown = {column: row.get(column) for column in self.columns}
        text = json.dumps(shown, ensure_ascii=False, separators=(",", ":"), default=str)
        # escaped as JSON allows: readers that split lines as Python's splitlines() does see one line a row
        return (text.translate(_LINE_SEPARATORS) + "\n").encode()


RENDERERS: dict[str, Callable[[tuple[str, ...]], CsvRenderer | JsonLinesRenderer]] = {
    "csv": CsvRenderer,
    "jsonl": JsonLinesRenderer,
}

# --- rows ---


def _named(profile: CustomerRecord) -> Row:
    """How every export names the customer: its pseudonym once erased."""
    erased = profile.erased_at is not None
    return {"customer_id": profile.customer_id, "source_id": profile.pseudonym if erased else profile.source_id}


def _customer_row(app_id: str, profile: CustomerRecord) -> Row:
    # the tier as GET /customers/{source_id} shows it: with a program, the one computed now
    view = member_tier(app_id, profile)
    personal = {} if profile.erased_at is not None else {
        "name": profile.name, "email": profile.email, "phone": profile.phone, "tags": profile.tags,
        "tier": profile.tier if view is None else view.name, "brand": profile.brand, "enrolled_at": profile.enrolled_at,
        "referral_code": profile.referral_code, "referred_by": profile.referred_by, "attributes": profile.attributes,
    }  # fmt: skip
    return _named(profile) | personal | {
        "points_balance": profile.points_balance, "points_earned": profile.points_earned,
        "points_redeemed": profile.points_redeemed, "points_pending": profile.points_pending,
        "points_expired": profile.points_expired, "created_at": profile.created_at, "updated_at": profile.updated_at,
        "erased_at": profile.erased_at,
    }  # fmt: skip


def _within(job: ExportJob) -> Callable[[str | None], bool]:
    """Whether a stored instant is inside the job's bounds: stored instants are all ISO 8601 UTC with
    milliseconds and a Z, so their text order is their time order."""
    first, last = clock.iso_from_epoch_ms(job.starts_ms), clock.iso_from_epoch_ms(job.ends_ms)
    return lambda iso: iso is not None and first <= iso <= last


def _customers(app_id: str, job: ExportJob) -> Iterator[Row]:
    within = _within(job)
    for profiles in reads.profiles(app_id):
        yield from (_customer_row(app_id, profile) for profile in profiles if within(profile.created_at))


def _ledger(app_id: str, job: ExportJob) -> Iterator[Row]:
    for profiles in reads.profiles(app_id):
        for profile in profiles:
            named = _named(profile)
            for entries in reads.ledger_entries(app_id, profile.source_id, job.starts_ms, job.ends_ms):
                for entry in entries:
                    description = None if profile.erased_at is not None else entry.description
                    yield (
                        {column: getattr(entry, column, None) for column in COLUMNS["ledger"]}
                        | named
                        | {"description": description}
                    )


def _redemptions(app_id: str, job: ExportJob) -> Iterator[Row]:
    within = _within(job)
    for profiles in reads.profiles(app_id):
        for profile in profiles:
            named = _named(profile)
            for records in reads.reward_redemptions(app_id, profile.source_id):
                for record in filter(lambda record: within(record.created_at), records):
                    yield {column: getattr(record, column, None) for column in COLUMNS["redemptions"]} | named


def _coupon_redemptions(app_id: str, job: ExportJob) -> Iterator[Row]:
    for coupon_ids in reads.coupon_ids(app_id):
        for coupon_id in coupon_ids:
            for records in reads.coupon_redemptions(app_id, coupon_id, job.starts_ms, job.ends_ms):
                profiles = reads.profiles_of(app_id, sorted({record.source_id for record in records}))
                for record in records:
                    profile = profiles.get(record.source_id)
                    # a redemption whose customer has no profile names no one but the id the merchant sent
                    named = _named(profile) if profile else {"customer_id": None, "source_id": record.source_id}
                    yield {column: getattr(record, column, None) for column in COLUMNS["coupon_redemptions"]} | named


ROWS: dict[str, Callable[[str, ExportJob], Iterator[Row]]] = {
    "customers": _customers,
    "ledger": _ledger,
    "redemptions": _redemptions,
    "coupon_redemptions": _coupon_redemptions,
}


def write_file(app_id: str, job: ExportJob, upload: StreamingUpload) -> int:
    """Streams the job's rows to ``upload`` (closed here); how many rows were written."""
    renderer = RENDERERS[job.format](COLUMNS[job.export_type])
    upload.write(renderer.header())
    rows = 0
    for row in ROWS[job.export_type](app_id, job):
        upload.write(renderer.row(row))
        rows += 1
    upload.close()
    return rows


def run_export(app_id: str, export_id: str, part_bytes: int = MIN_PART_BYTES) -> ExportJob | None:
    """Claims the job and writes its file; None when there is nothing to do (finished, or out of attempts).
    A failure aborts the upload and is raised (the message comes back for another attempt) unless it was
    the last attempt, which records the job failed."""
    job = store.claim(app_id, export_id, clock.now_iso(), MAX_ATTEMPTS)
    if job is None:
        return None
    upload = StreamingUpload(object_key(app_id, job), CONTENT_TYPES[job.format], part_bytes)
    try:
        rows = write_file(app_id, job, upload)
    except Exception:
        with contextlib.suppress(ServiceUnavailable):  # the bucket's lifecycle drops what an abort could not
            upload.abort()
        if job.attempts >= MAX_ATTEMPTS:
            store.finish(app_id, job, "failed", clock.now_iso(), error="the export failed; start another one")
            return store.get(app_id, export_id, clock.now_epoch())
        raise
    store.finish(app_id, job, "succeeded", clock.now_iso(), rows=rows, size_bytes=upload.size)
    return store.get(app_id, export_id, clock.now_epoch())
