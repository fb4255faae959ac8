"""An application's credentials over their life, through the real authorizer and gateway: a rotated
secret works beside the old one until the grace period ends; a disabled application gets the one 401;
the authorizer names the application's usage plan key; the operator's commands say what they did."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest

from rewards_cli import cli
from rewards_cli.gateway import LocalGateway
from rewards_cli.template import RateLimits, load
from rewards_cli.usage_plans import KeyPlan, UsagePlans, store_plan
from shared import clock
from shared.domain.applications import (
    DEFAULT_GRACE_SECONDS,
    disable_application,
    rotate_secret,
    set_rate_limits,
)
from shared.errors import NotFound, ValidationFailed
from tests.support.api import UNAUTHORIZED_BODY, ApiClient, Credentials, basic

NOW = 1_800_000_000


@pytest.fixture
def frozen(monkeypatch: pytest.MonkeyPatch) -> dict[str, int]:
    now = {"t": NOW}
    monkeypatch.setattr(clock, "now_epoch", lambda: now["t"])
    return now


def status_with(credentials: Credentials, secret_key: str) -> int:
    """A fresh gateway (nothing cached by the authorizer) asked with ``secret_key``."""
    client = ApiClient(LocalGateway(load()), credentials)
    return client.request("GET", "/customers/nobody", authorization=basic(credentials.api_key, secret_key)).status


def test_a_rotated_secret_works_beside_the_old_one_until_the_grace_period_ends(
    credentials: Credentials, frozen: dict[str, int]
) -> None:
    rotated = rotate_secret(credentials.app_id)

    assert rotated.api_key == credentials.api_key
    assert rotated.secret_key != credentials.secret_key
    assert rotated.previous_valid_until == clock.iso_from_epoch_ms((NOW + DEFAULT_GRACE_SECONDS) * 1000)
    assert status_with(credentials, rotated.secret_key) == 404
    frozen["t"] = NOW + DEFAULT_GRACE_SECONDS - 1
    assert status_with(credentials, credentials.secret_key) == 404, "the old secret, one second before the end"
    frozen["t"] = NOW + DEFAULT_GRACE_SECONDS
    assert status_with(credentials, credentials.secret_key) == 401, "the old secret at the end of the grace period"
    assert status_with(credentials, rotated.secret_key) == 404


def test_a_zero_grace_period_stops_the_old_secret_at_once(credentials: Credentials, frozen: dict[str, int]) -> None:
    rotated = rotate_secret(credentials.app_id, grace_seconds=0)
    assert status_with(credentials, credentials.secret_key) == 401
    assert status_with(credentials, rotated.secret_key) == 404


def test_a_second_rotation_ends_the_first_secrets_grace(credentials: Credentials, frozen: dict[str, int]) -> None:
    first = rotate_secret(credentials.app_id)
    second = rotate_secret(credentials.app_id)
    assert status_with(credentials, credentials.secret_key) == 401, "only one previous secret is kept"
    assert status_with(credentials, first.secret_key) == 404
    assert status_with(credentials, second.secret_key) == 404


@pytest.mark.parametrize("hours", [-1, 30 * 24 + 1])
def test_a_grace_period_out_of_bounds_is_refused(credentials: Credentials, hours: int) -> None:
    with pytest.raises(ValidationFailed) as refused:
        rotate_secret(credentials.app_id, grace_seconds=hours * 3600)
    assert refused.value.details == "grace period must be 0 to 720 hours"


def test_a_disabled_application_gets_the_one_401_with_every_secret(
    credentials: Credentials, other_credentials: Credentials, frozen: dict[str, int]
) -> None:
    rotated = rotate_secret(credentials.app_id)
    disable_application(credentials.app_id)

    for secret in (credentials.secret_key, rotated.secret_key):
        assert status_with(credentials, secret) == 401
    assert status_with(other_credentials, other_credentials.secret_key) == 404, "the other application is untouched"
    with pytest.raises(NotFound) as refused:
        rotate_secret(credentials.app_id)
    assert refused.value.details == f"Cannot find active application {credentials.app_id}"


@pytest.mark.parametrize(
    "operation",
    [rotate_secret, disable_application, lambda app_id: set_rate_limits(app_id, 1, 1)],
    ids=["rotate", "disable", "limits"],
)
def test_operations_on_an_unknown_application_are_not_found(table: str, operation: Callable[[str], Any]) -> None:
    with pytest.raises(NotFound) as refused:
        operation("app_nope")
    assert refused.value.details == "Cannot find application app_nope"


@pytest.mark.parametrize(("rate", "burst"), [(0, 1), (1, 0), (1, None), (None, 1), (-1, 5)])
def test_limits_must_be_positive_and_given_together(
    credentials: Credentials, rate: float | None, burst: int | None
) -> None:
    with pytest.raises(ValidationFailed):
        set_rate_limits(credentials.app_id, rate, burst)


def test_the_authorizer_returns_the_application_key_for_its_usage_plan(
    api: ApiClient, credentials: Credentials
) -> None:
    function = load().functions[load().authorizer.function_id]
    from rewards_cli import apigw
    from rewards_cli.lambdas import FunctionPool

    event = apigw.authorizer_event(
        apigw.proxy_event(
            method="GET",
            resource="/customers/{source_id}",
            path="/customers/x",
            headers={"Authorization": [credentials.authorization]},
        )
    )
    policy = FunctionPool().invoke(function, event)
    assert policy["usageIdentifierKey"] == credentials.api_key
    # the key (never the secret) names the credential in the audit log
    assert policy["context"] == {"app_id": credentials.app_id, "api_key": credentials.api_key}
    assert credentials.secret_key not in json.dumps(policy)


# ------------------------------------------------------------------------------ rate limits in process


def test_an_application_over_its_own_limit_is_throttled_while_another_is_not(
    credentials: Credentials, other_credentials: Credentials
) -> None:
    now = {"t": 0.0}
    defaults = load().default_limits
    assert defaults is not None
    gateway = LocalGateway(load(), usage_plans=UsagePlans(defaults, store_plan, clock=lambda: now["t"]))
    set_rate_limits(credentials.app_id, 1, 2)
    noisy, quiet = ApiClient(gateway, credentials), ApiClient(gateway, other_credentials)

    statuses = [noisy.request("GET", "/customers/nobody").status for _ in range(3)]
    throttled = noisy.request("GET", "/customers/nobody")
    others = [quiet.request("GET", "/customers/nobody").status for _ in range(3)]
    now["t"] += 1.0
    recovered = noisy.request("GET", "/customers/nobody").status

    assert statuses == [404, 404, 429]
    assert throttled.status == 429
    assert throttled.header("Retry-After") == "1"
    assert throttled.json()["key"] == "rate_limited"
    assert others == [404, 404, 404]
    assert recovered == 404, "one token back after a second at 1 request/s"


def test_a_disabled_application_is_refused_even_with_a_cached_authorization(credentials: Credentials) -> None:
    now = {"t": 0.0}
    defaults = load().default_limits
    assert defaults is not None
    gateway = LocalGateway(load(), usage_plans=UsagePlans(defaults, store_plan, clock=lambda: now["t"]))
    client = ApiClient(gateway, credentials)
    assert client.request("GET", "/customers/nobody").status == 404

    disable_application(credentials.app_id)
    now["t"] += 1.0
    refused = client.request("GET", "/customers/nobody")

    assert refused.status == 401
    assert {k: v for k, v in refused.json().items() if k != "request_id"} == UNAUTHORIZED_BODY


# ------------------------------------------------------------------------------ the operator's commands


@pytest.fixture
def command(table: str, restored_environ: None, capsys: pytest.CaptureFixture[str]) -> Any:
    def run(*args: str) -> tuple[int, Any]:
        code = cli.main(list(args))
        out, err = capsys.readouterr()
        return code, json.loads(out if code == 0 else err)

    return run


def test_the_commands_print_what_they_did(command: Any, credentials: Credentials) -> None:
    code, rotated = command("rotate-secret", "--app-id", credentials.app_id, "--grace-hours", "2")
    assert code == 0
    assert set(rotated) == {"app_id", "api_key", "secret_key", "previous_secret_valid_until"}
    code, limits = command("set-limits", "--app-id", credentials.app_id, "--rate", "5", "--burst", "10")
    assert (code, limits["rate"], limits["burst"]) == (0, 5.0, 10)
    code, default = command("set-limits", "--app-id", credentials.app_id, "--default")
    assert (code, default["plan"]) == (0, "default")
    code, disabled = command("disable-app", "--app-id", credentials.app_id)
    assert code == 0
    assert disabled["effective"] == "within 300 s (the authorizer's cache TTL)"


def test_an_export_for_an_unknown_application_is_refused_before_any_job(command: Any, table: str) -> None:
    """It queued a job under an application nobody has and wrote an empty file, as if the export succeeded."""
    from shared.storage import dynamodb

    before = dynamodb.client().scan(TableName=table, Select="COUNT")["Count"]
    code, error = command("export", "ledger", "--app-id", "app_nope", "--wait", "0")
    assert (code, error["details"]) == (1, "Cannot find application app_nope")
    assert dynamodb.client().scan(TableName=table, Select="COUNT")["Count"] == before


@pytest.mark.parametrize(
    "args",
    [
        ["set-limits", "--rate", "5"],
        ["set-limits", "--default", "--rate", "5", "--burst", "5"],
        ["set-limits"],
    ],
)
def test_set_limits_wants_rate_and_burst_or_default(command: Any, credentials: Credentials, args: list[str]) -> None:
    code, error = command(*args, "--app-id", credentials.app_id)
    assert code == 1
    assert error["details"] in (
        "give --rate and --burst, or --default",
        "rate and burst are set together (or neither, for the default plan)",
    )


@pytest.mark.parametrize(
    "args",
    [
        ["set-limits", "--rate", "inf", "--burst", "5"],
        ["set-limits", "--rate", "nan", "--burst", "5"],
        ["set-limits", "--rate", "1e308", "--burst", "5"],
        ["rotate-secret", "--grace-hours", "inf"],
        ["rotate-secret", "--grace-hours", "nan"],
        ["rotate-secret", "--grace-hours", "1e308"],
    ],
)
def test_a_number_that_is_not_finite_is_a_usage_error_not_a_traceback(
    credentials: Credentials, capsys: pytest.CaptureFixture[str], args: list[str]
) -> None:
    with pytest.raises(SystemExit) as exited:
        cli.main([*args, "--app-id", credentials.app_id])
    assert exited.value.code == 2
    assert "must be a finite number" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("rate", "burst"),
    [("10000.5", "5"), ("5", "5001"), ("5", "99999999999999999999"), ("1e14", "5")],
)
def test_limits_above_api_gateways_own_are_refused_and_nothing_changes(
    command: Any, credentials: Credentials, rate: str, burst: str
) -> None:
    assert command("set-limits", "--app-id", credentials.app_id, "--rate", "5", "--burst", "10")[0] == 0
    code, error = command("set-limits", "--app-id", credentials.app_id, "--rate", rate, "--burst", burst)
    assert (code, error["details"]) == (1, "rate must be above 0 and at most 10000, burst 1 to 5000")
    assert store_plan(credentials.api_key) == KeyPlan(RateLimits(5.0, 10))
