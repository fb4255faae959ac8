"""Each function loads its own aggregate's models and no other's (README "Cold start and SnapStart"): the
rule is stated once, below, over every function of template.yaml, and checked on what importing each
handler really loads, so a module-level import that drags another aggregate's models into a route's cold
start fails here rather than showing up months later in a bench.

One fresh interpreter imports the third-party packages once, then forks a child per function that imports
its handler from the function's own directory, as Lambda does, and reports the ``shared`` modules loaded.
"""

from __future__ import annotations

import json
import subprocess
import sys
from functools import cache
from pathlib import Path

from rewards_cli.template import load

_PROBE = r"""
import json, os, sys
sys.path.insert(0, os.getcwd())
import boto3, pydantic, aws_lambda_powertools.event_handler  # loaded once, before the forks
loaded = {}
for name, code_dir, module in json.loads(sys.argv[1]):
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(read)
        sys.path.insert(0, code_dir)
        __import__(module)
        with os.fdopen(write, "w") as out:
            json.dump(sorted(m for m in sys.modules if m == "shared" or m.startswith("shared.")), out)
        os._exit(0)
    os.close(write)
    with os.fdopen(read) as answer:
        loaded[name] = json.load(answer)
    os.waitpid(pid, 0)
print(json.dumps(loaded))
"""

CAMPAIGNS = {"CampaignsCreate", "CampaignsGet", "CampaignsList", "CampaignsUpdate", "CampaignsDelete"}
EVENTS = {"EventsIngest", "EventsInvoke"}
COUPONS = {"CouponsCreate", "CouponsGet", "CouponsList", "CouponsUpdate", "CouponCodesImport"}
ORDERS = {"CouponsApply", "CouponsValidate", "CouponRedemptionsList", "CustomerCouponsList"}
CATALOGUE = {"RewardsCreate", "RewardsGet", "RewardsList", "RewardsUpdate", "RewardsDelete", "CustomerRewardsList"}
REDEMPTIONS = {"RewardRedeem", "RedemptionCancel", "RedemptionsList"}
# Redeeming and cancelling write points and issue or void coupons; a member's list of redemptions reads
# their records only (shared/domain/redemption_history.py), not the catalogue's settings and rules.
REDEEM_CANCEL = REDEMPTIONS - {"RedemptionsList"}
CAPILLARY = {"BrandRewardGet", "BrandRewardsList", "UserVouchersList"}
CUSTOMERS = {"CustomersPut", "CustomersGet", "CustomersList", "CustomersIdentify"}
POINTS = {"PointsPolicyGet", "PointsPolicyPut", "CustomerTransactionsCreate", "CustomerTransactionsList",
          "TransactionReverse", "PointsSettler"}  # fmt: skip
PROGRESS = {"RewardProgressGet", "WindowCloser"}
WEBHOOKS = {"WebhooksCreate", "WebhooksGet", "WebhooksList", "WebhooksDelete", "WebhookDeliveriesList",
            "WebhookDeliveryRetry", "WebhookDeliverer"}  # fmt: skip
PUBLISHER = {"OutboxPublisher"}
# Earning rules match order items in the coupons' grammar and events in the campaigns' (the conditions'
# models only: shared/api/schemas/coupon_conditions.py and campaign_conditions.py); orders credit points,
# feed campaigns and revert coupon redemptions on cancel; events sent to POST /events are judged by the
# earning rules on their name (EVENTS load the rules and their matching); a customer's export and erasure
# read every part of the customer.
EARNING = {"EarningRulesCreate", "EarningRulesGet", "EarningRulesList", "EarningRulesUpdate", "EarningRulesDelete"}
ORDER_FLOW = {"OrdersCreate", "OrdersGet", "OrderReturnsCreate", "OrderCancel"}
ERASURE = {"CustomerExport", "CustomerErase"}
# Every management change adds its audit entry (shared/storage/audit.py, no models); only the log's
# route renders them.
AUDIT = {"AuditLogList"}
# The export worker reads profiles, ledgers and coupon redemptions (its API routes load none of them).
EXPORT_WORKER = {"ExportWorker"}
# Importing members writes profiles and balances; starting or following an import (ImportsCreate,
# ImportsGet) loads neither.
MEMBER_IMPORT = {"ImportSplitter", "ImportWorker"}
# A member's tier override and the tier job change the customer's profile (the program's routes do not).
TIER_MEMBERS = {"CustomerTierPut", "CustomerTierDelete", "TierDowngrader"}

# A heavy module (models built, or many values defined, at import) -> the functions that may load it.
# A function not named here never needs it; a new function needs none until it is named.
ALLOWED: dict[str, set[str]] = {
    # the domain events' catalogue (a model per event type and its envelope)
    "shared.domain.domain_events": PUBLISHER,
    "shared.domain.outbox": PUBLISHER,
    # the campaign engine's values and the campaigns' API models
    "shared.entities.campaigns": CAMPAIGNS | EVENTS | PROGRESS | EARNING | ORDER_FLOW,
    "shared.domain.rules": CAMPAIGNS | EVENTS | PROGRESS | EARNING | ORDER_FLOW,
    "shared.api.schemas.campaigns": CAMPAIGNS,
    "shared.api.schemas.events": EVENTS,
    "shared.api.schemas.progress": EVENTS | {"RewardProgressGet"},
    # the points' values and arithmetic, and the customers' records that hold them
    "shared.entities.points": CUSTOMERS
    | POINTS
    | EVENTS
    | PROGRESS
    | REDEMPTIONS
    | CAPILLARY
    | PUBLISHER
    | ORDER_FLOW
    | ERASURE
    | EXPORT_WORKER
    | MEMBER_IMPORT
    | TIER_MEMBERS,
    "shared.domain.points.lots": CUSTOMERS
    | POINTS
    | EVENTS
    | PROGRESS
    | REDEMPTIONS
    | CAPILLARY
    | ORDER_FLOW
    | ERASURE
    | MEMBER_IMPORT,
    "shared.storage.customers": CUSTOMERS
    | POINTS
    | EVENTS
    | PROGRESS
    | REDEMPTIONS
    | CAPILLARY
    | ORDER_FLOW
    | ERASURE
    | EXPORT_WORKER
    | MEMBER_IMPORT
    | TIER_MEMBERS,
    "shared.api.schemas.points": CUSTOMERS | POINTS | ERASURE | MEMBER_IMPORT,
    "shared.api.schemas.customers": CUSTOMERS | ERASURE | MEMBER_IMPORT,
    # coupons: definitions, the order engine and their API models
    "shared.entities.coupons": COUPONS
    | ORDERS
    | CAMPAIGNS
    | CATALOGUE
    | REDEMPTIONS
    | CAPILLARY
    | EARNING
    | EVENTS
    | ORDER_FLOW
    | EXPORT_WORKER,
    "shared.domain.coupon_rules": COUPONS | ORDERS | EARNING | EVENTS | ORDER_FLOW,
    "shared.api.schemas.coupons": COUPONS | ORDERS | ORDER_FLOW,
    "shared.domain.coupons": COUPONS | ORDERS | ORDER_FLOW,
    "shared.api.schemas.coupon_apply": (ORDERS - {"CustomerCouponsList"}) | ORDER_FLOW,
    # the rewards catalogue: settings models and the eligibility engine
    "shared.domain.reward_settings": CATALOGUE | REDEEM_CANCEL | CAPILLARY,
    "shared.domain.eligibility": CATALOGUE | REDEEM_CANCEL | CAPILLARY,
    "shared.api.schemas.rewards": CATALOGUE,
    "shared.api.schemas.redemptions": REDEMPTIONS,
    "shared.domain.redemptions": REDEEM_CANCEL,
    "shared.api.schemas.redeem": {"RewardRedeem"},
    "shared.api.schemas.capillary": CAPILLARY,
    # webhooks: outbound HTTP and the webhooks' API models
    "shared.outbound": WEBHOOKS | PUBLISHER,
    "shared.api.schemas.webhooks": WEBHOOKS - {"WebhookDeliverer"},
    # the audit log's entries as the API shows them
    "shared.api.schemas.audit": AUDIT,
}


@cache
def _loaded() -> dict[str, set[str]]:
    """Function logical id -> the ``shared`` modules importing its handler loads."""
    functions = load().functions.values()
    probes = [(f.logical_id.removesuffix("Function"), str(f.code_dir), f.handler.rsplit(".", 1)[0]) for f in functions]
    found = subprocess.run(  # noqa: S603 - this interpreter, our own probe
        [sys.executable, "-c", _PROBE, json.dumps(probes)], capture_output=True, text=True, check=True, timeout=300
    )
    return {name: set(modules) for name, modules in json.loads(found.stdout).items()}


def test_the_rule_names_every_function_it_allows_by_its_template_name() -> None:
    named = set().union(*ALLOWED.values())
    assert named <= set(_loaded()), f"not functions of template.yaml: {sorted(named - set(_loaded()))}"


def test_the_probe_sees_what_a_handler_loads() -> None:
    loaded = _loaded()
    assert "shared.domain.domain_events" in loaded["OutboxPublisher"]
    assert {"shared.api.schemas.coupons", "shared.domain.coupon_rules"} <= loaded["CouponsApply"]
    assert not set(ALLOWED) & loaded["MethodNotAllowed"]


def test_no_function_loads_another_aggregates_models() -> None:
    strays = {
        function: sorted(module for module in modules & set(ALLOWED) if function not in ALLOWED[module])
        for function, modules in _loaded().items()
    }
    strays = {function: modules for function, modules in strays.items() if modules}
    assert not strays, "functions loading modules their route does not use (see ALLOWED):\n" + "\n".join(
        f"  {function}: {', '.join(modules)}" for function, modules in sorted(strays.items())
    )


# Values are ``@value_class`` (shared/values.py: the dataclass's repr, eq and hash written once rather than
# compiled for each class at import). These two modules are other branches' work in progress (issue 24's
# warm CPU, the rewards' and coupons' mutation testing); they follow once those are merged.
GENERATED_VALUES_PENDING = {"shared/domain/rewards.py", "shared/domain/coupon_apply.py"}


def test_values_do_not_compile_their_own_methods() -> None:
    root = Path(__file__).resolve().parents[2]
    generated = sorted(
        str(path.relative_to(root))
        for path in (root / "shared").rglob("*.py")
        if "@dataclass(frozen=True, slots=True)\n" in path.read_text(encoding="utf-8")
    )
    assert set(generated) <= GENERATED_VALUES_PENDING, f"use @value_class (shared/values.py) in: {generated}"
