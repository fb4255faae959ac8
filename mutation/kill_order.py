"""pytest plugin for mutation runs (mutation/mutate.py loads it): a mutant's tests run in the order most
likely to kill it first, so that with -x (mutmut's) a killed mutant's run ends at its first failure:
first the tests that killed the most mutants of the same function in the module's last run, then those
that killed the most of the module, then the fastest (durations from mutmut's traced run). Each test
that fails under a mutant is logged, and the module's record keeps the counts for the next run
(`kills` in mutation/results/<module>.json). On a fresh clone without them, the fastest run first."""

from __future__ import annotations

import json
import os
from collections import Counter
from pathlib import Path

import pytest

# Set by mutation/mutate.py: the last runs' kills ({function: {test: count}}), read; this run's, appended.
KILLS = os.environ.get("MUTATION_KILLS", "")
KILL_LOG = os.environ.get("MUTATION_KILL_LOG", "")


def _mutant() -> str:
    """The mutant this process tests (mutmut's children), or "" (its traced and clean runs)."""
    name = os.environ.get("MUTANT_UNDER_TEST", "")
    return name if "__mutmut_" in name else ""


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    from mutmut.state import state

    durations = state().duration_by_test
    kills: dict[str, dict[str, int]] = json.loads(Path(KILLS).read_text()) if KILLS and Path(KILLS).is_file() else {}
    of_function = kills.get(_mutant().partition("__mutmut_")[0], {})
    of_module: Counter[str] = sum((Counter(counts) for counts in kills.values()), Counter())
    items.sort(
        key=lambda item: (-of_function.get(item.nodeid, 0), -of_module[item.nodeid], durations.get(item.nodeid, 0.0))
    )


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    mutant = _mutant()
    if report.failed and mutant and KILL_LOG:
        # One short line per append: the two children at a time never interleave within a line.
        with open(KILL_LOG, "a") as log:
            log.write(json.dumps([mutant, report.nodeid]) + "\n")
