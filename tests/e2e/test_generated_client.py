"""The API contract as merchants consume it: a Python client generated from the committed openapi.json by
openapi-python-client (pinned in pyproject.toml), driving the local runner over real HTTP. A change that
breaks a generated client (a renamed operation, a field typed differently from what the API answers)
fails here."""

from __future__ import annotations

import base64
import importlib
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from rewards_cli.openapi import SPEC_PATH
from rewards_cli.openapi_examples import EXAMPLES
from tests.e2e.runner import LocalRunner
from tests.support.readme import fenced_blocks

pytestmark = pytest.mark.e2e

PACKAGE = "rewards_generated_client"


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ModuleType]:
    """The client a merchant gets from one command (README: Generating a client)."""
    root = tmp_path_factory.mktemp("client")
    bin_dir = Path(sys.executable).parent
    result = subprocess.run(  # noqa: S603 - the pinned generator, with fixed arguments
        [str(bin_dir / "openapi-python-client"), "generate", "--path", str(SPEC_PATH), "--meta", "none",
         "--output-path", str(root / PACKAGE)],
        capture_output=True, text=True, timeout=300, check=False,
        env={"PATH": f"{bin_dir}:/usr/bin:/bin"},  # its post-generation hook runs ruff from the venv
    )  # fmt: skip
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    # The generator drops what it cannot type and says so: the document must give it nothing to drop.
    assert "Warning" not in output, output
    assert "Failure" not in output, output
    sys.path.insert(0, str(root))
    try:
        yield importlib.import_module(PACKAGE)
    finally:
        sys.path.remove(str(root))
        for name in [n for n in sys.modules if n.split(".")[0] == PACKAGE]:
            del sys.modules[name]


def _module(name: str) -> Any:
    return importlib.import_module(f"{PACKAGE}.{name}")


@pytest.fixture(scope="module")
def runner(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalRunner]:
    with LocalRunner(tmp_path_factory.mktemp("runner") / "dynamodb.json") as runner:
        yield runner
        assert runner.stop() == 0, runner.output


@pytest.fixture
def client(generated: ModuleType, runner: LocalRunner) -> Any:
    demo = runner.demo
    token = base64.b64encode(f"{demo['api_key']}:{demo['secret_key']}".encode()).decode()
    return generated.AuthenticatedClient(
        base_url=runner.base_url, token=token, prefix="Basic", raise_on_unexpected_status=True
    )


def _seed_rta_campaign() -> dict[str, Any]:
    request = EXAMPLES["createCampaign"][0].request
    assert request is not None
    return request


def test_functions_are_named_after_the_operations_and_grouped_by_resource(generated: ModuleType) -> None:
    assert callable(_module("api.campaigns.create_campaign").sync_detailed)
    assert callable(_module("api.campaigns.get_reward_progress").sync)
    assert callable(_module("api.events.ingest_event").sync)
    assert callable(_module("api.customers.get_customer").sync_detailed)
    assert callable(_module("api.compatibility.invoke_event").sync)


def test_a_merchant_creates_a_campaign_sends_the_seed_events_and_reads_typed_progress(
    generated: ModuleType, client: Any
) -> None:
    models = _module("models")
    created = _module("api.campaigns.create_campaign").sync_detailed(
        client=client, body=models.CampaignCreate.from_dict(_seed_rta_campaign())
    )
    assert created.status_code == 201
    campaign = created.parsed
    assert isinstance(campaign, models.CampaignResponse)
    assert campaign.campaign_id.startswith("camp_")

    source_id = f"KMN@{uuid.uuid4().hex[:8]}"
    ingest = _module("api.events.ingest_event").sync
    for event in ({"event_name": "money_deposited", "properties": {"amount": 500}}, {"event_name": "order_success"}):
        answer = ingest(client=client, body=models.EventIn.from_dict({"source_id": source_id, **event}))
        assert isinstance(answer, models.EventResponse)

    progress = _module("api.campaigns.get_reward_progress").sync(
        client=client, source_id=source_id, campaign_id=campaign.campaign_id
    )
    assert [type(c) for c in progress] == [models.CampaignProgress]
    actions = [action for rule in progress[0].rules for action in rule.actions]
    assert all(isinstance(a, models.ActionProgress) for a in actions)
    assert [(a.progress, a.current, a.target) for a in actions] == [(50, 500, 1000), (100, 1, 1), (0, 0, 1)]
    assert [a.status.value for a in actions] == ["active", "completed", "active"]


def test_an_awt_action_reads_its_window_as_typed_fields(generated: ModuleType, client: Any) -> None:
    models = _module("models")
    rule = {"rule_name": "Order within 2 days of signup", "action_type": "AWT", "time_duration": 172800,
            "actions": [{"event_name": "signup", "target": 1}, {"event_name": "order_success", "target": 1}],
            "reward": {"type": "points", "points": 50}}  # fmt: skip
    campaign = _module("api.campaigns.create_campaign").sync(
        client=client, body=models.CampaignCreate.from_dict({"campaign_name": "AWT", "rules": [rule]})
    )
    source_id = f"awt-{uuid.uuid4().hex[:8]}"
    _module("api.events.ingest_event").sync(
        client=client, body=models.EventIn.from_dict({"source_id": source_id, "event_name": "signup"})
    )

    progress = _module("api.campaigns.get_reward_progress").sync(
        client=client, source_id=source_id, campaign_id=campaign.campaign_id
    )
    benchmark, trigger = progress[0].rules[0].actions
    assert isinstance(trigger.time_left, int)
    assert 0 < trigger.time_left <= 172800
    assert trigger.end_time - trigger.start_time == trigger.time_duration == 172800
    assert benchmark.trigger is True
    assert isinstance(benchmark.end_time, generated.types.Unset), "the benchmark action has no window end (seed 000)"


def test_a_coupon_redeems_and_reverts_with_the_seed_bodies(generated: ModuleType, client: Any) -> None:
    models = _module("models")
    code, source_id = f"SAVE{uuid.uuid4().hex[:8].upper()}", f"krish-{uuid.uuid4().hex[:8]}"
    _module("api.customers.upsert_customer").sync_detailed(
        client=client, source_id=source_id, body=models.CustomerUpsert.from_dict({"name": "Krish"})
    )
    coupon = _module("api.coupons.create_coupon").sync(
        client=client,
        body=models.CouponCreate.from_dict({"coupon_code": code, "discount": {"type": "amount", "value": 10}}),
    )
    order = {"order_id": f"ord-{uuid.uuid4().hex[:8]}", "status": "completed", "original_price_subtotal": 100,
             "selling_price_subtotal": 100,
             "items": [{"product_id": "p1", "original_price": 100, "selling_price": 100, "quantity": 1,
                        "shipping": 0}]}  # fmt: skip
    body = models.CouponApplyIn.from_dict(
        {
            "coupon_details": [{"coupon_id": coupon.coupon_id, "coupon_code": code}],
            "source_id": source_id,
            "order": order,
        }
    )
    apply = _module("api.coupons.apply_coupons").sync
    kinds = models.ApplyCouponsType

    redeemed = apply(client=client, body=body, type_=kinds.REDEEM)
    reverted = apply(client=client, body=body, type_=kinds.REVERT)

    assert isinstance(redeemed, models.ApplyResponse)
    assert (redeemed.status.value, redeemed.coupon_id, redeemed.order_id, redeemed.coupon_code) == (
        "completed",
        coupon.coupon_id,
        order["order_id"],
        code,
    )
    assert (reverted.status.value, reverted.coupon_id) == ("reverted", coupon.coupon_id)


def test_an_unknown_customer_reads_as_the_typed_error_body(generated: ModuleType, client: Any) -> None:
    models = _module("models")
    client.raise_on_unexpected_status = False
    answer = _module("api.customers.get_customer").sync_detailed(client=client, source_id="nobody-here")
    assert answer.status_code == 404
    error = answer.parsed
    assert isinstance(error, models.ErrorResponse)
    assert error.key == models.ErrorResponseKey.NOT_FOUND
    assert (error.message, error.details) == ("Resource not found", "Cannot find customer with source id nobody-here")


def test_the_readmes_client_snippet_runs_as_written(
    generated: ModuleType, runner: LocalRunner, capsys: pytest.CaptureFixture[str]
) -> None:
    """README, "The API contract": the snippet with Basic auth, on `make client`'s package and `make dev`'s
    address and credentials (the parts a merchant replaces), answers the customer."""
    snippet = next(b.text for b in fenced_blocks() if b.language == "python" and "AuthenticatedClient" in b.text)
    demo = runner.demo
    runner.client().request(
        "PUT", "/customers/KMN@123", json_body={"name": "Krish"}, authorization=runner.demo_authorization
    )
    adapted = (
        snippet.replace("rewards_engine_api_client", PACKAGE)
        .replace('b"ak_...:sk_..."', repr(f"{demo['api_key']}:{demo['secret_key']}".encode()))
        .replace('"http://127.0.0.1:3000"', repr(runner.base_url))
    )
    assert adapted.count(PACKAGE) == 2, "the snippet's imports changed"
    assert runner.base_url in adapted, "the snippet's address changed"
    exec(compile(adapted, "README.md", "exec"), {})  # noqa: S102 - the README's own example
    assert capsys.readouterr().out.split() == ["200", "0"]
