"""The embedded store's files: an append-only journal of applied writes, and snapshots that compact it.

Next to the state file (``.local/dynamodb.json`` by default):

- ``dynamodb.json``: the last snapshot, JSON lines: a header (format, tables with the requests that
  defined them, and ``journal_from``), then every item of every table, then an end line. Written to a
  temporary file, fsynced, then renamed over the old one: a crash never leaves half a snapshot.
- ``dynamodb-journal-NNNNNN.log``: segments of the journal. One line per applied write request: a
  CRC-32 of the JSON that follows, then the JSON. Only the newest segment is ever appended to; a new
  run starts a new segment. A line without its newline or whose CRC does not match is the torn tail of
  a crash mid-write: it was never acknowledged, and is dropped. A bad line followed by good ones is
  corruption, and the store refuses to start rather than drop acknowledged writes.
- ``dynamodb.lock``: held while a store runs on these files (a second one is refused).

A snapshot holds ``journal_from = K``: the state is the snapshot plus segments K and later, replayed in
order. The snapshot is taken while requests keep running, so it may already hold some writes of
segment K; that is harmless because records are after-images (replaying one twice gives the same item).
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import re
import threading
import zlib
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

SNAPSHOT_FORMAT = 2
FSYNC_MODES = ("always", "batch")
BATCH_FSYNC_SECONDS = 0.5


class StoreFilesError(Exception):
    """The files cannot be used as they are (corrupt, or in use by another store)."""


@dataclass(frozen=True)
class StorePaths:
    state_file: Path

    @property
    def directory(self) -> Path:
        return self.state_file.parent

    @property
    def lock(self) -> Path:
        return self.state_file.with_suffix(".lock")

    def segment(self, index: int) -> Path:
        return self.directory / f"{self.state_file.stem}-journal-{index:06d}.log"

    def segments(self) -> list[tuple[int, Path]]:
        pattern = re.compile(re.escape(self.state_file.stem) + r"-journal-(\d{6})\.log")
        found = []
        if self.directory.exists():
            for path in self.directory.iterdir():
                if matched := pattern.fullmatch(path.name):
                    found.append((int(matched.group(1)), path))
        return sorted(found)

    @property
    def temporary_snapshot(self) -> Path:
        return self.state_file.with_name(self.state_file.name + ".tmp")


def _fsync_directory(directory: Path) -> None:
    descriptor = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


@contextlib.contextmanager
def exclusive(paths: StorePaths) -> Iterator[None]:
    """Hold the files' lock for the block; a second store on the same files is refused."""
    paths.directory.mkdir(parents=True, exist_ok=True)
    with open(paths.lock, "a+b") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise StoreFilesError(f"another store is running on {paths.state_file}") from None
        yield


# ------------------------------------------------------------------------------------------ journal


def encode_record(record: dict[str, Any]) -> bytes:
    payload = json.dumps(record, separators=(",", ":")).encode()
    return b"%08x " % zlib.crc32(payload) + payload + b"\n"


@dataclass
class SegmentRead:
    records: list[dict[str, Any]] = field(default_factory=list)
    torn_bytes: int = 0


def read_segment(path: Path) -> SegmentRead:
    """Every whole record of a segment; a torn last record is dropped (counted in ``torn_bytes``)."""
    *lines, tail = path.read_bytes().split(b"\n")
    result = SegmentRead(torn_bytes=len(tail))
    for number, line in enumerate(lines):
        record = _decode(line)
        if record is None:
            if any(_decode(later) for later in lines[number + 1 :]):
                raise StoreFilesError(f"{path}: record {number + 1} is damaged and later ones are not")
            result.torn_bytes += sum(len(rest) + 1 for rest in lines[number:])
            break
        result.records.append(record)
    return result


def _decode(line: bytes) -> dict[str, Any] | None:
    checksum, _, payload = line.partition(b" ")
    try:
        if len(checksum) != 8 or int(checksum, 16) != zlib.crc32(payload):
            return None
        record: dict[str, Any] = json.loads(payload)
    except ValueError:
        return None
    return record if isinstance(record, dict) else None


class Journal:
    """Appends records to the newest segment. ``append`` runs under the store's lock (so records are in
    the order writes were applied) and writes each record with one ``write`` before returning: a crash
    of this process after it loses nothing. ``wait_durable`` then fsyncs, outside that lock, so that
    concurrent requests share one fsync (``always``); ``batch`` fsyncs every half second instead (an
    operating-system crash or power loss may then lose the last half second; a process crash cannot)."""

    def __init__(self, paths: StorePaths, index: int, fsync: str) -> None:
        if fsync not in FSYNC_MODES:
            raise ValueError(f"fsync must be one of {FSYNC_MODES}, not {fsync!r}")
        self._paths, self._fsync = paths, fsync
        self._sync_lock = threading.Lock()
        self._written = self._synced = 0
        self.bytes_since_snapshot = 0
        self._closed = threading.Event()
        self.index = index
        self._descriptor = self._open(index)
        if fsync == "batch":
            threading.Thread(target=self._sync_periodically, daemon=True, name="journal-fsync").start()

    def _open(self, index: int) -> int:
        descriptor = os.open(self._paths.segment(index), os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        _fsync_directory(self._paths.directory)
        return descriptor

    def append(self, record: dict[str, Any]) -> int:
        line = encode_record(record)
        written = os.write(self._descriptor, line)
        if written != len(line):  # a full disk: the caller undoes the write and answers an error
            raise OSError(f"journal: wrote {written} of {len(line)} bytes")
        self.bytes_since_snapshot += len(line)
        self._written += 1
        return self._written

    def wait_durable(self, sequence: int) -> None:
        if self._fsync == "always":
            self._sync(sequence)

    def _sync(self, sequence: int) -> None:
        with self._sync_lock:
            if self._synced >= sequence or self._closed.is_set():
                return
            target = self._written
            os.fsync(self._descriptor)
            self._synced = max(self._synced, target)

    def _sync_periodically(self) -> None:
        while not self._closed.wait(BATCH_FSYNC_SECONDS):
            with contextlib.suppress(OSError):
                self._sync(self._written)

    def rotate(self) -> int:
        """Start the next segment (under the store's lock); returns its index."""
        with self._sync_lock:
            os.fsync(self._descriptor)
            os.close(self._descriptor)
            self._synced = self._written
            self.index += 1
            self._descriptor = self._open(self.index)
            self.bytes_since_snapshot = 0
        return self.index

    def close(self) -> None:
        with self._sync_lock:
            if self._closed.is_set():
                return
            self._closed.set()
            os.fsync(self._descriptor)
            os.close(self._descriptor)
            self._synced = self._written


# ----------------------------------------------------------------------------------------- snapshot


@dataclass
class TableSnapshot:
    account_id: str
    region: str
    name: str
    definition: list[dict[str, Any]]
    items: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class Snapshot:
    journal_from: int
    tables: list[TableSnapshot]


# Lines of a snapshot that are not items (an item's attribute values are objects, never these).
_TABLE_MARK, _END_MARK = "__table__", "__end__"


def write_snapshot(paths: StorePaths, journal_from: int, tables: Sequence[tuple[TableSnapshot, Iterable[str]]]) -> None:
    """Write a snapshot (each table's items given as JSON lines), then put it in place of the old one."""
    temporary = paths.temporary_snapshot
    header = {
        "format": SNAPSHOT_FORMAT,
        "journal_from": journal_from,
        "tables": [
            {"account_id": t.account_id, "region": t.region, "name": t.name, "definition": t.definition}
            for t, _ in tables
        ],
    }
    with open(temporary, "w", encoding="utf-8") as handle:
        handle.write(json.dumps(header) + "\n")
        for table, lines in tables:
            handle.write(json.dumps({_TABLE_MARK: [table.account_id, table.region, table.name]}) + "\n")
            for line in lines:
                handle.write(line + "\n")
        handle.write(json.dumps({_END_MARK: True}) + "\n")
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(temporary, paths.state_file)
    _fsync_directory(paths.directory)


def read_snapshot(paths: StorePaths, legacy_table: Callable[[str, list[Any]], TableSnapshot]) -> Snapshot | None:
    """The last snapshot, or ``None``. A state file of the former format (one JSON object of table name
    to items, rewritten whole every 2 s) is read too, each table built by ``legacy_table(name, items)``."""
    if not paths.state_file.exists():
        return None
    with open(paths.state_file, encoding="utf-8") as handle:
        first = handle.readline()
        if not first.strip():
            return None
        header = json.loads(first)
        if "format" not in header:
            return Snapshot(0, [legacy_table(name, items) for name, items in header.items()])
        if header["format"] != SNAPSHOT_FORMAT:
            raise StoreFilesError(f"{paths.state_file}: unknown snapshot format {header['format']}")
        tables = {
            (t["account_id"], t["region"], t["name"]): TableSnapshot(
                t["account_id"], t["region"], t["name"], t["definition"]
            )
            for t in header["tables"]
        }
        current: TableSnapshot | None = None
        for line in handle:
            value = json.loads(line)
            if value.get(_END_MARK) is True:
                return Snapshot(header["journal_from"], list(tables.values()))
            if isinstance(mark := value.get(_TABLE_MARK), list):
                current = tables[(mark[0], mark[1], mark[2])]
            elif current is not None:
                current.items.append(value)
    raise StoreFilesError(f"{paths.state_file}: the snapshot has no end line (it was cut short)")
