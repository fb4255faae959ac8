"""An embedded DynamoDB (moto) on a local port, persisted to a file across restarts.

moto is not atomic across threads (a counter went below zero and a transaction crashed with
"dictionary changed size during iteration" under 50 threads), while real DynamoDB is atomic per item
and per transaction. Every request is therefore dispatched under one lock.
"""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import boto3
from moto.moto_server.werkzeug_app import DomainDispatcherApplication, MotoRequestHandler, create_backend_app
from werkzeug.serving import BaseWSGIServer, make_server

from rewards_cli import moto_speedup
from rewards_cli.template import create_table_arguments, ttl_attribute

moto_speedup.install()

_READ_ONLY_TARGETS = ("GetItem", "Query", "Scan", "BatchGetItem", "TransactGetItems", "Describe", "List")
WsgiApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


class _SerializedApp:
    """WSGI middleware: one request at a time, noting whether any of them wrote."""

    def __init__(self, app: WsgiApp) -> None:
        self._app = app
        self.lock = threading.Lock()
        self.dirty = False

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> list[bytes]:
        target = environ.get("HTTP_X_AMZ_TARGET", "")
        with self.lock:
            if target and not any(target.split(".")[-1].startswith(t) for t in _READ_ONLY_TARGETS):
                self.dirty = True
            return list(self._app(environ, start_response))


class _QuietRequestHandler(MotoRequestHandler):
    def log_request(self, *args: Any, **kwargs: Any) -> None:
        pass


class EmbeddedDynamoDB:
    def __init__(self, host: str, port: int, state_file: Path) -> None:
        self.host, self.port, self.state_file = host, port, state_file
        self._app = _SerializedApp(DomainDispatcherApplication(create_backend_app))
        self._server: BaseWSGIServer | None = None
        self._stop = threading.Event()
        # stop() saves while the autosave thread may be saving: both write the same temporary file.
        self._save_lock = threading.Lock()

    @property
    def endpoint_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def start(self) -> None:
        self._server = make_server(self.host, self.port, self._app, threaded=True, request_handler=_QuietRequestHandler)
        threading.Thread(target=self._server.serve_forever, daemon=True, name="dynamodb").start()
        threading.Thread(target=self._autosave, daemon=True, name="dynamodb-autosave").start()

    def stop(self) -> None:
        self._stop.set()
        self.save()
        if self._server is not None:
            self._server.shutdown()

    def _client(self) -> Any:
        return boto3.client(
            "dynamodb",
            endpoint_url=self.endpoint_url,
            region_name="us-east-1",
            aws_access_key_id="local",
            aws_secret_access_key="local",  # noqa: S106 - the embedded store checks no credentials
        )

    def ensure_table(self, table_name: str) -> None:
        """Create the table from template.yaml's definition and load the saved items, unless it exists."""
        client = self._client()
        if table_name in client.list_tables()["TableNames"]:
            return
        client.create_table(**create_table_arguments(table_name))
        client.update_time_to_live(
            TableName=table_name, TimeToLiveSpecification={"AttributeName": ttl_attribute(), "Enabled": True}
        )
        if self.state_file.exists():
            saved = json.loads(self.state_file.read_text())
            for item in saved.get(table_name, []):
                client.put_item(TableName=table_name, Item=item)
        self._app.dirty = False

    def save(self) -> None:
        """Write every table's items to the state file (atomically: a crash never leaves half a file)."""
        with self._save_lock:
            self._save()

    def _save(self) -> None:
        with self._app.lock:
            self._app.dirty = False
        client = self._client()
        snapshot: dict[str, list[dict[str, Any]]] = {}
        for table in client.list_tables()["TableNames"]:
            items: list[dict[str, Any]] = []
            for page in client.get_paginator("scan").paginate(TableName=table):
                items.extend(page["Items"])
            snapshot[table] = items
        self.state_file.parent.mkdir(parents=True, exist_ok=True)
        temporary = self.state_file.with_suffix(".tmp")
        temporary.write_text(json.dumps(snapshot))
        os.replace(temporary, self.state_file)

    def _autosave(self) -> None:
        while not self._stop.wait(2.0):
            if self._app.dirty:
                self.save()
