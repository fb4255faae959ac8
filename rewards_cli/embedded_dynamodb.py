"""An embedded DynamoDB (moto) on a local port, its writes journaled to disk before they are acknowledged.

- **Atomic.** moto is not atomic across threads (a counter went below zero and a transaction crashed with
  "dictionary changed size during iteration" under 50 threads), while real DynamoDB is atomic per item
  and per transaction: every request is dispatched under one lock. A request that fails changes nothing
  (rewards_cli/moto_adapter.py puts back the prior images of what it touched).
- **Durable.** Each request that changed something is appended to the journal (the after-images of the
  items it touched; table definitions as their requests) before its response is sent, and fsynced per
  ``fsync`` (rewards_cli/store_files.py). A process killed right after a 2xx loses nothing.
- **Constant cost.** Nothing rescans the table per request. A snapshot compacts the journal in the
  background once the journal outgrows the last snapshot, serialising items in short turns of the lock.
- **Fast restart.** The snapshot's items and the journal's images are loaded straight into moto, not
  request by request; nothing is written until loading is over, so a stop or crash during start-up
  cannot lose what was on disk.
"""

from __future__ import annotations

import contextlib
import gc
import io
import json
import sys
import threading
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3
from moto.core.models import DEFAULT_ACCOUNT_ID
from moto.moto_server.werkzeug_app import DomainDispatcherApplication, MotoRequestHandler, create_backend_app
from werkzeug.serving import BaseWSGIServer
from werkzeug.test import EnvironBuilder

from rewards_cli import moto_adapter
from rewards_cli.http_serving import KeepAliveHandlerMixin, PooledServerMixin
from rewards_cli.store_files import (
    Journal,
    StoreFilesError,
    StorePaths,
    TableSnapshot,
    exclusive,
    read_segment,
    read_snapshot,
    write_snapshot,
)
from rewards_cli.template import create_table_arguments, ttl_attribute

moto_adapter.install()

WsgiApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]

_READ_ONLY_PREFIXES = ("Get", "Query", "Scan", "BatchGet", "TransactGet", "Describe", "List")
# Requests that define tables: journaled as they were sent, replayed through moto in order.
_TABLE_DEFINITIONS = ("CreateTable", "UpdateTable", "UpdateTimeToLive", "DeleteTable")
WORKERS = 16
# Compact once the journal is larger than this and than the last snapshot (amortised O(1) per write).
COMPACT_MIN_BYTES = 16 * 1024 * 1024
SNAPSHOT_CHUNK_ITEMS = 2000
STOP_WAIT_SECONDS = 5.0
_LOCAL_AUTHORIZATION = "AWS4-HMAC-SHA256 Credential=local/20200101/{region}/dynamodb/aws4_request, Signature=0"


def _error(status: str, kind: str, message: str) -> tuple[str, list[tuple[str, str]], list[bytes]]:
    body = json.dumps({"__type": f"com.amazonaws.dynamodb.v20120810#{kind}", "message": message}).encode()
    return status, [("Content-Type", "application/x-amz-json-1.0"), ("Content-Length", str(len(body)))], [body]


def _region_of(authorization: str) -> str:
    """The region of a SigV4 credential scope (``Credential=KEY/DATE/REGION/SERVICE/...``)."""
    scope = authorization.partition("Credential=")[2].split(",")[0].split("/")
    return scope[2] if len(scope) > 2 else "us-east-1"


@dataclass
class _Response:
    status: str = "500 INTERNAL SERVER ERROR"
    headers: list[tuple[str, str]] | None = None


class _JournaledApp:
    """WSGI middleware: one request at a time; what a request changed is journaled before it answers."""

    def __init__(self, app: WsgiApp) -> None:
        self.app = app
        self.lock = threading.Lock()
        self.journal: Journal | None = None
        # (region, table name) -> the requests that defined the table, in order (for snapshots).
        self.definitions: dict[tuple[str, str], list[dict[str, str]]] = {}

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        target = environ.get("HTTP_X_AMZ_TARGET", "")
        operation = target.rpartition(".")[2]
        if operation.startswith(_READ_ONLY_PREFIXES):
            with self.lock:
                return list(self.app(environ, start_response))
        length = int(environ.get("CONTENT_LENGTH") or 0)
        body = environ["wsgi.input"].read(length) if length else b""
        environ["wsgi.input"] = io.BytesIO(body)
        response = _Response()

        def capture(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Callable[[bytes], None]:
            response.status, response.headers = status, headers
            return lambda _: None

        sequence = 0
        with self.lock:
            if self.journal is None:
                status, headers, chunks = _error("503 SERVICE UNAVAILABLE", "ServiceUnavailable", "the store stopped")
                start_response(status, headers)
                return chunks
            with moto_adapter.recording() as change_set:
                chunks = list(self.app(environ, capture))
                if not response.status.startswith("2"):
                    change_set.rollback()  # real DynamoDB applies nothing of a failed request
                else:
                    record = self._record(operation, target, environ, body, change_set)
                    try:
                        sequence = self.journal.append(record) if record else 0
                    except OSError as error:
                        change_set.rollback()
                        response.status, response.headers, chunks = _error(
                            "500 INTERNAL SERVER ERROR", "InternalServerError", f"journal write failed: {error}"
                        )
            journal = self.journal
        if sequence:
            journal.wait_durable(sequence)
        start_response(response.status, response.headers or [])
        return chunks

    def _record(
        self, operation: str, target: str, environ: dict[str, Any], body: bytes, change_set: moto_adapter.ChangeSet
    ) -> dict[str, Any] | None:
        record: dict[str, Any] = {}
        if operation in _TABLE_DEFINITIONS:
            request = {"target": target, "authorization": environ.get("HTTP_AUTHORIZATION", ""), "body": body.decode()}
            self.note_definition(request)
            record["request"] = request
        changes = change_set.changes()
        if changes:
            record["items"] = [[c.account_id, c.region, c.table_name, c.key, c.image] for c in changes]
        return record or None

    def note_definition(self, request: dict[str, str]) -> None:
        operation = request["target"].rpartition(".")[2]
        slot = (_region_of(request["authorization"]), json.loads(request["body"])["TableName"])
        if operation == "DeleteTable":
            self.definitions.pop(slot, None)
        elif operation == "CreateTable":
            self.definitions[slot] = [request]
        else:
            self.definitions.setdefault(slot, []).append(request)

    def replay_definition(self, request: dict[str, str]) -> None:
        """Apply a journaled table request through moto (at start-up, before serving)."""
        headers = {
            "X-Amz-Target": request["target"],
            "Authorization": request["authorization"],
            "Content-Type": "application/x-amz-json-1.0",
            "Host": "localhost",
        }
        builder = EnvironBuilder(path="/", method="POST", headers=list(headers.items()), data=request["body"].encode())
        response = _Response()

        def capture(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Callable[[bytes], None]:
            response.status = status
            return lambda _: None

        answer = b"".join(self.app(builder.get_environ(), capture))
        if not response.status.startswith("2"):
            raise StoreFilesError(f"replaying {request['target']} failed: {response.status} {answer[:300]!r}")
        self.note_definition(request)


class _PooledWSGIServer(PooledServerMixin, BaseWSGIServer):
    multithread = True


class _RequestHandler(MotoRequestHandler, KeepAliveHandlerMixin):  # type: ignore[misc]  # both declare `server`
    def log_request(self, *args: Any, **kwargs: Any) -> None:
        pass


def _legacy_request(operation: str, body: dict[str, Any]) -> dict[str, str]:
    return {
        "target": f"DynamoDB_20120810.{operation}",
        "authorization": _LOCAL_AUTHORIZATION.format(region="us-east-1"),
        "body": json.dumps(body),
    }


def template_table(name: str, items: list[Any]) -> TableSnapshot:
    """A table defined as the runner defines it (template.yaml), holding ``items``: how a state file of
    the former format is read, and how tests and the bench build a large store without a request per item."""
    ttl = {"TableName": name, "TimeToLiveSpecification": {"AttributeName": ttl_attribute(), "Enabled": True}}
    definition = [
        _legacy_request("CreateTable", create_table_arguments(name)),
        _legacy_request("UpdateTimeToLive", ttl),
    ]
    return TableSnapshot(DEFAULT_ACCOUNT_ID, "us-east-1", name, definition, items)


class EmbeddedDynamoDB:
    def __init__(
        self,
        host: str,
        port: int,
        state_file: Path,
        fsync: str = "always",
        wrap: Callable[[WsgiApp], WsgiApp] | None = None,
    ) -> None:
        """``wrap``: around moto, inside the store's lock (bench/heat.py counts each request's capacity there)."""
        self.host, self.port, self.fsync = host, port, fsync
        self.paths = StorePaths(state_file)
        engine: WsgiApp = DomainDispatcherApplication(create_backend_app)
        self._app = _JournaledApp(wrap(engine) if wrap else engine)
        self._server: _PooledWSGIServer | None = None
        self._files = contextlib.ExitStack()
        self._stopping = threading.Event()
        self._compact_lock = threading.Lock()
        self._snapshot_bytes = 0
        self.loaded_items = 0

    @property
    def endpoint_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def start(self) -> None:
        """Load the files (snapshot, then journal), open a new journal segment, then serve."""
        self._files.enter_context(exclusive(self.paths))
        next_segment = self._load()
        # The loaded items are millions of long-lived objects: out of the collector's way, so that a
        # full collection (which walks every tracked object) does not grow with the table.
        gc.freeze()
        self._app.journal = Journal(self.paths, next_segment, self.fsync)
        self._app.journal.bytes_since_snapshot = self._replayed_bytes
        self._server = _PooledWSGIServer(self.host, self.port, self._app, handler=_RequestHandler)
        self._server.start_pool(WORKERS, "dynamodb")
        self.port = self._server.server_address[1]
        threading.Thread(target=self._server.serve_forever, daemon=True, name="dynamodb").start()
        threading.Thread(target=self._compact_when_due, daemon=True, name="dynamodb-compaction").start()

    def _load(self) -> int:
        snapshot = read_snapshot(self.paths, template_table)
        journal_from = snapshot.journal_from if snapshot else 0
        if snapshot is not None:
            self._snapshot_bytes = self.paths.state_file.stat().st_size
            for saved in snapshot.tables:
                for request in saved.definition:
                    self._app.replay_definition(request)
                table = moto_adapter.find_table(saved.account_id, saved.region, saved.name)
                if table is None:
                    raise StoreFilesError(f"the snapshot's table {saved.name} was not recreated by its definition")
                self.loaded_items += moto_adapter.load_items(table, saved.items)
        self._replayed_bytes = 0
        last = journal_from
        for index, path in self.paths.segments():
            if index < journal_from:
                path.unlink()  # compacted into the snapshot; left by a stop before its deletion
                continue
            read = read_segment(path)
            if read.torn_bytes:
                print(f"dynamodb: dropped a torn last record ({read.torn_bytes} bytes) of {path.name}", file=sys.stderr)
            for record in read.records:
                self._replay(record)
            self._replayed_bytes += path.stat().st_size
            last = index
        return last + 1

    def _replay(self, record: dict[str, Any]) -> None:
        if "request" in record:
            self._app.replay_definition(record["request"])
        for account_id, region, table_name, key, image in record.get("items", []):
            table = moto_adapter.find_table(account_id, region, table_name)
            if table is None:
                raise StoreFilesError(f"the journal writes to {table_name}, which no record created")
            moto_adapter.apply_image(table, key, image)

    def stop(self) -> None:
        """Stop serving, let the request in flight finish, close the journal (idempotent)."""
        if self._stopping.is_set():
            return
        self._stopping.set()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server.wait_idle(STOP_WAIT_SECONDS)
        with self._app.lock:
            if self._app.journal is not None:
                self._app.journal.close()
                self._app.journal = None
        # A snapshot being written finishes before the files are released to another store.
        if self._compact_lock.acquire(timeout=STOP_WAIT_SECONDS):
            self._compact_lock.release()
        self._files.close()

    # ------------------------------------------------------------------------------------ snapshots

    def _compact_when_due(self) -> None:
        while not self._stopping.wait(1.0):
            journal = self._app.journal
            if journal is not None and journal.bytes_since_snapshot >= max(COMPACT_MIN_BYTES, self._snapshot_bytes):
                try:
                    self.compact()
                except OSError as error:
                    print(f"dynamodb: snapshot failed, the journal keeps everything: {error}", file=sys.stderr)

    def compact(self) -> None:
        """Write a snapshot of every table and drop the journal segments it holds."""
        with self._compact_lock:
            with self._app.lock:
                if self._app.journal is None:
                    return
                journal_from = self._app.journal.rotate()
                tables = [
                    (
                        TableSnapshot(
                            table.account_id,
                            table.region_name,
                            table.name,
                            list(self._app.definitions.get((table.region_name, table.name), [])),
                        ),
                        self._serialised(table, moto_adapter.live_keys(table)),
                    )
                    for table in moto_adapter.tables()
                ]
            write_snapshot(self.paths, journal_from, tables)
            self._snapshot_bytes = self.paths.state_file.stat().st_size
            for index, path in self.paths.segments():
                if index < journal_from:
                    path.unlink()

    def _serialised(self, table: Any, keys: list[moto_adapter.Key]) -> Iterator[str]:
        """Each item's JSON now, a chunk per turn of the lock (see store_files: a snapshot may be fuzzy)."""
        for start in range(0, len(keys), SNAPSHOT_CHUNK_ITEMS):
            with self._app.lock:
                images = [moto_adapter.current_image(table, key) for key in keys[start : start + SNAPSHOT_CHUNK_ITEMS]]
            yield from (json.dumps(image) for image in images if image is not None)

    # -------------------------------------------------------------------------------------- clients

    def _client(self) -> Any:
        return boto3.client(
            "dynamodb",
            endpoint_url=self.endpoint_url,
            region_name="us-east-1",
            aws_access_key_id="local",
            aws_secret_access_key="local",  # noqa: S106 - the embedded store checks no credentials
        )

    def ensure_table(self, table_name: str) -> None:
        """Create the table from template.yaml's definition, unless the files already had it."""
        client = self._client()
        if table_name in client.list_tables()["TableNames"]:
            return
        client.create_table(**create_table_arguments(table_name))
        client.update_time_to_live(
            TableName=table_name, TimeToLiveSpecification={"AttributeName": ttl_attribute(), "Enabled": True}
        )
