"""The pause after a lost race (shared/retries.py), the one every optimistic write takes: full jitter up to
5 ms doubled per race lost, never above 0.2 s."""

from __future__ import annotations

import random
import time

import pytest

from shared.retries import pause_after_lost_race


def test_the_pause_doubles_per_race_lost_up_to_its_cap(monkeypatch: pytest.MonkeyPatch) -> None:
    bounds: list[tuple[float, float]] = []

    def the_highest(low: float, high: float) -> float:
        bounds.append((low, high))
        return high

    monkeypatch.setattr(random, "uniform", the_highest)
    slept: list[float] = []
    monkeypatch.setattr(time, "sleep", slept.append)
    for lost in range(1, 8):
        pause_after_lost_race(lost)
    assert bounds == [(0, 0.01), (0, 0.02), (0, 0.04), (0, 0.08), (0, 0.16), (0, 0.2), (0, 0.2)]
    assert slept == [high for _, high in bounds]
