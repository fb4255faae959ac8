"""Every log line of an API function says which application and which request it belongs to, and never
carries the caller's secret; nothing of one request leaks into the next request's lines."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from typing import Any

import pytest

from rewards_cli import apigw
from rewards_cli.lambdas import LocalContext
from shared.api.http import http_handler, new_router
from shared.observability import logger
from tests.support.api import Credentials

router = new_router()


@router.get("/log-probe", operation_id="logProbe", tags=["Stats"])
def log_probe() -> dict[str, str]:
    logger.info("inside the handler")
    return {"ok": "yes"}


handler = http_handler(router)
PROBE_CONTEXT: Any = LocalContext("probe")  # the attributes of Lambda's context that Powertools reads


@pytest.fixture
def log_lines() -> Iterator[io.StringIO]:
    stream = io.StringIO()
    handler_ = logger.registered_handler
    previous = handler_.setStream(stream)  # type: ignore[attr-defined]  # a StreamHandler
    level = logger.log_level
    logger.setLevel("INFO")
    yield stream
    logger.setLevel(level)
    handler_.setStream(previous)  # type: ignore[attr-defined]


def _lines(stream: io.StringIO) -> list[dict[str, Any]]:
    return [json.loads(line) for line in stream.getvalue().splitlines() if line.strip()]


def _event(request_id: str, app_id: str | None, authorization: str) -> dict[str, Any]:
    return apigw.proxy_event(
        method="GET",
        resource="/log-probe",
        path="/log-probe",
        headers={"Authorization": [authorization]},
        authorizer_context={"app_id": app_id} if app_id else None,
        request_id=request_id,
    )


def test_each_line_names_the_application_and_the_request(log_lines: io.StringIO, credentials: Credentials) -> None:
    response = handler(_event("req-1", credentials.app_id, credentials.authorization), PROBE_CONTEXT)

    assert response["statusCode"] == 200
    lines = _lines(log_lines)
    assert lines, "the handler logged"
    for line in lines:
        assert line["app_id"] == credentials.app_id
        assert line["correlation_id"] == "req-1"
    assert credentials.secret_key not in log_lines.getvalue()


def test_the_next_request_does_not_inherit_the_previous_application(
    log_lines: io.StringIO, credentials: Credentials
) -> None:
    handler(_event("req-1", credentials.app_id, credentials.authorization), PROBE_CONTEXT)
    log_lines.truncate(0)
    log_lines.seek(0)

    handler(_event("req-2", None, "Basic eA=="), PROBE_CONTEXT)

    lines = _lines(log_lines)
    assert lines
    for line in lines:
        assert line.get("app_id") is None
        assert line["correlation_id"] == "req-2"
