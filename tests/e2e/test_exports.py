"""Exports through the local runner over real HTTP: the runner's export worker writes the file into its
embedded store, the signed link downloads it, and `rewards export` does the same from the command line
against the runner's store."""

from __future__ import annotations

import csv
import io
import json
import time
import urllib.request
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.runner import HttpClient, LocalRunner, run_rewards
from tests.support.api import basic

pytestmark = pytest.mark.e2e
WAIT_SECONDS = 60


def _auth(runner: LocalRunner) -> str:
    return basic(runner.demo["api_key"], runner.demo["secret_key"])


def _customer_with_points(http: HttpClient, auth: str, source_id: str, *points: int) -> None:
    assert http.request(
        "PUT", f"/customers/{source_id}", json_body={"name": 'E2E, "quoted"'}, authorization=auth
    ).status in (200, 201)
    for amount in points:
        credited = http.request(
            "POST",
            f"/customers/{source_id}/transactions",
            json_body={"points": amount, "description": "e2e"},
            authorization=auth,
        )
        assert credited.status == 201, credited.body


def _finished(http: HttpClient, auth: str, export_id: str) -> dict[str, Any]:
    deadline = time.monotonic() + WAIT_SECONDS
    while True:
        job: dict[str, Any] = http.request("GET", f"/exports/{export_id}", authorization=auth).json()
        if job["status"] in ("succeeded", "failed") or time.monotonic() > deadline:
            return job
        time.sleep(0.2)


def _balances(http: HttpClient, auth: str, source_ids: list[str]) -> dict[str, int]:
    return {
        s: http.request("GET", f"/customers/{s}", authorization=auth).json()["points"]["balance"] for s in source_ids
    }


def _sums(data: bytes, source_ids: list[str]) -> dict[str, int]:
    sums = dict.fromkeys(source_ids, 0)
    for row in csv.DictReader(io.StringIO(data.decode(), newline="")):
        if row["source_id"] in sums:
            sums[row["source_id"]] += int(row["points"])
    return sums


def test_an_export_runs_in_the_runner_and_its_link_downloads_the_file(runner: LocalRunner) -> None:
    # Given customers with points in the runner
    http, auth = runner.client(), _auth(runner)
    source_ids = ["e2e-exp-1", "e2e-exp-2"]
    _customer_with_points(http, auth, source_ids[0], 30, -5)
    _customer_with_points(http, auth, source_ids[1], 12)
    # When a ledger export is started over HTTP
    started = http.request("POST", "/exports", json_body={"type": "ledger"}, authorization=auth)
    assert started.status == 202, started.body
    # Then the runner's worker finishes it and the signed link serves the file
    job = _finished(http, auth, started.json()["id"])
    assert job["status"] == "succeeded", f"{job}\n{runner.output}"
    with urllib.request.build_opener(urllib.request.ProxyHandler({})).open(job["download_url"], timeout=10) as response:
        data = response.read()
    assert len(data) == job["size_bytes"]
    assert _sums(data, source_ids) == _balances(http, auth, source_ids) == {"e2e-exp-1": 25, "e2e-exp-2": 12}


def test_rewards_export_writes_the_file_and_names_a_bad_option(runner: LocalRunner, tmp_path: Path) -> None:
    http, auth = runner.client(), _auth(runner)
    source_ids = ["e2e-cli-1"]
    _customer_with_points(http, auth, source_ids[0], 40, -15)
    out = tmp_path / "ledger.csv"
    # When the operator exports the ledger from the command line against the runner's store
    done = run_rewards("export", "ledger", "--app-id", runner.demo["app_id"], "--out", str(out), env=runner.store_env)
    # Then the file is written and its sums are the API's balances
    assert done.returncode == 0, f"{done.stderr}\n{runner.output}"
    summary = json.loads(done.stdout)
    assert summary["out"] == str(out)
    assert summary["size_bytes"] == out.stat().st_size
    assert _sums(out.read_bytes(), source_ids) == _balances(http, auth, source_ids) == {"e2e-cli-1": 25}
    # and JSON Lines to stdout, bounded to nothing: an empty file
    empty = run_rewards(
        "export", "customers", "--app-id", runner.demo["app_id"], "--format", "jsonl",
        "--to", "1970-01-01T00:00:00Z", env=runner.store_env,
    )  # fmt: skip
    assert empty.returncode == 0, empty.stderr
    assert empty.stdout == ""
    # A bad option is named, and nothing is queued
    for args, named in ((["--from", "yesterday"], "--from"), (["--format", "xlsx"], "format")):
        refused = run_rewards("export", "ledger", "--app-id", runner.demo["app_id"], *args, env=runner.store_env)
        assert refused.returncode == 1
        assert named in json.loads(refused.stderr)["error"], refused.stderr
