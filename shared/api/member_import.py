"""Members' files (CSV or JSON Lines) read as rows with their line numbers, cut into chunks, and a chunk run
through the row processor (``shared.domain.imports``): the one path of the CLI's local import and of the
deployed import's workers.

- A CSV has a header row naming its columns: ``source_id``, the profile fields, ``tags`` (separated by
  ``|``), ``attributes.<name>``, ``points``, ``expires_at``; an empty cell is an absent field. A quoted
  field may hold line breaks (the record then spans lines; its line is the first). JSON Lines: one
  object per line with the same names (``attributes`` as an object or as ``attributes.<name>`` keys).
- Chunks are ``CHUNK_ROWS`` rows, cut by the file alone, so a resumed or repeated read cuts the same
  chunks; a chunk's place in the file (bytes, first line) is what a deployed worker reads back.
- A bad row is rejected with its line and a reason naming the field, and the others go on; a store
  fault fails the chunk (it is retried whole, and rows already done are unchanged the second time).
"""

from __future__ import annotations

import csv
import re
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from pydantic import ValidationError

from shared.api.body import parse_body
from shared.api.schemas.attributes import ATTRIBUTE_NAME
from shared.api.schemas.imports import PROFILE_COLUMNS, MemberRowIn
from shared.api.validation_details import describe_validation_errors
from shared.domain import import_jobs, imports
from shared.domain.import_jobs import RowOutcome
from shared.domain.imports import MemberRow
from shared.errors import Conflict, DomainError, ServiceUnavailable, ValidationFailed
from shared.storage.imports import ImportRecord, RejectedRow
from shared.values import value_class

CHUNK_ROWS = 500
ROW_WORKERS = 8  # rows of a chunk imported at once (each a few store round trips)
SEND_BATCH = 10  # SQS's SendMessageBatch limit
MAX_RECORD_BYTES = 64 * 1024
ATTRIBUTE_COLUMN = "attributes."
COLUMNS = ("source_id", *PROFILE_COLUMNS, "points", "expires_at")
_INTEGER = re.compile(r"[+-]?\d{1,30}")


@value_class
class Record:
    line: int  # the line it starts on, 1-based
    data: bytes
    end: int  # the byte offset just after it


@value_class
class Chunk:
    index: int
    records: list[Record]

    @property
    def first_line(self) -> int:
        return self.records[0].line

    @property
    def end(self) -> int:
        return self.records[-1].end


def lines_of(blocks: Iterable[bytes]) -> Iterator[bytes]:
    """Lines (each with its ``\\n``, the last maybe without) of a stream read in blocks."""
    pending = b""
    for block in blocks:
        pending += block
        *whole, pending = pending.split(b"\n")
        for line in whole:
            yield line + b"\n"
    if pending:
        yield pending


def records(lines: Iterable[bytes], csv_quoting: bool, first_line: int = 1, offset: int = 0) -> Iterator[Record]:
    """The non-blank records of ``lines`` (the first being line ``first_line`` at byte ``offset``). With
    ``csv_quoting``, a record whose quotes are still open goes on over the next lines."""
    line, start, parts, quotes = first_line, offset, [], 0
    number = first_line
    for text in lines:
        parts.append(text)
        quotes += text.count(b'"')
        offset += len(text)
        number += 1
        if csv_quoting and quotes % 2 and offset - start <= MAX_RECORD_BYTES:
            continue
        data = b"".join(parts)
        if data.strip():
            yield Record(line, data, offset)
        line, start, parts, quotes = number, offset, [], 0
    if parts and b"".join(parts).strip():
        yield Record(line, b"".join(parts), offset)


def chunks_of(rows: Iterable[Record], size: int = CHUNK_ROWS, first_index: int = 0) -> Iterator[Chunk]:
    batch: list[Record] = []
    index = first_index
    for record in rows:
        batch.append(record)
        if len(batch) == size:
            yield Chunk(index, batch)
            index, batch = index + 1, []
    if batch:
        yield Chunk(index, batch)


# ------------------------------------------------------------------------------------------ rows


class RowRejected(Exception):
    def __init__(self, source_id: str | None, reason: str) -> None:
        super().__init__(reason)
        self.source_id = source_id
        self.reason = reason


def header_of(record: Record) -> list[str]:
    """A CSV's columns, each a known one (an unknown column would reject every row: the file is refused)."""
    columns = [name.strip() for name in next(csv.reader([_text(record).lstrip("\ufeff")]))]
    for name in columns:
        if name in COLUMNS or (
            name.startswith(ATTRIBUTE_COLUMN) and ATTRIBUTE_NAME.match(name[len(ATTRIBUTE_COLUMN) :])
        ):
            continue
        raise ValidationFailed(
            f"columns: {name!r} (line {record.line}) is not a known column: {', '.join(COLUMNS)} or attributes.<name>"
        )
    if "source_id" not in columns:
        raise ValidationFailed(f"columns: source_id is required (line {record.line})")
    if len(set(columns)) != len(columns):
        duplicate = next(name for name, count in Counter(columns).items() if count > 1)
        raise ValidationFailed(f"columns: {duplicate!r} appears more than once (line {record.line})")
    return columns


def member_row(record: Record, columns: list[str] | None) -> MemberRow:
    """The member of a record (``columns``: the CSV's header; None for JSON Lines); raises ``RowRejected``."""
    fields = _csv_fields(record, columns) if columns is not None else _json_fields(record)
    source_id = fields.get("source_id") if isinstance(fields.get("source_id"), str) else None
    try:
        row = MemberRowIn.model_validate(fields)
    except ValidationError as error:
        located = [{**problem, "loc": ("body", *problem["loc"])} for problem in error.errors()]
        raise RowRejected(source_id, describe_validation_errors(located, fields)) from None
    return MemberRow(row.source_id, row.profile(), row.attributes or {}, row.points, row.expires_ms())


def _text(record: Record) -> str:
    try:
        return record.data.decode("utf-8").rstrip("\r\n")
    except UnicodeDecodeError:
        raise RowRejected(None, "row: is not valid UTF-8") from None


def _csv_fields(record: Record, columns: list[str]) -> dict[str, Any]:
    if len(record.data) > MAX_RECORD_BYTES:
        raise RowRejected(None, f"row: longer than {MAX_RECORD_BYTES} bytes (or a quote is never closed)")
    try:
        values = next(csv.reader([_text(record)], strict=True))
    except csv.Error as error:
        raise RowRejected(None, f"row: not valid CSV ({error})") from None
    if len(values) != len(columns):
        raise RowRejected(None, f"row: {len(values)} values under {len(columns)} columns")
    fields: dict[str, Any] = {}
    attributes: dict[str, Any] = {}
    for name, value in zip(columns, values, strict=True):
        if value == "":
            continue
        if name.startswith(ATTRIBUTE_COLUMN):
            attributes[name[len(ATTRIBUTE_COLUMN) :]] = value
        elif name == "tags":
            fields[name] = [tag.strip() for tag in value.split("|") if tag.strip()]
        elif name == "points":
            fields[name] = int(value) if _INTEGER.fullmatch(value.strip()) else value
        else:
            fields[name] = value
    if attributes:
        fields["attributes"] = attributes
    return fields


def _json_fields(record: Record) -> dict[str, Any]:
    if len(record.data) > MAX_RECORD_BYTES:
        raise RowRejected(None, f"row: longer than {MAX_RECORD_BYTES} bytes")
    try:
        value = parse_body(_text(record))
    except DomainError as error:
        raise RowRejected(None, error.details.replace("body", "row", 1)) from None
    if not isinstance(value, dict):
        raise RowRejected(None, "row: must be a JSON object")
    dotted = {name: value.pop(name) for name in list(value) if name.startswith(ATTRIBUTE_COLUMN)}
    if dotted:
        nested = value.get("attributes")
        if nested is not None and not isinstance(nested, dict):
            raise RowRejected(None, "attributes: must be an object when attributes.<name> keys are given too")
        value["attributes"] = {**(nested or {}), **{name[len(ATTRIBUTE_COLUMN) :]: v for name, v in dotted.items()}}
    return value


# ------------------------------------------------------------------------------------------ chunks


@value_class
class ChunkResult:
    outcomes: dict[RowOutcome, int]
    rejected: list[RejectedRow]
    counted: bool  # False: the chunk had been counted before (its rows ran again, changing nothing)


def run_chunk(
    app_id: str, job: ImportRecord, chunk: Chunk, columns: list[str] | None, row_workers: int = ROW_WORKERS
) -> ChunkResult:
    """Import a chunk's rows and count them on the job. Rows of one member run in file order; members
    run ``row_workers`` at once. A store fault raises (the chunk is retried whole)."""
    rejected: list[RejectedRow] = []
    by_member: dict[str, list[tuple[int, MemberRow]]] = defaultdict(list)
    for record in chunk.records:
        try:
            row = member_row(record, columns)
        except RowRejected as refused:
            rejected.append(RejectedRow(record.line, refused.source_id, refused.reason))
            continue
        by_member[row.source_id].append((record.line, row))

    seen = imports.read_members(app_id, list(by_member))

    def import_rows(rows: list[tuple[int, MemberRow]]) -> list[RowOutcome | RejectedRow]:
        done: list[RowOutcome | RejectedRow] = []
        for position, (line, row) in enumerate(rows):
            try:  # a member's later rows read it again: its first row changed it
                done.append(imports.import_member(app_id, row, None if position else seen[row.source_id]))
            except ServiceUnavailable:
                raise
            except (ValidationFailed, Conflict) as refused:
                done.append(RejectedRow(line, row.source_id, refused.details))
        return done

    outcomes: Counter[RowOutcome] = Counter()
    with ThreadPoolExecutor(max_workers=row_workers) as pool:
        for done in pool.map(import_rows, by_member.values()):
            for result in done:
                if isinstance(result, RejectedRow):
                    rejected.append(result)
                else:
                    outcomes[result] += 1
    rejected.sort(key=lambda row: row.line)
    counted = import_jobs.count_chunk(app_id, job, chunk.index, dict(outcomes), rejected)
    return ChunkResult(dict(outcomes), rejected, counted)


# ------------------------------------------------------------------------------------------ deployed


def split_upload(object_key: str, send: Callable[[list[dict[str, Any]]], None]) -> int | None:
    """Cut an uploaded file into chunk messages (``send``, ten at a time) for the workers, reading it
    through once; how many (None: no job waits for this file, or it was cut before)."""
    found = import_jobs.uploaded_file(object_key)
    if found is None or found[1].chunks is not None:
        return None
    app_id, job = found
    rows = records(lines_of(import_jobs.read_upload(job)), csv_quoting=job.format == "csv")
    columns = None
    if job.format == "csv":
        first = next(rows, None)
        try:
            columns = header_of(first) if first is not None else []
        except ValidationFailed as refused:
            assert first is not None
            import_jobs.count_chunk(app_id, job, 0, {}, [RejectedRow(first.line, None, refused.details)])
            import_jobs.plan_import(app_id, job.import_id, 1, 0)
            return 1
    batch: list[dict[str, Any]] = []
    total = chunks = 0
    for chunk in chunks_of(rows):
        start = chunk.records[0].end - len(chunk.records[0].data)
        place = {"chunk": chunk.index, "first_line": chunk.first_line, "start": start, "end": chunk.end}
        batch.append({"app_id": app_id, "import_id": job.import_id, **place, "columns": columns})
        total, chunks = total + len(chunk.records), chunks + 1
        if len(batch) == SEND_BATCH:
            send(batch)
            batch = []
    if batch:
        send(batch)
    import_jobs.plan_import(app_id, job.import_id, chunks, total)
    return chunks


def run_chunk_message(message: dict[str, Any]) -> ChunkResult:
    """A worker's chunk: its byte range of the file read back and run."""
    app_id = message["app_id"]
    job = import_jobs.get_import(app_id, message["import_id"])
    data = b"".join(import_jobs.read_upload(job, message["start"], message["end"]))
    rows = records(lines_of([data]), job.format == "csv", message["first_line"], message["start"])
    return run_chunk(app_id, job, Chunk(message["chunk"], list(rows)), message["columns"])
