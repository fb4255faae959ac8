"""pytest plugin for mutation runs: a mutant's tests run fastest first (by the durations mutmut measured in
its traced run), so that with -x the first failing test ends the mutant's run early."""

from __future__ import annotations

import pytest


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    from mutmut.state import state

    durations = state().duration_by_test
    items.sort(key=lambda item: durations.get(item.nodeid, 0.0))
