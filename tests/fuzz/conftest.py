"""The fuzz suites' seeds, stated at the top of a run and with every failure of the rotating suite, so
that it can be replayed (tests/fuzz/test_openapi_fuzz.py)."""

from __future__ import annotations

from collections.abc import Generator

import pytest


def pytest_report_header(config: pytest.Config) -> str:
    from tests.fuzz.test_openapi_fuzz import EXAMPLES, REPLAY

    return f"fuzz: {EXAMPLES} examples per operation and test; fixed seed (derandomized) and {REPLAY}"


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    report: pytest.TestReport = yield
    if report.failed and "rotating_seed" in item.name:
        from tests.fuzz.test_openapi_fuzz import REPLAY

        report.sections.append(("fuzz seed", REPLAY))
    return report
