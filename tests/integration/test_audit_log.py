"""The audit log: every management change recorded in the change's own transaction, with the credential
(its API key, never its secret), the time, the request id and the changed fields before and after."""

from __future__ import annotations

import itertools
from typing import Any

from tests.support.api import ApiClient, Credentials
from tests.support.campaigns import rta_seed_campaign


def _log(api: ApiClient, **query: str) -> list[dict[str, Any]]:
    response = api.get("/audit-log", query=query)
    assert response.status == 200, response.body
    entries: list[dict[str, Any]] = response.json()["data"]
    return entries


def _campaign(api: ApiClient) -> str:
    created = api.post("/campaigns", rta_seed_campaign())
    assert created.status == 201, created.body
    campaign_id: str = created.json()["campaign_id"]
    return campaign_id


def test_a_campaign_patch_shows_with_the_key_that_made_it_and_the_fields_before_and_after(
    api: ApiClient, credentials: Credentials
) -> None:
    # Given a campaign
    campaign_id = _campaign(api)
    # When its name and status change
    patched = api.patch(f"/campaigns/{campaign_id}", {"campaign_name": "Summer", "status": "paused"})
    assert patched.status == 200, patched.body
    # Then its history shows the change first, by this application's key, with only the changed fields
    history = _log(api, object_type="campaign", object_id=campaign_id)
    assert [entry["action"] for entry in history] == ["updated", "created"]
    change = history[0]
    assert change["credential"] == credentials.api_key
    assert credentials.secret_key not in patched.body.decode() + str(history)
    assert change["request_id"] == patched.header("x-request-id")
    assert change["before"] == {"campaign_name": "Real time action campaign", "status": "active"}
    assert change["after"] == {"campaign_name": "Summer", "status": "paused"}
    assert (change["object_type"], change["object_id"]) == ("campaign", campaign_id)
    assert change["id"].startswith("aud_")
    assert change["created_at"].endswith("Z")


def test_an_invalid_patch_writes_no_entry(api: ApiClient) -> None:
    # Given a campaign
    campaign_id = _campaign(api)
    # When a PATCH fails validation (its end before its start) and another names an unknown campaign
    refused = api.patch(
        f"/campaigns/{campaign_id}", {"starts_at": "2027-01-02T00:00:00Z", "ends_at": "2027-01-01T00:00:00Z"}
    )
    missing = api.patch("/campaigns/camp_unknown", {"campaign_name": "x"})
    # Then neither left an entry: only the creation is recorded
    assert (refused.status, missing.status) == (400, 404)
    assert [entry["action"] for entry in _log(api)] == ["created"]


def test_a_change_that_loses_its_condition_writes_no_entry(api: ApiClient, credentials: Credentials) -> None:
    from shared.domain.campaigns import get_campaign
    from shared.storage import campaigns
    from shared.storage.dynamodb import TransactionCancelled

    # Given a campaign changed since a writer read it
    campaign_id = _campaign(api)
    read = get_campaign(credentials.app_id, campaign_id)
    assert api.patch(f"/campaigns/{campaign_id}", {"campaign_name": "First"}).status == 200
    # When that writer writes over what it read (its condition on updated_at fails)
    from dataclasses import replace

    try:
        campaigns.update(
            credentials.app_id, read, replace(read, campaign_name="Lost", updated_at="2099-01-01T00:00:00.000Z")
        )
    except (campaigns.CampaignChanged, TransactionCancelled):
        pass
    else:
        raise AssertionError("the stale write was not refused")
    # Then its entry is not written either: the log has the creation and the one change that committed
    history = _log(api, object_type="campaign", object_id=campaign_id)
    assert [entry["after"].get("campaign_name") for entry in history] == ["First", "Real time action campaign"]


def test_concurrent_patches_leave_one_entry_per_change_that_committed(api: ApiClient) -> None:
    from tests.support.concurrency import Request, send_together

    # Given a campaign
    campaign_id = _campaign(api)
    # When eight PATCHes of its name race (each conditioned on the version it read)
    answers = send_together(
        api, [Request("PATCH", f"/campaigns/{campaign_id}", {"campaign_name": f"Name {n}"}) for n in range(8)]
    )
    # Then every 200 has exactly one entry (by its request id), and no refused request has any
    committed = {str(answer.header("x-request-id")) for answer in answers if answer.status == 200}
    assert committed
    assert {answer.status for answer in answers} <= {200, 409}
    updates = _log(api, object_type="campaign", object_id=campaign_id, action="updated", limit="100")
    assert sorted(entry["request_id"] for entry in updates) == sorted(committed)
    # and the entries chain: each one's before is the previous one's after
    chain = list(reversed(updates))
    for older, newer in itertools.pairwise(chain):
        assert newer["before"]["campaign_name"] == older["after"]["campaign_name"]


def test_an_application_never_sees_another_applications_entries(api: ApiClient, other_api: ApiClient) -> None:
    # Given a campaign of one application, changed
    campaign_id = _campaign(api)
    assert api.patch(f"/campaigns/{campaign_id}", {"status": "paused"}).status == 200
    # When the other application reads the log, the object's history and a cursor of the first one
    page = api.get("/audit-log", query={"limit": "1"}).json()
    # Then it sees none of them
    assert _log(other_api) == []
    assert _log(other_api, object_type="campaign", object_id=campaign_id) == []
    leaked = other_api.get("/audit-log", query={"limit": "1", "cursor": page["next_cursor"]})
    assert leaked.status == 200
    assert leaked.json()["data"] == []


def test_pages_are_newest_first_and_filters_combine(api: ApiClient) -> None:
    # Given three changes of one campaign and a webhook
    campaign_id = _campaign(api)
    for name in ("Two", "Three"):
        assert api.patch(f"/campaigns/{campaign_id}", {"campaign_name": name}).status == 200
    hook = api.post("/webhooks", {"url": "https://93.184.215.14/hook", "events": ["points.credited"]})
    assert hook.status == 201, hook.body
    # When the log is read a page of one at a time
    seen, cursor = [], None
    while True:
        query = {"limit": "1", **({"cursor": cursor} if cursor else {})}
        page = api.get("/audit-log", query=query).json()
        seen += page["data"]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    # Then every entry comes once, newest first
    assert [(e["object_type"], e["action"]) for e in seen] == [
        ("webhook", "created"),
        ("campaign", "updated"),
        ("campaign", "updated"),
        ("campaign", "created"),
    ]
    assert [e["id"] for e in seen] == sorted((e["id"] for e in seen), reverse=True)
    # and the filters narrow it: by kind of object, by change, both
    assert len(_log(api, object_type="campaign")) == 3
    assert [e["object_type"] for e in _log(api, action="created")] == ["webhook", "campaign"]
    assert len(_log(api, object_type="campaign", action="updated")) == 2
    # a webhook's secret is named, never kept
    created = _log(api, object_type="webhook")[0]
    assert created["after"]["secret"] == "redacted"
    assert hook.json()["secret"] not in str(created)


def test_the_time_range_includes_both_ends(api: ApiClient, monkeypatch: Any) -> None:
    from tests.support.points import freeze_clock

    # Given changes at three known milliseconds
    clock = freeze_clock(monkeypatch)
    campaign_id = _campaign(api)
    first = clock.iso()
    clock.advance(hours=1)
    assert api.patch(f"/campaigns/{campaign_id}", {"campaign_name": "B"}).status == 200
    middle = clock.iso()
    clock.advance(hours=1)
    assert api.patch(f"/campaigns/{campaign_id}", {"campaign_name": "C"}).status == 200
    last = clock.iso()

    def names(**query: str) -> list[str]:
        whole_log = [e["after"].get("campaign_name") for e in _log(api, **query)]
        history = [
            e["after"].get("campaign_name") for e in _log(api, **query, object_type="campaign", object_id=campaign_id)
        ]
        assert whole_log == history
        return history

    # Then from and to are both included, on the object's history as on the whole log
    assert names(**{"from": middle, "to": middle}) == ["B"]
    assert names(**{"from": first, "to": middle}) == ["B", "Real time action campaign"]
    assert names(**{"from": middle}) == ["C", "B"]
    assert names(to=first) == ["Real time action campaign"]
    assert names(**{"from": last, "to": last}) == ["C"]
    # one millisecond past an entry leaves it out
    assert names(**{"from": "2026-03-10T12:00:00.001Z", "to": middle}) == ["B"]


def test_filters_that_cannot_hold_are_400s_naming_the_field(api: ApiClient) -> None:
    _campaign(api)
    page = api.get("/audit-log", query={"limit": "1"}).json()
    cases = {
        "object_id": {"object_id": "camp_x"},
        "to": {"from": "2026-01-02T00:00:00Z", "to": "2026-01-01T00:00:00Z"},
        "object_type": {"object_type": "planet"},
        "action": {"action": "exploded"},
        "cursor": {"cursor": page["next_cursor"] or "x", "from": "2030-01-01T00:00:00Z"},
    }
    for field, query in cases.items():
        response = api.get("/audit-log", query=query)
        assert response.status == 400, (field, response.body)
        assert field in response.json()["details"], (field, response.json())


def test_adjustments_and_reversals_name_the_customer_by_its_id_only(api: ApiClient, credentials: Credentials) -> None:
    from tests.support.points import adjust, reverse

    # Given a customer with personal data, credited and then reversed
    source_id = "ana@example.com"
    assert api.put(f"/customers/{source_id}", {"name": "Ana Diaz", "email": "ana@example.com"}).status in (200, 201)
    customer_id = api.get(f"/customers/{source_id}").json()["id"]
    credit = adjust(api, source_id, 100, "Ana Diaz called about her order")
    assert credit.status == 201, credit.body
    assert reverse(api, source_id, credit.json()["id"], 40).status == 201
    # When a debit beyond the balance fails
    assert adjust(api, source_id, -1000).status == 409
    # Then two entries name the customer by its cust_ id, with the balances moved, and nothing personal
    history = _log(api, object_type="customer", object_id=customer_id)
    assert [(e["action"], e["before"]["balance"], e["after"]["balance"]) for e in history] == [
        ("points_reversed", 100, 60),
        ("points_adjusted", 0, 100),
    ]
    assert history[1]["after"]["transaction_id"] == credit.json()["id"]
    assert all(e["credential"] == credentials.api_key for e in history)
    for personal in ("ana@example.com", "Ana Diaz"):
        assert personal not in str(_log(api))
    # and erasing the customer leaves them as they are (nothing in them to erase)
    assert api.post(f"/customers/{source_id}/erase").status == 200
    assert _log(api, object_type="customer", object_id=customer_id) == history


def test_settings_rewards_and_pools_are_recorded_with_their_changed_fields(api: ApiClient) -> None:
    from tests.support.coupons import simple_coupon

    # Given the points policy set twice
    assert api.put("/settings/points", {"expire_after_days": 365}).status == 200
    assert api.put("/settings/points", {"expire_after_days": 30, "pending_days": 2}).status == 200
    # and a pool coupon with codes imported
    coupon = api.post("/coupons", simple_coupon(None))
    assert coupon.status == 201, coupon.body
    coupon_id = coupon.json()["coupon_id"]
    assert api.post(f"/coupons/{coupon_id}/codes", {"codes": ["AAA111", "BBB222"]}).status in (200, 201)
    # Then the policy's second entry holds the two fields that changed, before and after
    policy = _log(api, object_type="settings", object_id="points")
    assert [e["action"] for e in policy] == ["updated", "updated"]
    assert (policy[0]["before"], policy[0]["after"]) == (
        {"expire_after_days": 365, "pending_days": 0},
        {"expire_after_days": 30, "pending_days": 2},
    )
    # and the import its count, never its codes
    imported = _log(api, object_type="coupon", object_id=coupon_id, action="codes_imported")
    assert [(e["before"], e["after"]) for e in imported] == [({"codes_total": 0}, {"codes_total": 2})]
    assert "AAA111" not in str(_log(api))


def test_an_entry_is_kept_400_days_then_no_read_shows_it(api: ApiClient, monkeypatch: Any) -> None:
    from shared.limits import AUDIT_RETENTION_DAYS
    from shared.storage import dynamodb, keys
    from tests.support.points import freeze_clock

    # Given a campaign created at a known time
    clock = freeze_clock(monkeypatch)
    campaign_id = _campaign(api)
    entry = _log(api)[0]
    stored = dynamodb.get_item(keys.audit_entry(api.credentials.app_id, "campaign", campaign_id, entry["id"]))
    assert stored is not None
    # Then the table's TTL deletes it 400 days later
    assert AUDIT_RETENTION_DAYS == 400
    assert stored[keys.TTL_ATTRIBUTE] == clock.ms // 1000 + 400 * 86_400
    # and until DynamoDB does (it deletes lazily), no read shows it from that second on
    clock.advance(days=400, hours=-1 / 3600)
    assert len(_log(api)) == 1
    clock.advance(hours=1 / 3600)
    assert _log(api) == []
    assert _log(api, object_type="campaign", object_id=campaign_id) == []


def test_earning_rules_rewards_webhooks_and_coupons_record_each_change(api: ApiClient) -> None:
    # Given an earning rule changed and deleted
    rule = api.post("/earning-rules", {"name": "1 point per 1.00", "earn": {"points": 1, "per": 1}})
    assert rule.status == 201, rule.body
    rule_id = rule.json()["id"]
    assert (
        api.patch(f"/earning-rules/{rule_id}", {"name": "2 points per 1.00", "earn": {"points": 2, "per": 1}}).status
        == 200
    )
    assert api.delete(f"/earning-rules/{rule_id}").status == 204
    # a reward whose stock changes, then disabled
    gift = {"name": "Gift", "type": "MATERIAL", "parameters": {"product": {"id": "prod_gift"}}, "stock": 5}
    reward_id = api.post("/rewards", gift).json()["id"]
    assert api.patch(f"/rewards/{reward_id}", {"stock": 7}).status == 200
    assert api.delete(f"/rewards/{reward_id}").status in (200, 204)
    # a webhook deleted, a coupon's limit changed
    hook = api.post("/webhooks", {"url": "https://93.184.215.14/hook", "events": ["*"]}).json()["id"]
    assert api.delete(f"/webhooks/{hook}").status == 204
    coupon = api.post("/coupons", {"coupon_code": "TEN", "discount": {"type": "amount", "value": 10}, "usage_limit": 3})
    assert coupon.status == 201, coupon.body
    coupon_id = coupon.json()["coupon_id"]
    assert api.patch(f"/coupons/{coupon_id}", {"usage_limit": 9}).status == 200

    def changes(object_type: str, object_id: str) -> list[tuple[str, dict[str, Any], dict[str, Any]]]:
        return [(e["action"], e["before"], e["after"]) for e in _log(api, object_type=object_type, object_id=object_id)]

    # Then each object's history holds its changes, newest first, with the changed fields
    ruled = changes("earning_rule", rule_id)
    assert [action for action, _, _ in ruled] == ["deleted", "updated", "created"]
    assert (ruled[1][1], ruled[1][2]) == (
        {"name": "1 point per 1.00", "earn.points": 1},
        {"name": "2 points per 1.00", "earn.points": 2},
    )
    assert ruled[0][1]["name"] == "2 points per 1.00"
    assert ruled[0][2] == {}
    rewarded = changes("reward", reward_id)
    assert [action for action, _, _ in rewarded] == ["disabled", "updated", "created"]
    # the changed fields only (the stock is both a setting and the definition's)
    assert (rewarded[1][1], rewarded[1][2]) == (
        {"definition.stock": 5, "stock": 5},
        {"definition.stock": 7, "stock": 7},
    )
    assert (rewarded[0][1]["active"], rewarded[0][2]["active"]) == (True, False)
    hooked = changes("webhook", hook)
    assert [action for action, _, _ in hooked] == ["deleted", "created"]
    assert hooked[0][1]["url"] == "https://93.184.215.14/hook"
    assert hooked[0][1]["secret"] == "redacted"
    couponed = changes("coupon", coupon_id)
    assert couponed[0] == ("updated", {"usage_limit": 3}, {"usage_limit": 9})


def test_credentials_rotated_disabled_and_limited_by_the_operator(credentials: Credentials, api: ApiClient) -> None:
    from shared.domain.applications import disable_application, rotate_secret, set_rate_limits
    from shared.entities.audit import OPERATOR, Actor, acting_as

    # Given the operator's command line rotating the secret, setting limits and disabling the application
    with acting_as(Actor(OPERATOR, None)):
        rotated = rotate_secret(credentials.app_id, 0)
        set_rate_limits(credentials.app_id, 50, 100)
        disable_application(credentials.app_id)
    # Then the credentials' history names the operator and holds no secret nor hash of one
    from shared.storage import audit

    entries, _ = audit.object_page(
        credentials.app_id,
        "credentials",
        credentials.api_key,
        action=None,
        first_ms=None,
        last_ms=None,
        limit=10,
        cursor=None,
    )
    assert [(e.action, e.credential) for e in entries] == [
        ("disabled", OPERATOR),
        ("limits_changed", OPERATOR),
        ("secret_rotated", OPERATOR),
    ]
    assert entries[2].before["secret_hash"] == entries[2].after["secret_hash"] == "redacted"
    assert (entries[1].before, entries[1].after) == (
        {"rate_limit": None, "burst_limit": None},
        {"rate_limit": 50, "burst_limit": 100},
    )
    assert (entries[0].before, entries[0].after) == ({"status": "active"}, {"status": "disabled"})
    text = repr(entries)
    assert rotated.secret_key not in text
    assert credentials.secret_key not in text
    assert "sha256$" not in text


def test_pages_of_a_range_and_a_filter_are_the_filtered_slice_of_the_whole_log(
    api: ApiClient, monkeypatch: Any
) -> None:
    from tests.support.points import freeze_clock

    # Given changes one second apart: a campaign renamed ten times, and a pool coupon's imports between
    clock = freeze_clock(monkeypatch)
    campaign_id = _campaign(api)
    coupon_id = api.post("/coupons", {"name": "Pool", "discount": {"type": "amount", "value": 1}}).json()["coupon_id"]
    for n in range(10):
        clock.advance(hours=1 / 3600)
        assert api.patch(f"/campaigns/{campaign_id}", {"campaign_name": f"Name {n}"}).status == 200
        assert api.post(f"/coupons/{coupon_id}/codes", {"codes": [f"CODE{n}"]}).status in (200, 201)
    everything = _log(api, limit="100")
    first, last = everything[-6]["created_at"], everything[3]["created_at"]

    def paged(**query: str) -> list[str]:
        seen, cursor = [], None
        while True:
            page = api.get("/audit-log", query={**query, "limit": "3", **({"cursor": cursor} if cursor else {})}).json()
            seen += [entry["id"] for entry in page["data"]]
            cursor = page["next_cursor"]
            if cursor is None:
                return seen

    # When it is read three at a time within a range, filtered
    def wanted(keep: Any) -> list[str]:
        return [e["id"] for e in everything if first <= e["created_at"] <= last and keep(e)]

    # Then the pages are exactly the filtered slice of the whole log, newest first
    assert paged(**{"from": first, "to": last, "action": "updated"}) == wanted(lambda e: e["action"] == "updated")
    assert paged(**{"from": first, "to": last, "object_type": "coupon"}) == wanted(
        lambda e: e["object_type"] == "coupon"
    )
    assert paged(**{"from": first, "to": last, "object_type": "campaign", "object_id": campaign_id}) == wanted(
        lambda e: e["object_id"] == campaign_id
    )
    # (the range cuts the log at both ends)
    assert 0 < len(wanted(lambda e: True)) < len(everything) - 4


def test_the_tier_program_and_a_members_override_are_recorded_without_the_reason(api: ApiClient) -> None:
    from tests.support.tiers import PROGRAM, set_program

    # Given a tier program set, then Gold's threshold lowered
    set_program(api)
    gold_lowered = [PROGRAM["tiers"][0], PROGRAM["tiers"][1] | {"threshold": 800}, PROGRAM["tiers"][2]]
    set_program(api, tiers=gold_lowered)
    # and a member overridden to Platinum with a reason naming a person, the override then removed
    source_id = "kim@example.com"
    assert api.put(f"/customers/{source_id}", {"name": "Kim Lee"}).status in (200, 201)
    customer_id = api.get(f"/customers/{source_id}").json()["id"]
    until = "2099-01-01T00:00:00Z"
    body = {"name": "Platinum", "until": until, "reason": "Kim Lee, VIP evening"}
    assert api.put(f"/customers/{source_id}/tier", body).status == 200
    assert api.delete(f"/customers/{source_id}/tier").status == 204
    # and a second removal, with nothing left to remove
    assert api.delete(f"/customers/{source_id}/tier").status == 204
    # Then the program's entries are its creation and the one threshold that changed
    program = _log(api, object_type="settings", object_id="tiers")
    assert [e["action"] for e in program] == ["updated", "created"]
    tiers_before = [{"name": "Silver", "threshold": 0}, {"name": "Gold", "threshold": 1000, "multiplier": 1.5}]
    tiers_before.append({"name": "Platinum", "threshold": 5000, "multiplier": 2})
    tiers_after = [tiers_before[0], tiers_before[1] | {"threshold": 800}, tiers_before[2]]
    assert (program[0]["before"], program[0]["after"]) == ({"tiers": tiers_before}, {"tiers": tiers_after})
    assert program[1]["before"] == {}
    assert program[1]["after"] == {
        "grace_days": 30,
        "notice_days": 7,
        "policy": "one_down",
        "qualify_on": "points_earned",
        "rolling_months": 12,
        "tiers": tiers_before,
    }
    # and the member's entries are the override and its one removal, by the cust_ id, with the tier and date
    member = _log(api, object_type="customer", object_id=customer_id)
    assert [e["action"] for e in member] == ["tier_override_removed", "tier_overridden"]
    assert member[1]["after"] == {"tier_override.name": "Platinum", "tier_override.until_ms": 4070908800000}
    assert (member[0]["before"], member[0]["after"]) == (member[1]["after"], {})
    # never the reason, nor the person it names
    whole_log = str(_log(api))
    for personal in ("VIP evening", "Kim Lee"):
        assert personal not in whole_log
