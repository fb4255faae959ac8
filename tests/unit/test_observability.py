"""Powertools Tracer is opt-in: off, a handler is left as it is; on, it runs under the Tracer."""

from __future__ import annotations

from typing import Any

import pytest

from shared import observability
from shared.settings import get_settings


def handler(event: dict[str, Any], context: Any) -> str:
    return "done"


@pytest.fixture
def tracer_setting(monkeypatch: pytest.MonkeyPatch) -> Any:
    def set_to(value: str) -> None:
        monkeypatch.setenv("POWERTOOLS_TRACER_ENABLED", value)
        get_settings.cache_clear()

    yield set_to
    get_settings.cache_clear()


def test_off_by_default_leaves_the_handler_alone(tracer_setting: Any) -> None:
    tracer_setting("false")
    assert observability.traced(handler) is handler


def test_on_wraps_the_handler_in_the_tracer(tracer_setting: Any) -> None:
    tracer_setting("true")
    wrapped = observability.traced(handler)
    assert wrapped is not handler
    assert wrapped({}, None) == "done"
