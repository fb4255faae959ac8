"""The heat model's figures (bench/heat.py: in process over moto, every call charged at botocore's client)
agree within 10% with a count of the same requests through the local runner (its embedded store over
HTTP, its outbox; every request charged at the store): per route, per partition pattern, and the rate
each route reaches."""

from __future__ import annotations

import json
import math
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from rewards_cli.template import PROJECT_ROOT

TOLERANCE = 0.10


def _heat(out: Path, *args: str) -> dict[str, Any]:
    subprocess.run(  # noqa: S603 - our own module
        [sys.executable, "-m", "bench.heat", "--small", *args, str(out)],
        cwd=PROJECT_ROOT,
        stdout=subprocess.DEVNULL,
        timeout=300,
        check=True,
    )
    result: dict[str, Any] = json.loads(out.read_text())
    return result


@pytest.fixture(scope="module")
def counts(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict[str, Any], dict[str, Any]]:
    folder = tmp_path_factory.mktemp("heat")
    return _heat(folder / "model.json"), _heat(folder / "runner.json", "--counted-by", "runner")


def _close(model: float | None, runner: float | None) -> bool:
    if model is None or runner is None:
        return model == runner
    return math.isclose(model, runner, rel_tol=TOLERANCE, abs_tol=1e-9)


def test_every_request_of_both_counts_succeeded(counts: tuple[dict[str, Any], dict[str, Any]]) -> None:
    for result in counts:
        statuses = result["counted"]["statuses"]
        assert statuses
        assert all(set(by_status) <= {"200", "201"} for by_status in statuses.values()), statuses


def test_the_model_and_the_runner_agree_per_route_and_partition_pattern(
    counts: tuple[dict[str, Any], dict[str, Any]],
) -> None:
    model, runner = ({row["label"]: row for row in result["model"]["routes"]} for result in counts)
    assert model.keys() == runner.keys()
    for label, row in model.items():
        other = runner[label]
        assert row["patterns"].keys() == other["patterns"].keys(), label
        assert any(p["read_units"] or p["write_units"] for p in row["patterns"].values()) or "fan-out" in label, label
        for name, units in row["patterns"].items():
            theirs = other["patterns"][name]
            # a shard is chosen by a random event id: which shard runs hottest differs between two runs
            figures = ("read_units", "write_units") + (("ceiling_per_second",) if units["keys"] == 1 else ())
            for figure in figures:
                assert _close(units[figure], theirs[figure]), (label, name, figure, units, theirs)
        if row["hottest"] is None or row["patterns"][row["hottest"]]["keys"] == 1:
            assert _close(row["ceiling_per_second"], other["ceiling_per_second"]), label
