"""A customer's data (GET /customers/{source_id}/export) and its erasure (POST /customers/{source_id}/erase),
through the gateway: the export's sections and their bound, and after an erasure no answer shows the
person's name, email, phone or attributes while the application's points stay where they were."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

import pytest

from rewards_cli.outbox import LocalOutbox, matches
from rewards_cli.template import load
from rewards_cli.webhook_listener import WebhookListener
from shared.domain.erasure import EXPORT_PAGE_LIMIT, SECTIONS
from shared.domain.outbox import events_of
from shared.storage.stream import item_change
from tests.support.api import ApiClient
from tests.support.campaigns import event, rta_seed_campaign
from tests.support.concurrency import fire_together
from tests.support.outbox import BusTap, stream_records
from tests.support.tiers import set_program

KYC = "complete_KYC_Verification"
SOURCE_ID = "zq-77"
PERSONAL = {
    "name": "Zelda Quuxworth",
    "email": "zelda.quuxworth@example.org",
    "phone": "+4479460123456",
    "attributes": {"favourite_colour": "Vermilion-Zq"},
    "tags": ["zq-cohort"],
}
# What must appear in no answer once the customer is erased.
TRACES = ("Zelda", "Quuxworth", "zelda.quuxworth", "+4479460123456", "Vermilion-Zq", "favourite_colour", "zq-cohort")


def path(source_id: str = SOURCE_ID, suffix: str = "") -> str:
    return f"/customers/{quote(source_id, safe='')}{suffix}"


def adjust(api: ApiClient, points: int, source_id: str = SOURCE_ID) -> dict[str, Any]:
    response = api.post(path(source_id, "/transactions"), {"points": points, "description": "goodwill"})
    assert response.status == 201, response.body
    body: dict[str, Any] = response.json()
    return body


def member(api: ApiClient, source_id: str = SOURCE_ID) -> dict[str, Any]:
    """A customer with every kind of personal data, rule progress, a credit and a debit."""
    created = api.put(path(source_id), PERSONAL)
    assert created.status == 201, created.body
    api.post("/campaigns", rta_seed_campaign())
    assert api.post("/events", event(source_id, "money_deposited", amount=500)).status == 200
    assert api.post("/events", event(source_id, KYC)).status == 200
    adjust(api, 70, source_id)
    adjust(api, -20, source_id)
    profile: dict[str, Any] = created.json()
    return profile


def export(api: ApiClient, source_id: str = SOURCE_ID, **query: str) -> dict[str, Any]:
    response = api.get(
        path(source_id, "/export") + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")
    )
    assert response.status == 200, response.body
    body: dict[str, Any] = response.json()
    return body


def ledger_total(api: ApiClient, source_id: str = SOURCE_ID) -> int:
    total: int = 0
    cursor = None
    while True:
        response = api.get(path(source_id, "/transactions") + "?limit=100" + (f"&cursor={cursor}" if cursor else ""))
        assert response.status == 200, response.body
        page = response.json()
        total += sum(int(entry["points"]) for entry in page["data"])
        if (cursor := page["next_cursor"]) is None:
            return total


def customer_facing_answers(api: ApiClient, source_id: str, webhook_id: str | None = None) -> dict[str, str]:
    """Every GET that shows a customer, and the lists that may show it, as text."""
    reads = [
        path(source_id),
        path(source_id, "/transactions"),
        path(source_id, "/coupons"),
        path(source_id, "/rewards"),
        path(source_id, "/rewards/redemptions"),
        path(source_id, "/export"),
        path(source_id, "/export?section=webhook_deliveries"),
        f"/campaigns/reward-progress?source_id={quote(source_id, safe='')}&campaign_type=loyalty",
        "/customers",
        f"/customers?q={quote(source_id[:2], safe='')}",
        *([f"/webhooks/{webhook_id}/deliveries"] if webhook_id else []),
    ]
    answers = {}
    for read in reads:
        response = api.get(read)
        assert response.status == 200, (read, response.body)
        answers[read] = response.body.decode()
    return answers


def test_the_export_holds_every_section_with_the_profile(
    api: ApiClient, outbox: LocalOutbox, receiver: WebhookListener
) -> None:
    webhook = api.post("/webhooks", {"url": receiver.url, "events": ["*"]}).json()
    profile = member(api)
    api.put(path("zq-friend"), {"referral_code": profile["referral_code"]})
    outbox.drain()

    exported = export(api)

    assert exported["profile"]["name"] == PERSONAL["name"]
    assert exported["profile"]["attributes"] == PERSONAL["attributes"]
    assert list(exported["sections"]) == list(SECTIONS)
    sections = exported["sections"]
    assert [entry["points"] for entry in sections["ledger"]["items"]] == [100, 70, -20]  # oldest first
    assert {item["rule_id"] for item in sections["progress"]["items"]}  # the seed campaign's rules
    assert all(section["next_cursor"] is None for section in sections.values())
    assert [item["referee"] for item in sections["referrals"]["items"]] == ["zq-friend"]
    delivered = sections["webhook_deliveries"]["items"]
    assert {item["webhook_id"] for item in delivered} == {webhook["id"]}
    created = [item for item in delivered if item["event_type"] == "customer.created"]
    assert created[0]["event"]["data"]["email"] == PERSONAL["email"]
    assert not any(key in item for item in sections["ledger"]["items"] for key in ("PK", "SK", "type"))


def test_the_exports_profile_shows_the_tier_as_get_does(api: ApiClient) -> None:
    """With a program the profile's stored text (here none, or an imported "Diamond") is not the tier: the
    export showed it while GET /customers showed the computed tier."""
    member(api)
    set_program(api)
    assert api.put(path(), {"tier": "Diamond"}).status == 200
    assert api.put(path(suffix="/tier"), {"name": "Gold", "until": "2099-01-01T00:00:00Z"}).status == 200

    shown = api.get(path()).json()

    assert shown["tier"]["name"] == "Gold"
    assert export(api)["profile"] == shown


def test_the_export_pages_a_section_past_its_bound(api: ApiClient) -> None:
    api.put(path(), {"name": "Many"})
    for _ in range(EXPORT_PAGE_LIMIT):
        adjust(api, 1)
    full = export(api)["sections"]["ledger"]
    assert (len(full["items"]), full["next_cursor"]) == (EXPORT_PAGE_LIMIT, None)  # exactly the bound: one page

    adjust(api, 1)
    first = export(api)["sections"]["ledger"]
    assert len(first["items"]) == EXPORT_PAGE_LIMIT
    assert first["next_cursor"] is not None
    rest = export(api, section="ledger", cursor=first["next_cursor"])
    assert list(rest["sections"]) == ["ledger"]
    assert len(rest["sections"]["ledger"]["items"]) == 1
    assert rest["sections"]["ledger"]["next_cursor"] is None
    assert sum(entry["points"] for entry in first["items"] + rest["sections"]["ledger"]["items"]) == ledger_total(api)


def test_a_cursor_without_its_section_or_from_another_section_is_a_400(api: ApiClient) -> None:
    api.put(path(), {"name": "Cursor"})
    for _ in range(EXPORT_PAGE_LIMIT + 1):
        adjust(api, 1)
    cursor = export(api)["sections"]["ledger"]["next_cursor"]
    alone = api.get(path(suffix="/export") + f"?cursor={cursor}")
    assert alone.status == 400
    assert "cursor" in alone.json()["details"]
    elsewhere = api.get(path(suffix="/export") + f"?section=progress&cursor={cursor}")
    assert elsewhere.status == 400
    assert "cursor" in elsewhere.json()["details"]
    unknown = api.get(path(suffix="/export") + "?section=secrets")
    assert unknown.status == 400
    assert "section" in unknown.json()["details"]


def test_after_an_erasure_no_answer_shows_the_person_and_the_points_stay(
    api: ApiClient, outbox: LocalOutbox, receiver: WebhookListener, bus: BusTap
) -> None:
    webhook = api.post("/webhooks", {"url": receiver.url, "events": ["*"]}).json()
    profile = member(api)
    api.put(path("zq-friend"), {"referral_code": profile["referral_code"]})
    outbox.drain()
    before = customer_facing_answers(api, SOURCE_ID, webhook["id"])
    assert any("Quuxworth" in text for text in before.values())  # the check below can fail
    balance, total, stats = api.get(path()).json()["points"], ledger_total(api), api.get("/stats").json()
    bus.read()

    erased = api.post(path(suffix="/erase"))

    assert erased.status == 200, erased.body
    answer = erased.json()
    assert answer["id"] == profile["id"]
    assert answer["pseudonym"].startswith("anon_")
    assert SOURCE_ID not in answer["pseudonym"]
    outbox.drain()
    for read, text in customer_facing_answers(api, SOURCE_ID, webhook["id"]).items():
        shown = [trace for trace in TRACES if trace in text]
        assert not shown, f"{read} still shows {shown}: {text[:500]}"
    after = api.get(path()).json()
    assert after["points"] == balance
    assert after["referral_code"] is None
    assert after["referred_by"] is None
    assert ledger_total(api) == total
    assert api.get("/stats").json() == stats
    assert SOURCE_ID not in api.get("/customers").body.decode()  # no longer listed
    assert api.get(path("zq-friend")).json()["referred_by"] is None  # its referee no longer names it
    # the referral link is cut: the code names nobody any more
    refused = api.put(path("zq-late"), {"referral_code": profile["referral_code"]})
    assert refused.status == 400
    assert "referral_code" in refused.json()["details"]
    (announced,) = [e for e in bus.read() if e.type == "customer.erased"]
    assert announced.data == {
        "customer_id": profile["id"],
        "pseudonym": answer["pseudonym"],
        "erased_at": answer["erased_at"],
    }
    assert "customer.erased" in [arrival.envelope()["type"] for arrival in receiver.arrivals]


def test_a_second_erasure_answers_the_same_and_changes_nothing(api: ApiClient, bus: BusTap) -> None:
    member(api)
    first = api.post(path(suffix="/erase"))
    assert first.status == 200
    exported, events = export(api), bus.read()
    assert [e.type for e in events].count("customer.erased") == 1

    again = api.post(path(suffix="/erase"))

    assert (again.status, again.json()) == (200, first.json())
    assert export(api) == exported
    assert bus.read() == []


def test_an_unknown_customer_is_a_404_and_nothing_is_made(api: ApiClient) -> None:
    for response in (api.post(path("nobody", "/erase")), api.get(path("nobody", "/export"))):
        assert response.status == 404, response.body
        assert "nobody" in response.json()["details"]
    assert api.get(path("nobody")).status == 404


def test_new_data_after_an_erasure_is_erased_by_the_next_one(api: ApiClient) -> None:
    member(api)
    first = api.post(path(suffix="/erase")).json()
    api.put(path(), {"name": "Zelda Quuxworth"})  # the merchant sends the person again

    again = api.post(path(suffix="/erase"))

    assert again.json() == first  # the same pseudonym, the first erasure's time
    assert "Quuxworth" not in api.get(path()).body.decode()


def test_an_erasure_removes_the_reason_of_a_tier_override_and_keeps_the_override(api: ApiClient) -> None:
    """The override's reason is free text a merchant may fill with the person ("VIP: Zelda Quuxworth")."""
    member(api)
    set_program(api)
    override = {"name": "Gold", "until": "2099-01-01T00:00:00Z", "reason": "VIP: Zelda Quuxworth"}
    assert api.put(path(suffix="/tier"), override).status == 200
    first = api.post(path(suffix="/erase"))
    assert first.status == 200, first.body

    for read, text in customer_facing_answers(api, SOURCE_ID).items():
        assert "Quuxworth" not in text, f"{read} still shows the override's reason: {text[:500]}"
    shown = api.get(path()).json()["tier"]
    assert (shown["name"], shown["override"]) == (
        "Gold",
        {"name": "Gold", "until": "2099-01-01T00:00:00.000Z", "reason": None},
    )
    # a reason given after the erasure goes with the next one, which answers as the first did
    assert api.put(path(suffix="/tier"), override).status == 200
    assert api.post(path(suffix="/erase")).json() == first.json()
    assert api.get(path()).json()["tier"]["override"]["reason"] is None


def test_the_pseudonym_is_the_same_per_customer_and_differs_between_applications(
    api: ApiClient, other_api: ApiClient
) -> None:
    member(api)
    member(other_api)
    api.put(path("zq-other"), {"name": "Other"})
    mine = api.post(path(suffix="/erase")).json()["pseudonym"]
    theirs = other_api.post(path(suffix="/erase")).json()["pseudonym"]
    another = api.post(path("zq-other", "/erase")).json()["pseudonym"]
    assert len({mine, theirs, another}) == 3
    assert api.post(path(suffix="/erase")).json()["pseudonym"] == mine


def test_an_erasure_racing_events_and_updates_leaves_nothing_personal_and_every_point(api: ApiClient) -> None:
    member(api)
    balance = api.get(path()).json()["points"]["balance"]
    calls = (
        [lambda: api.post(path(suffix="/erase"))]
        + [
            (lambda i=i: api.post(path(suffix="/transactions"), {"points": 10, "description": f"race {i}"}))
            for i in range(4)
        ]
        + [lambda: api.post("/events", event(SOURCE_ID, "order_success"))]
    )

    answers = fire_together(calls)

    assert [a.status for a in answers[1:5]] == [201] * 4
    assert answers[0].status == 200
    after = api.get(path()).json()
    assert after["points"]["balance"] == balance + 40 == ledger_total(api)
    for text in customer_facing_answers(api, SOURCE_ID).values():
        assert not [trace for trace in TRACES if trace in text]
    assert SOURCE_ID not in api.get("/customers").body.decode()  # the event's write did not list it again
    assert api.post(path(suffix="/erase")).json() == answers[0].json()


def test_the_stream_filter_passes_the_erasure_and_no_later_write_of_the_profile(api: ApiClient, bus: BusTap) -> None:
    member(api)
    bus.read()
    api.post(path(suffix="/erase"))
    adjust(api, 5)  # touches the erased profile: announces a credit, not a second erasure
    api.post(path(suffix="/erase"))

    filters = load().functions["OutboxPublisherFunction"].stream_filters or []
    records = stream_records()
    profile_changes = [
        r for r in records if r["eventName"] == "MODIFY" and r["dynamodb"]["Keys"]["SK"]["S"] == "PROFILE"
    ]
    erasing = [
        r for r in profile_changes if (c := item_change(r)) and any(e.type == "customer.erased" for e in events_of(c))
    ]
    assert len(erasing) == 1
    assert [r for r in profile_changes if any(matches(f, r) for f in filters)] == erasing


@pytest.mark.parametrize("route", ["/export", "/erase"])
def test_another_application_can_neither_export_nor_erase(api: ApiClient, other_api: ApiClient, route: str) -> None:
    member(api)
    send = other_api.get if route == "/export" else other_api.post
    assert send(path(suffix=route)).status == 404
    assert api.get(path()).json()["name"] == PERSONAL["name"]


def test_events_after_an_erasure_keep_counting_under_it_and_never_list_it_again(api: ApiClient) -> None:
    member(api)
    erased = api.post(path(suffix="/erase")).json()
    balance = api.get(path()).json()["points"]["balance"]

    assert api.post("/events", event(SOURCE_ID, "order_success")).status == 200
    adjust(api, 15)

    assert api.get(path()).json()["points"]["balance"] == balance + 15
    assert SOURCE_ID not in api.get("/customers").body.decode()
    assert SOURCE_ID not in api.get(f"/customers?q={SOURCE_ID[:2]}").body.decode()
    assert api.post(path(suffix="/erase")).json() == erased


def test_two_erasures_at_once_answer_the_same_and_announce_once(api: ApiClient, bus: BusTap) -> None:
    member(api)
    bus.read()

    answers = fire_together([lambda: api.post(path(suffix="/erase")) for _ in range(3)])

    assert {answer.status for answer in answers} == {200}
    assert len({answer.body for answer in answers}) == 1
    assert [e.type for e in bus.read()].count("customer.erased") == 1


def test_the_deliveries_section_shows_at_most_a_page_and_reads_on_across_webhooks(
    api: ApiClient, outbox: LocalOutbox, receiver: WebhookListener, monkeypatch: pytest.MonkeyPatch
) -> None:
    credits = api.post("/webhooks", {"url": receiver.url, "events": ["points.credited"]}).json()
    created = api.post("/webhooks", {"url": receiver.url, "events": ["customer.created"]}).json()
    api.put(path(), {"name": "Deliveries"})
    for _ in range(EXPORT_PAGE_LIMIT + 1):
        adjust(api, 1)
    outbox.drain()

    def pages() -> list[tuple[set[str], int, bool]]:
        seen, cursor = [], None
        while True:
            section = export(api, section="webhook_deliveries", **({"cursor": cursor} if cursor else {}))
            found = section["sections"]["webhook_deliveries"]
            seen.append(({i["webhook_id"] for i in found["items"]}, len(found["items"]), bool(found["next_cursor"])))
            if (cursor := found["next_cursor"]) is None:
                return seen

    by_log = sorted([credits["id"], created["id"]])
    # at most EXPORT_PAGE_LIMIT shown per answer, whatever was read
    assert sum(count for _, count, _ in pages()) == EXPORT_PAGE_LIMIT + 2
    assert max(count for _, count, _ in pages()) == EXPORT_PAGE_LIMIT
    # a read budget of one page: each answer reads one page of one log, and the cursor goes on to the next log
    monkeypatch.setattr("shared.domain.erasure.DELIVERY_SCAN_BUDGET", 1)
    one_page_each = pages()
    assert [webhook_ids for webhook_ids, _, _ in one_page_each if webhook_ids] == [
        {by_log[0]},
        *([{by_log[0]}] if credits["id"] == by_log[0] else []),
        {by_log[1]},
        *([{by_log[1]}] if credits["id"] == by_log[1] else []),
    ]
    assert sum(count for _, count, _ in one_page_each) == EXPORT_PAGE_LIMIT + 2
