"""Every request the README shows, run as written: each fenced shell block with a `curl` runs in bash
against the local runner (or a deployed stage), so that an example can never rot.

A request answers a 2xx unless its comment states another status (`# → 404 ...`); the test counts the
requests that ran against the block's `curl` commands, so a request that never ran fails too. The set-up
lines the test stands in for are listed in tests/support/readme.py, each with why; every other line
runs as written.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from tests.e2e.conftest import Stage
from tests.e2e.runner import child_environment
from tests.support.readme import Block, fenced_blocks

BLOCK_TIMEOUT_SECONDS = 120
# The walkthrough, twelve how-tos (campaigns, coupons, rewards, points, earning rules and orders, tiers,
# erasure, imports, the audit log, exports, webhooks, dashboard), Rehook's calls, the local webhook round
# trip: fewer means an area lost its examples.
RUNNABLE_BLOCKS = 15

# The real curl, its answer printed (an error's also on stderr) and its status kept, one per request.
CURL_RECORDER = """
curl() {
  local body status
  body=$(mktemp)
  if ! status=$(command curl --silent --show-error --output "$body" --write-out '%{http_code}' "$@"); then
    echo "curl could not complete: curl $*" >&2
    exit 90
  fi
  printf '%s\\n' "$status" >> "$README_STATUSES"
  if [ "$status" -ge 400 ]; then echo "$status: $(cat "$body")" >&2; fi
  cat "$body"
  echo
  rm -f "$body"
}
"""

EXAMPLES = [block for block in fenced_blocks() if block.requests]


def test_every_curl_in_the_readme_is_in_a_shell_block_that_runs() -> None:
    elsewhere = [block.line for block in EXAMPLES if block.language not in ("bash", "sh")]
    assert not elsewhere, f"README lines {elsewhere}: curl outside a ```bash block is not run by this test"
    assert len(EXAMPLES) >= RUNNABLE_BLOCKS, f"{len(EXAMPLES)} README blocks with requests: an area lost its examples"


@pytest.mark.parametrize("block", EXAMPLES, ids=[f"README-line-{block.line}" for block in EXAMPLES])
def test_a_readme_example_runs_as_written(block: Block, stage: Stage, tmp_path: Path) -> None:
    statuses = tmp_path / "statuses"
    statuses.touch()
    env = child_environment(
        {
            "API": stage.base_url,
            "AUTH": f"{stage.api_key}:{stage.secret_key}",
            "README_STATUSES": str(statuses),
            "PATH": os.environ.get("PATH", ""),
        }
    )
    run = subprocess.run(  # noqa: S603 - the README's own examples, against our runner
        ["bash", "-c", f"set -euo pipefail\n{CURL_RECORDER}\n{block.script}"],  # noqa: S607 - bash from PATH
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=BLOCK_TIMEOUT_SECONDS,
        check=False,
    )
    report = f"README line {block.line}:\n--- stdout\n{run.stdout}\n--- stderr\n{run.stderr}"
    assert run.returncode == 0, report
    seen = [int(status) for status in statuses.read_text().split()]
    requests = block.requests
    assert len(seen) == len(requests), f"{len(requests)} curl commands but {len(seen)} requests ran\n{report}"
    for request, status in zip(requests, seen, strict=True):
        wanted = "a 2xx" if request.status is None else str(request.status)
        answered_as_stated = 200 <= status < 300 if request.status is None else status == request.status
        assert answered_as_stated, (
            f"README line {request.line} answered {status}, not {wanted}:\n{request.text}\n{report}"
        )
