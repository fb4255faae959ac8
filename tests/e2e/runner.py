"""The local runner (`rewards dev`) as a real subprocess on free loopback ports, and a small HTTP client
for it. The runner is always stopped (SIGTERM, then SIGKILL) and its output is kept for failure reports."""

from __future__ import annotations

import contextlib
import ctypes
import json
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass
from email.message import Message
from pathlib import Path
from types import TracebackType
from typing import Any, Self

from rewards_cli.template import PROJECT_ROOT
from tests.support.api import basic

LOOPBACK = "127.0.0.1"
READY_TIMEOUT_SECONDS = 60.0
STOP_TIMEOUT_SECONDS = 20.0
COMMAND_TIMEOUT_SECONDS = 60.0
HTTP_TIMEOUT_SECONDS = 15.0
# Variables of the test process that must not leak into the runner (it would use another store).
_NOT_INHERITED = ("DYNAMODB_ENDPOINT_URL", "LOCAL_API_KEY", "LOCAL_SECRET_KEY", "PORT", "DDB_PORT")
_PR_SET_PDEATHSIG = 1


PLAN_REFRESH_SECONDS = 1.2  # the runner rereads an API key's plan every second, as API Gateway soon applies it


def rewards_command() -> list[str]:
    """The `rewards` script of the virtualenv running the tests (``.venv/bin/rewards``)."""
    script = Path(sys.executable).with_name("rewards")
    return [str(script)] if script.exists() else [sys.executable, "-m", "rewards_cli.cli"]


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((LOOPBACK, 0))
        port: int = probe.getsockname()[1]
        return port


def child_environment(extra: Mapping[str, str] | None = None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in _NOT_INHERITED}
    # Loopback traffic must never go through a proxy configured for the machine.
    env.update({"PYTHONUNBUFFERED": "1", "NO_PROXY": "127.0.0.1,localhost", "no_proxy": "127.0.0.1,localhost"})
    env.update(extra or {})
    return env


def _die_with_parent() -> None:
    """Linux: the runner gets SIGTERM if the test process dies without cleaning up (e.g. SIGKILL)."""
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)


def run_rewards(*args: str, env: Mapping[str, str]) -> subprocess.CompletedProcess[str]:
    """One `rewards` command as a subprocess (create-app, invoke), with a timeout."""
    return subprocess.run(  # noqa: S603 - our own command, no shell
        [*rewards_command(), *args],
        env=child_environment(env),
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=COMMAND_TIMEOUT_SECONDS,
        check=False,
    )


@dataclass(frozen=True)
class Response:
    status: int
    headers: Message
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


class HttpClient:
    """urllib without proxies, answering every status instead of raising."""

    def __init__(self, base_url: str) -> None:
        self.base_url = base_url
        self._opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))

    def request(
        self,
        method: str,
        path: str,
        *,
        json_body: Any = None,
        raw_body: str | None = None,
        authorization: str | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> Response:
        all_headers = {"Accept": "application/json"}
        data = None
        if json_body is not None or raw_body is not None:
            data = (raw_body if raw_body is not None else json.dumps(json_body)).encode()
            all_headers["Content-Type"] = "application/json"
        if authorization is not None:
            all_headers["Authorization"] = authorization
        all_headers.update(headers or {})
        request = urllib.request.Request(  # noqa: S310 - http://127.0.0.1 only
            self.base_url + path, data=data, headers=all_headers, method=method
        )
        try:
            with self._opener.open(request, timeout=HTTP_TIMEOUT_SECONDS) as response:
                return Response(response.status, response.headers, response.read())
        except urllib.error.HTTPError as error:
            with error:
                return Response(error.code, error.headers, error.read())


class LocalRunner:
    """`rewards dev` on its own state file and free ports; a context manager that always stops it."""

    def __init__(self, state_file: Path, *, table_name: str = "rewards-e2e", env: Mapping[str, str] | None = None):
        self.state_file = state_file
        self.table_name = table_name
        self.extra_env = dict(env or {})
        self.api_port = 0
        self.ddb_port = 0
        self._process: subprocess.Popen[str] | None = None
        self._lines: list[str] = []
        self._lines_lock = threading.Lock()
        self._ready = threading.Event()
        self._reader: threading.Thread | None = None

    # ----------------------------------------------------------------------------- lifecycle

    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None, tb: TracebackType | None) -> None:
        self.stop()

    def start(self, attempts: int = 3) -> None:
        """Start and wait for the ready lines; new ports and another try if a port was taken meanwhile."""
        for attempt in range(1, attempts + 1):
            self._spawn()
            if self._wait_ready():
                return
            output = self.output
            self.kill()
            if "Address already in use" not in output or attempt == attempts:
                raise RuntimeError(f"`rewards dev` did not become ready:\n{output}")

    def launch(self) -> None:
        """Start it without waiting for it to be ready (to signal it during start-up)."""
        self._spawn()

    def _spawn(self) -> None:
        self.api_port, self.ddb_port = free_port(), free_port()
        while self.ddb_port == self.api_port:
            self.ddb_port = free_port()
        env = {"PORT": str(self.api_port), "DDB_PORT": str(self.ddb_port), "TABLE_NAME": self.table_name}
        with self._lines_lock:
            self._lines.append(f"--- rewards dev on :{self.api_port}, store :{self.ddb_port}, {self.state_file}\n")
        self._ready.clear()
        self._process = subprocess.Popen(  # noqa: S603 - our own command, no shell
            [*rewards_command(), "dev", "--host", LOOPBACK, "--state-file", str(self.state_file)],
            env=child_environment({**env, **self.extra_env}),
            cwd=self.state_file.parent,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            bufsize=1,
            preexec_fn=_die_with_parent if sys.platform == "linux" else None,  # noqa: PLW1509
        )
        self._reader = threading.Thread(target=self._read, args=(self._process,), daemon=True, name="runner-output")
        self._reader.start()

    def _read(self, process: subprocess.Popen[str]) -> None:
        """Drain the output continuously (a full pipe would block the runner's logging)."""
        assert process.stdout is not None
        for line in process.stdout:
            with self._lines_lock:
                self._lines.append(line)
            if line.startswith("TABLE_NAME="):
                self._ready.set()

    def _wait_ready(self) -> bool:
        deadline = time.monotonic() + READY_TIMEOUT_SECONDS
        while time.monotonic() < deadline:
            if self._ready.wait(0.05):
                return True
            if self._process is not None and self._process.poll() is not None:
                if self._reader is not None:
                    self._reader.join(5)
                return self._ready.is_set()
        return False

    def stop(self) -> int | None:
        """SIGTERM (the runner saves its store and exits 0), SIGKILL if it hangs; the exit code."""
        process = self._process
        if process is None:
            return None
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(STOP_TIMEOUT_SECONDS)
            except subprocess.TimeoutExpired:
                self.kill()
        return self._finish()

    def send_signal(self, signum: int) -> None:
        assert self._process is not None, "the runner is not started"
        self._process.send_signal(signum)

    def wait_exit(self, timeout: float) -> int | None:
        """Its exit code once it exits by itself within ``timeout``, else ``None`` (it is left running)."""
        process = self._process
        if process is None:
            return None
        try:
            process.wait(timeout)
        except subprocess.TimeoutExpired:
            return None
        return self._finish()

    def kill(self) -> None:
        process = self._process
        if process is not None and process.poll() is None:
            process.kill()
            process.wait(STOP_TIMEOUT_SECONDS)
        self._finish()

    def _finish(self) -> int | None:
        process = self._process
        if process is None:
            return None
        if self._reader is not None:
            self._reader.join(5)
        if process.stdout is not None:
            process.stdout.close()
        code = process.returncode
        with self._lines_lock:
            self._lines.append(f"--- exited with {code}\n")
        self._process = None
        return code

    @property
    def running(self) -> bool:
        return self._process is not None and self._process.poll() is None

    # ----------------------------------------------------------------------------- what it printed

    @property
    def output(self) -> str:
        with self._lines_lock:
            return "".join(self._lines)

    def output_since(self, mark: int) -> str:
        with self._lines_lock:
            return "".join(self._lines[mark:])

    @property
    def line_count(self) -> int:
        with self._lines_lock:
            return len(self._lines)

    def _printed(self, pattern: str) -> str:
        """The last value the current run printed for ``pattern`` (one group)."""
        with self._lines_lock:
            lines = list(self._lines)
        start = max(i for i, line in enumerate(lines) if line.startswith("--- rewards dev on"))
        found = [m.group(1) for line in lines[start:] if (m := re.match(pattern, line))]
        assert found, f"the runner did not print {pattern!r}:\n{''.join(lines[start:])}"
        return found[-1]

    @property
    def base_url(self) -> str:
        return self._printed(r"Rewards API on (http://\S+)")

    @property
    def demo(self) -> dict[str, str]:
        demo: dict[str, str] = json.loads(self._printed(r"Demo application: (\{.*\})"))
        return demo

    @property
    def store_env(self) -> dict[str, str]:
        """The two lines it prints for other commands against the same stack."""
        return {
            "DYNAMODB_ENDPOINT_URL": self._printed(r"DYNAMODB_ENDPOINT_URL=(\S+)"),
            "TABLE_NAME": self._printed(r"TABLE_NAME=(\S+)"),
        }

    @property
    def demo_authorization(self) -> str:
        return basic(self.demo["api_key"], self.demo["secret_key"])

    def client(self) -> HttpClient:
        return HttpClient(self.base_url)
