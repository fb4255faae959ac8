"""Settings are validated when a process starts: a missing or malformed variable is named, never defaulted
to some table."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator

import pytest

from rewards_cli.template import PROJECT_ROOT, load
from shared.settings import SettingsError, get_settings


@pytest.fixture
def fresh_settings() -> Iterator[None]:
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


def test_the_test_environment_is_read(fresh_settings: None) -> None:
    settings = get_settings()
    assert settings.table_name == os.environ["TABLE_NAME"]
    assert settings.idempotency_ttl_seconds == 86400
    assert settings.max_event_future_seconds == 300


@pytest.mark.parametrize("value", ["", "   "])
def test_a_missing_table_name_is_named(fresh_settings: None, monkeypatch: pytest.MonkeyPatch, value: str) -> None:
    monkeypatch.setenv("TABLE_NAME", value)
    with pytest.raises(SettingsError, match="TABLE_NAME is not set"):
        get_settings()


def test_a_missing_region_is_named(fresh_settings: None, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("AWS_REGION", raising=False)
    monkeypatch.delenv("AWS_DEFAULT_REGION", raising=False)
    with pytest.raises(SettingsError, match="AWS_REGION is not set"):
        get_settings()


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("IDEMPOTENCY_TTL_SECONDS", "a day", "IDEMPOTENCY_TTL_SECONDS must be a whole number of seconds"),
        ("IDEMPOTENCY_TTL_SECONDS", "0", "IDEMPOTENCY_TTL_SECONDS must be positive"),
        ("MAX_EVENT_FUTURE_SECONDS", "-5", "MAX_EVENT_FUTURE_SECONDS must be positive"),
        ("POWERTOOLS_TRACER_ENABLED", "yes", "POWERTOOLS_TRACER_ENABLED must be true or false"),
    ],
)
def test_a_malformed_value_is_named(
    fresh_settings: None, monkeypatch: pytest.MonkeyPatch, name: str, value: str, message: str
) -> None:
    monkeypatch.setenv(name, value)
    with pytest.raises(SettingsError, match=message):
        get_settings()


def test_the_smallest_values_are_accepted(fresh_settings: None, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("IDEMPOTENCY_TTL_SECONDS", "1")
    monkeypatch.setenv("MAX_EVENT_FUTURE_SECONDS", "1")
    assert (get_settings().idempotency_ttl_seconds, get_settings().max_event_future_seconds) == (1, 1)


_IMPORT_HANDLER = """
import importlib.util, sys
spec = importlib.util.spec_from_file_location("handler", sys.argv[1])
module = importlib.util.module_from_spec(spec)
spec.loader.exec_module(module)
"""


@pytest.mark.parametrize("function_id", list(load().functions))
def test_a_function_without_its_table_fails_its_cold_start_naming_the_variable(function_id: str) -> None:
    environment = {k: v for k, v in os.environ.items() if k != "TABLE_NAME"}
    done = subprocess.run(  # noqa: S603 - this interpreter, our own module
        [sys.executable, "-c", _IMPORT_HANDLER, str(load().functions[function_id].module_path)],
        env=environment | {"PYTHONPATH": str(PROJECT_ROOT)},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode != 0
    assert "SettingsError: TABLE_NAME is not set" in done.stderr, done.stderr[-2000:]
