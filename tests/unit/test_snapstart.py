"""SnapStart's restore hook: registered only when Lambda initialises for a snapshot; it reseeds ``random``."""

from __future__ import annotations

import random
import sys
import types
from collections.abc import Callable

import pytest

from shared import snapstart


def test_nothing_is_registered_outside_a_snapstart_init(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_LAMBDA_INITIALIZATION_TYPE", "on-demand")
    assert snapstart.register_hooks() is False


def test_under_snapstart_the_restore_hook_reseeds_random(monkeypatch: pytest.MonkeyPatch) -> None:
    registered: list[Callable[[], None]] = []
    runtime = types.ModuleType("snapshot_restore_py")
    runtime.register_after_restore = registered.append  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "snapshot_restore_py", runtime)
    monkeypatch.setenv("AWS_LAMBDA_INITIALIZATION_TYPE", "snap-start")

    assert snapstart.register_hooks() is True
    assert len(registered) == 1
    random.seed(42)
    snapshot_draw = random.random()  # noqa: S311 - the jitter botocore draws, not a secret
    random.seed(42)  # two environments restored from one snapshot share this state
    registered[0]()
    assert random.random() != snapshot_draw  # noqa: S311
