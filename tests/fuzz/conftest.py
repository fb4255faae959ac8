"""The fuzz suites' seeds, stated at the top of every run's output (tests/fuzz/test_openapi_fuzz.py)."""

from __future__ import annotations

import pytest


def pytest_report_header(config: pytest.Config) -> str:
    from tests.fuzz.test_openapi_fuzz import EXAMPLES, REPLAY

    return f"fuzz: {EXAMPLES} examples per operation and test; fixed seed (derandomized) and {REPLAY}"
