"""Operating the runner's applications over real HTTP, with the operator's commands run against its
store: per-application rate limits, secret rotation with a grace period, disabling an application."""

from __future__ import annotations

import json
import time
from typing import Any

import pytest

from tests.e2e.runner import PLAN_REFRESH_SECONDS, HttpClient, LocalRunner, run_rewards
from tests.support.api import UNAUTHORIZED_BODY, basic

pytestmark = pytest.mark.e2e


def _rewards(runner: LocalRunner, *args: str) -> dict[str, Any]:
    done = run_rewards(*args, env=runner.store_env)
    assert done.returncode == 0, done.stderr
    result: dict[str, Any] = json.loads(done.stdout)
    return result


def _new_app(runner: LocalRunner, name: str) -> dict[str, Any]:
    return _rewards(runner, "create-app", "--name", name)


def _get(http: HttpClient, authorization: str) -> int:
    return http.request("GET", "/customers/nobody", authorization=authorization).status


def test_an_application_over_its_limit_gets_429_while_another_is_unaffected(runner: LocalRunner) -> None:
    http = runner.client()
    noisy, quiet = _new_app(runner, "noisy"), _new_app(runner, "quiet")
    limits = _rewards(runner, "set-limits", "--app-id", noisy["app_id"], "--rate", "0.1", "--burst", "2")
    assert (limits["rate"], limits["burst"]) == (0.1, 2)
    time.sleep(PLAN_REFRESH_SECONDS)
    noisy_auth = basic(noisy["api_key"], noisy["secret_key"])
    quiet_auth = basic(quiet["api_key"], quiet["secret_key"])

    noisy_answers = [http.request("GET", "/customers/nobody", authorization=noisy_auth) for _ in range(5)]
    quiet_statuses = [_get(http, quiet_auth) for _ in range(5)]

    assert [a.status for a in noisy_answers] == [404, 404, 429, 429, 429], "a burst of 2, then throttled"
    throttled = noisy_answers[-1]
    assert throttled.headers["Retry-After"] == "1"
    assert throttled.json() == {
        "code": 429,
        "key": "rate_limited",
        "message": "Too many requests",
        "details": "request rate limit exceeded; retry later",
        "request_id": throttled.headers["x-request-id"],
    }
    assert quiet_statuses == [404] * 5, "the default plan's limits are the other application's own"

    back = _rewards(runner, "set-limits", "--app-id", noisy["app_id"], "--default")
    assert back["plan"] == "default"
    time.sleep(PLAN_REFRESH_SECONDS)
    assert _get(http, noisy_auth) == 404, "back on the default plan, with a full bucket"


def test_a_rotated_secret_works_beside_the_old_one_during_the_grace_period(runner: LocalRunner) -> None:
    http = runner.client()
    app = _new_app(runner, "rotating")
    old_auth = basic(app["api_key"], app["secret_key"])

    rotated = _rewards(runner, "rotate-secret", "--app-id", app["app_id"])

    assert rotated["api_key"] == app["api_key"], "the key stays; only the secret changes"
    assert rotated["secret_key"] != app["secret_key"]
    assert rotated["previous_secret_valid_until"] > time.strftime(
        "%Y-%m-%dT%H:%M:%S", time.gmtime(time.time() + 23.9 * 3600)
    )
    assert _get(http, basic(app["api_key"], rotated["secret_key"])) == 404
    assert _get(http, old_auth) == 404, "the old secret still works for the default 24 h"


def test_without_a_grace_period_the_old_secret_stops_at_once(runner: LocalRunner) -> None:
    http = runner.client()
    app = _new_app(runner, "leaked")

    rotated = _rewards(runner, "rotate-secret", "--app-id", app["app_id"], "--grace-hours", "0")

    old = http.request("GET", "/customers/nobody", authorization=basic(app["api_key"], app["secret_key"]))
    assert old.status == 401
    assert old.json() == {**UNAUTHORIZED_BODY, "request_id": old.headers["x-request-id"]}
    assert _get(http, basic(app["api_key"], rotated["secret_key"])) == 404


def test_a_disabled_application_gets_the_one_401_even_with_a_cached_authorization(runner: LocalRunner) -> None:
    http = runner.client()
    app = _new_app(runner, "leaving")
    auth = basic(app["api_key"], app["secret_key"])
    assert _get(http, auth) == 404  # the authorizer's answer is now cached for this header

    disabled = _rewards(runner, "disable-app", "--app-id", app["app_id"])
    time.sleep(PLAN_REFRESH_SECONDS)

    assert disabled["status"] == "disabled"
    answer = http.request("GET", "/customers/nobody", authorization=auth)
    assert answer.status == 401
    assert answer.json() == {**UNAUTHORIZED_BODY, "request_id": answer.headers["x-request-id"]}
    rotation = run_rewards("rotate-secret", "--app-id", app["app_id"], env=runner.store_env)
    assert rotation.returncode == 1
    assert "Cannot find active application" in rotation.stderr


def test_operator_commands_name_an_unknown_application(runner: LocalRunner) -> None:
    for command in (["disable-app"], ["rotate-secret"], ["set-limits", "--rate", "1", "--burst", "1"]):
        done = run_rewards(*command, "--app-id", "app_unknown", env=runner.store_env)
        assert done.returncode == 1, command
        assert json.loads(done.stderr)["details"] == "Cannot find application app_unknown"
