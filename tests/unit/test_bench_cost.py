"""bench/cost.py as a merchant meets it on a fresh clone: a sentence saying what to run, not a traceback."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bench import cost


def test_without_measurements_it_says_which_benchmark_to_run(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cost.main(["cost.py", str(tmp_path / "bench.json")]) == 1
    assert 'make bench BENCH_ARGS="--only inprocess"' in capsys.readouterr().out


def test_measurements_without_the_in_process_part_say_the_same(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    results = tmp_path / "bench.json"
    results.write_text(json.dumps({}))
    assert cost.main(["cost.py", str(results)]) == 1
    assert "no in-process measurements" in capsys.readouterr().out
