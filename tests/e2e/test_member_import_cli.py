"""`rewards import customers` against the local runner, as a merchant runs it: a CSV of members with one bad
email, interrupted (SIGKILL) once a chunk is counted and resumed from its checkpoint, read back exactly
over the API, then imported again changing nothing."""

from __future__ import annotations

import csv
import json
import subprocess
import time
from pathlib import Path
from typing import Any

from rewards_cli.template import PROJECT_ROOT
from tests.e2e.runner import HttpClient, LocalRunner, child_environment, rewards_command, run_rewards
from tests.support.api import basic

MEMBERS = 1_100  # three chunks of 500 rows
BAD_EMAIL_ROW = 7
IMPORT_TIMEOUT_SECONDS = 600
TIERS = ("Bronze", "Silver", "Gold")


def expiry(i: int) -> str:
    return f"2031-0{1 + i % 9}-01T00:00:00Z"


def member_file(path: Path) -> Path:
    with path.open("w", newline="") as stream:
        writer = csv.writer(stream)
        writer.writerow(["source_id", "name", "email", "tier", "attributes.city", "points", "expires_at"])
        for i in range(MEMBERS):
            email = "not-an-email" if i == BAD_EMAIL_ROW else f"m{i}@example.org"
            writer.writerow(
                [f"imp-{i}", f"Member {i}", email, TIERS[i % 3], "Oslo", 10 + i, f"2031-0{1 + i % 9}-01T00:00:00Z"]
            )
    return path


def run_import(file: Path, app_id: str, env: dict[str, str]) -> tuple[dict[str, Any], str]:
    done = subprocess.run(  # noqa: S603 - our own command, no shell
        [*rewards_command(), "import", "customers", str(file), "--app-id", app_id],
        env=child_environment(env),
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=IMPORT_TIMEOUT_SECONDS,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    summary: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return summary, done.stderr


def interrupted_after_a_chunk(file: Path, app_id: str, env: dict[str, str]) -> None:
    """Start the import and kill it once its progress shows a counted chunk."""
    process = subprocess.Popen(  # noqa: S603 - our own command, no shell
        [*rewards_command(), "import", "customers", str(file), "--app-id", app_id],
        env=child_environment(env),
        cwd=PROJECT_ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert process.stderr is not None
    deadline = time.monotonic() + IMPORT_TIMEOUT_SECONDS
    seen = ""
    while "rows" not in seen and time.monotonic() < deadline and process.poll() is None:
        seen += process.stderr.read(1)
    process.kill()
    process.wait()
    assert "/1100 rows" in seen, seen


def test_an_interrupted_import_resumes_reads_back_exactly_and_runs_again_changing_nothing(
    runner: LocalRunner, tmp_path: Path
) -> None:
    created = run_rewards("create-app", "--name", "importer", env=runner.store_env)
    assert created.returncode == 0, created.stderr
    app = json.loads(created.stdout)
    http, auth = HttpClient(runner.base_url), basic(app["api_key"], app["secret_key"])
    file = member_file(tmp_path / "members.csv")

    # Given an import cut off after its first chunk
    interrupted_after_a_chunk(file, app["app_id"], runner.store_env)
    assert (tmp_path / "members.csv.import.json").exists()

    # When it runs again, it resumes the same job and completes it
    summary, progress = run_import(file, app["app_id"], runner.store_env)
    assert "resuming import" in progress
    assert "rows/s" in progress
    assert "ETA" in progress
    assert summary["status"] == "completed"
    assert summary["total_rows"] == MEMBERS
    assert summary["created"] + summary["updated"] + summary["unchanged"] == MEMBERS - 1
    assert summary["rejected"] == 1
    assert not (tmp_path / "members.csv.import.json").exists()

    # Then the bad email is reported with its line (the header is line 1), and every other member reads back
    with (tmp_path / "members.csv.rejected.csv").open() as report:
        rows = list(csv.DictReader(report))
    assert [(row["line"], row["source_id"]) for row in rows] == [(str(BAD_EMAIL_ROW + 2), f"imp-{BAD_EMAIL_ROW}")]
    assert rows[0]["reason"].startswith("email:")
    assert http.request("GET", f"/customers/imp-{BAD_EMAIL_ROW}", authorization=auth).status == 404
    for i in (0, 1, 2, 499, 500, 501, MEMBERS - 1):
        member = http.request("GET", f"/customers/imp-{i}", authorization=auth).json()
        assert (member["email"], member["tier"], member["attributes"]) == (
            f"m{i}@example.org",
            TIERS[i % 3],
            {"city": "Oslo"},
        )
        assert member["points"]["balance"] == 10 + i
        assert member["points"]["expiring"] == [{"points": 10 + i, "expires_at": expiry(i).replace("Z", ".000Z")}]
        ledger = http.request("GET", f"/customers/imp-{i}/transactions", authorization=auth).json()["data"]
        assert [(entry["reason"], entry["points"]) for entry in ledger] == [("import", 10 + i)]

    # And a second run of the same file changes nothing
    before = http.request("GET", "/customers/imp-500", authorization=auth).json()
    again, _ = run_import(file, app["app_id"], runner.store_env)
    assert (again["created"], again["updated"], again["unchanged"], again["rejected"]) == (0, 0, MEMBERS - 1, 1)
    assert again["import_id"] != summary["import_id"]
    assert http.request("GET", "/customers/imp-500", authorization=auth).json() == before
