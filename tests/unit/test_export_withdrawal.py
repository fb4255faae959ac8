"""An export is withdrawn by an erasure at or after the moment its worker started reading (its file may
hold what it read before the erasure), never by an earlier one."""

from __future__ import annotations

import pytest

from shared.domain.exports import withdrawn_by
from shared.storage.exports import ExportJob

STARTED = "2026-12-04T08:00:00.500Z"


def _job(started_at: str | None) -> ExportJob:
    return ExportJob(
        "exp_1", "customers", "csv", 0, 0, "succeeded", "2026-12-04T08:00:00.000Z", 0, started_at=started_at
    )


@pytest.mark.parametrize(
    ("erased_at", "withdrawn"),
    [
        (None, False),
        ("2026-12-04T08:00:00.499Z", False),  # a millisecond before the worker read: the file is clean
        (STARTED, True),  # the same millisecond: the read may have come first
        ("2026-12-04T08:00:00.501Z", True),
    ],
)
def test_an_erasure_withdraws_the_exports_that_started_at_or_before_it(erased_at: str | None, withdrawn: bool) -> None:
    assert withdrawn_by(_job(STARTED), erased_at) is withdrawn


def test_a_job_not_started_yet_is_judged_from_its_creation() -> None:
    assert withdrawn_by(_job(None), "2026-12-04T08:00:00.000Z") is True
    assert withdrawn_by(_job(None), "2026-12-03T23:59:59.999Z") is False
