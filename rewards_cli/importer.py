"""``rewards import customers FILE --app-id APP``: members and their balances from a CSV or JSON Lines file.

- Locally (TABLE_NAME and DYNAMODB_ENDPOINT_URL as `rewards dev` prints them) the rows run in this
  process through the same chunk runner as the deployed workers (shared/api/member_import.py), chunks
  ``CHUNK_WORKERS`` at once. Deployed (``--stack``), the file is uploaded to the stack's imports bucket
  and the stack's workers import it; this command follows the job.
- A checkpoint (``FILE.import.json``: the job's id and the file's size and hash) makes a run after an
  interruption resume the same job: chunks already counted are skipped (rows of a chunk cut off midway
  run again, changing nothing). It is removed once the job completes, so a later run is a new import
  (and, rows being idempotent, reports every member unchanged).
- A progress bar (rows, rows/s, ETA) goes to stderr; the summary is one JSON line on stdout; the
  rejected rows go to ``FILE.rejected.csv`` (line, source_id, reason).
"""

from __future__ import annotations

import csv
import hashlib
import json
import sys
import time
from collections.abc import Callable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

if TYPE_CHECKING:
    from rewards_cli.aws_stack import Stack
    from shared.storage.imports import ImportRecord

# The local store serves one request at a time: more in flight only queue there (and time out on a
# loaded machine); these keep it busy while this process parses and encodes the next rows.
CHUNK_WORKERS = 2
ROW_WORKERS = 3
STORE_ATTEMPTS = 5
POLL_SECONDS = 2.0
_READ_BLOCK = 1024 * 1024


@dataclass(frozen=True, slots=True)
class Checkpoint:
    path: Path
    import_id: str
    app_id: str
    size: int
    sha256: str

    def save(self) -> None:
        self.path.write_text(
            json.dumps({"import_id": self.import_id, "app_id": self.app_id, "size": self.size, "sha256": self.sha256})
        )


def checkpoint_path(file: Path) -> Path:
    return file.with_name(file.name + ".import.json")


def report_path(file: Path) -> Path:
    return file.with_name(file.name + ".rejected.csv")


def file_format(file: Path, given: str | None) -> str:
    if given:
        return given
    return "jsonl" if file.suffix.lower() in (".jsonl", ".ndjson", ".json") else "csv"


def _digest(file: Path) -> str:
    digest = hashlib.sha256()
    with file.open("rb") as stream:
        for block in iter(lambda: stream.read(_READ_BLOCK), b""):
            digest.update(block)
    return digest.hexdigest()


def _resumable(file: Path, app_id: str) -> Checkpoint | None:
    """The checkpoint of an unfinished import of this very file into this application, if any."""
    path = checkpoint_path(file)
    if not path.exists():
        return None
    saved = json.loads(path.read_text())
    size = file.stat().st_size
    if saved.get("app_id") != app_id or saved.get("size") != size or saved.get("sha256") != _digest(file):
        return None
    return Checkpoint(path, saved["import_id"], app_id, size, saved["sha256"])


class Progress:
    """One line on stderr, redrawn: done/total, rows per second over this run, and the time left."""

    def __init__(self, total: int, done: int, out: IO[str]) -> None:
        self.total, self.done, self.out = total, done, out
        self.started, self.start_done = time.monotonic(), done

    def update(self, done: int, rejected: int) -> None:
        self.done = done
        elapsed = max(time.monotonic() - self.started, 1e-6)
        rate = (done - self.start_done) / elapsed
        left = (self.total - done) / rate if rate > 0 else float("inf")
        width = 30
        filled = width * done // self.total if self.total else width
        eta = f"{left:.0f}s" if left != float("inf") else "?"
        self.out.write(
            f"\r[{'#' * filled}{'.' * (width - filled)}] {done}/{self.total} rows  "
            f"{rate:.0f} rows/s  ETA {eta}  rejected {rejected}   "
        )
        self.out.flush()

    def __enter__(self) -> Progress:
        return self

    def __exit__(self, *_: object) -> None:
        """The line ends, also when the run is cut short (the error then starts a line of its own)."""
        self.out.write("\n")
        self.out.flush()


def _rows(file: Path, csv_quoting: bool) -> Iterator[Any]:
    from shared.api.member_import import lines_of, records

    with file.open("rb") as stream:
        yield from records(lines_of(iter(lambda: stream.read(_READ_BLOCK), b"")), csv_quoting)


def import_local(file: Path, app_id: str, given_format: str | None, out: IO[str], err: IO[str]) -> int:
    from shared.api import member_import
    from shared.domain import applications, import_jobs
    from shared.ids import new_id

    applications.require_application(app_id)
    fmt = file_format(file, given_format)
    rows = _rows(file, csv_quoting=fmt == "csv")
    columns = member_import.header_of(next(rows)) if fmt == "csv" else None
    total = sum(1 for _ in _rows(file, fmt == "csv")) - (1 if columns is not None else 0)
    chunk_count = -(-total // member_import.CHUNK_ROWS)
    checkpoint = _resumable(file, app_id)
    if checkpoint is None:
        checkpoint = Checkpoint(checkpoint_path(file), new_id("imp"), app_id, file.stat().st_size, _digest(file))
        import_jobs.start_import(app_id, checkpoint.import_id, fmt)  # type: ignore[arg-type]
        checkpoint.save()
    else:
        err.write(f"resuming import {checkpoint.import_id}\n")
    import_jobs.plan_import(app_id, checkpoint.import_id, chunk_count, total)
    job = import_jobs.get_import(app_id, checkpoint.import_id)
    skipped = import_jobs.counted_chunks(app_id, job.import_id)
    progress = Progress(total, job.rows_done, err)
    started = time.monotonic()
    with progress, ThreadPoolExecutor(max_workers=CHUNK_WORKERS) as pool:
        running: set[Future[Any]] = set()
        for chunk in member_import.chunks_of(rows):
            if chunk.index in skipped:
                continue
            if len(running) >= CHUNK_WORKERS * 2:
                finished, running = wait(running, return_when=FIRST_COMPLETED)
                _draw(finished, progress, app_id, job.import_id)
            running.add(pool.submit(_run_chunk, app_id, job, chunk, columns))
        _draw(wait(running).done, progress, app_id, job.import_id)
    return _finish(file, app_id, job.import_id, time.monotonic() - started, out)


def _retried[T](call: Callable[[], T]) -> T:
    """``call`` again after a store fault (a loaded local store times out now and then), up to
    ``STORE_ATTEMPTS`` times: what it writes is idempotent."""
    from shared.errors import ServiceUnavailable

    for attempt in range(STORE_ATTEMPTS - 1):
        try:
            return call()
        except ServiceUnavailable:
            time.sleep(2**attempt)
    return call()


def _run_chunk(app_id: str, job: ImportRecord, chunk: Any, columns: list[str] | None) -> Any:
    from shared.api import member_import

    return _retried(lambda: member_import.run_chunk(app_id, job, chunk, columns, ROW_WORKERS))


def _draw(finished: set[Future[Any]], progress: Progress, app_id: str, import_id: str) -> None:
    from shared.domain import import_jobs

    for future in finished:
        future.result()  # a store fault outlasting the retries ends the run: the checkpoint resumes it
    job = _retried(lambda: import_jobs.get_import(app_id, import_id))
    progress.update(job.rows_done, job.rejected)


def _finish(file: Path, app_id: str, import_id: str, seconds: float, out: IO[str]) -> int:
    from shared.domain import import_jobs

    job = import_jobs.get_import(app_id, import_id)
    report = _write_report(file, app_id, job)
    if import_jobs.status_of(job) == "completed":
        checkpoint_path(file).unlink(missing_ok=True)
    summary = {
        "import_id": job.import_id,
        "status": import_jobs.status_of(job),
        "total_rows": job.total_rows,
        "created": job.created,
        "updated": job.updated,
        "unchanged": job.unchanged,
        "rejected": job.rejected,
        "seconds": round(seconds, 1),
        "rows_per_second": round((job.total_rows or 0) / seconds) if seconds > 0 else None,
        "rejected_report": str(report) if report else None,
    }
    out.write(json.dumps(summary) + "\n")
    return 0


def _write_report(file: Path, app_id: str, job: ImportRecord) -> Path | None:
    from shared.domain import import_jobs
    from shared.domain.export_files import csv_cell  # the exports' cells: a formula stays text

    path = report_path(file)
    if not job.rejected:
        path.unlink(missing_ok=True)
        return None
    with path.open("w", newline="") as stream:
        writer = csv.writer(stream)
        writer.writerow(["line", "source_id", "reason"])
        cursor = None
        while True:
            page, cursor = import_jobs.rejected_rows(app_id, job.import_id, 100, cursor)
            writer.writerows([row.line, csv_cell(row.source_id), csv_cell(row.reason)] for row in page)
            if cursor is None:
                return path


def import_deployed(stack: Stack, file: Path, app_id: str, given_format: str | None, out: IO[str], err: IO[str]) -> int:
    """Upload to the stack's imports bucket (the job created first, so the workers find it) and follow it."""
    import boto3

    from shared.domain import applications, import_jobs
    from shared.ids import new_id
    from shared.storage import keys

    if not stack.imports_bucket:
        raise SystemExit(f"stack {stack.name} has no output ImportsBucketName: deploy this version of template.yaml")
    applications.require_application(app_id)
    fmt = file_format(file, given_format)
    checkpoint = _resumable(file, app_id)
    if checkpoint is None:
        checkpoint = Checkpoint(checkpoint_path(file), new_id("imp"), app_id, file.stat().st_size, _digest(file))
        key = keys.import_object(app_id, checkpoint.import_id, fmt)
        import_jobs.start_import(app_id, checkpoint.import_id, fmt, key)  # type: ignore[arg-type]
        boto3.client("s3").upload_file(str(file), stack.imports_bucket, key)  # multipart for large files
        checkpoint.save()
    else:
        err.write(f"following import {checkpoint.import_id}\n")
    started = time.monotonic()
    job = import_jobs.get_import(app_id, checkpoint.import_id)
    while job.total_rows is None:  # the stack is reading the file through
        time.sleep(POLL_SECONDS)
        job = import_jobs.get_import(app_id, checkpoint.import_id)
    with Progress(job.total_rows, job.rows_done, err) as progress:
        while import_jobs.status_of(job) != "completed":
            progress.update(job.rows_done, job.rejected)
            time.sleep(POLL_SECONDS)
            job = import_jobs.get_import(app_id, checkpoint.import_id)
        progress.update(job.rows_done, job.rejected)
    return _finish(file, app_id, job.import_id, time.monotonic() - started, out)


def run(file: str, app_id: str, given_format: str | None, stack: Stack | None) -> int:
    path = Path(file)
    if not path.is_file():
        raise SystemExit(f"rewards import: no such file {file}")
    if stack is not None:
        return import_deployed(stack, path, app_id, given_format, sys.stdout, sys.stderr)
    return import_local(path, app_id, given_format, sys.stdout, sys.stderr)
