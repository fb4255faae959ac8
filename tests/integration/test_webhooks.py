"""Webhooks: registration, signed deliveries to a receiver, retries on the queue's timer, the dead-letter
path, manual retry, tenant isolation, and targets that may not be called."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from rewards_cli.outbox import LocalOutbox, dead_letters
from rewards_cli.webhook_listener import WebhookListener
from shared.domain import webhooks
from shared.settings import get_settings
from tests.support.api import ApiClient
from tests.support.campaigns import event, rta_seed_campaign
from tests.support.points import freeze_clock

KYC = "complete_KYC_Verification"


def register(api: ApiClient, url: str, events: list[str] | None = None, **extra: Any) -> dict[str, Any]:
    response = api.post("/webhooks", {"url": url, "events": events or ["*"], **extra})
    assert response.status == 201, response.body
    created: dict[str, Any] = response.json()
    return created


def iso_seconds(moment: str) -> float:
    return datetime.fromisoformat(moment).timestamp()


def deliveries(api: ApiClient, webhook_id: str) -> list[dict[str, Any]]:
    response = api.get(f"/webhooks/{webhook_id}/deliveries")
    assert response.status == 200, response.body
    found: list[dict[str, Any]] = response.json()["data"]
    return found


def complete_a_rule(api: ApiClient, source_id: str = "KMN@123") -> None:
    api.post("/campaigns", rta_seed_campaign())
    assert api.post("/events", event(source_id, KYC)).status == 200


def wait_for(outbox: LocalOutbox, condition: Any, seconds: float = 15) -> None:
    """Drain the outbox until ``condition()`` holds: retries come back when their visibility ends."""
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "timed out waiting"
        outbox.drain()
        time.sleep(0.1)


@pytest.fixture
def deployed_rules(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The rules of a deployed stack: https only, no loopback targets."""
    monkeypatch.setenv("WEBHOOK_ALLOW_LOCAL_TARGETS", "false")
    get_settings.cache_clear()
    yield
    monkeypatch.undo()
    get_settings.cache_clear()


# ------------------------------------------------------------------------------------------ the API


def test_register_shows_the_secret_once(api: ApiClient) -> None:
    created = register(api, "https://93.184.215.14/hooks", ["rule.completed", "points.credited"], description="CRM")

    assert created["id"].startswith("whk_")
    assert created["secret"].startswith("whsec_")
    assert created["events"] == ["points.credited", "rule.completed"]
    fetched = api.get(f"/webhooks/{created['id']}")
    listed = api.get("/webhooks").json()
    assert fetched.status == 200
    assert "secret" not in fetched.json()
    assert fetched.json() == {k: v for k, v in created.items() if k != "secret"}
    assert [w["id"] for w in listed["data"]] == [created["id"]]
    assert "secret" not in listed["data"][0]


def test_delete_stops_the_webhook(api: ApiClient, outbox: LocalOutbox, receiver: WebhookListener) -> None:
    created = register(api, receiver.url)

    assert api.delete(f"/webhooks/{created['id']}").status == 204
    assert api.get(f"/webhooks/{created['id']}").status == 404
    assert api.delete(f"/webhooks/{created['id']}").status == 404
    complete_a_rule(api)
    outbox.drain()
    assert receiver.arrivals == []


@pytest.mark.parametrize(
    ("body", "details"),
    [
        ({"events": ["*"]}, "url is required"),
        ({"url": "https://93.184.215.14/", "events": ["points.gifted"]}, "events.0"),
        ({"url": "https://93.184.215.14/", "events": []}, "events"),
        ({"url": "https://93.184.215.14/"}, "events is required"),
        ({"url": "http://169.254.169.254/latest/meta-data/", "events": ["*"]}, "url: "),
        ({"url": "ftp://93.184.215.14/", "events": ["*"]}, "url: must be an https URL"),
        ({"url": "https://user:pw@93.184.215.14/", "events": ["*"]}, "url: must not carry credentials"),
        ({"url": "https://10.0.0.7/hooks", "events": ["*"]}, "url: resolves to a loopback, private"),
        ({"url": "https://[::169.254.169.254]/", "events": ["*"]}, "url: resolves to a loopback, private"),
        ({"url": "https://[::a9fe:a9fe]/", "events": ["*"]}, "url: resolves to a loopback, private"),
        ({"url": "https://[::10.0.0.1]/", "events": ["*"]}, "url: resolves to a loopback, private"),
    ],
)
def test_invalid_registrations_are_a_400_naming_the_field(api: ApiClient, body: dict[str, Any], details: str) -> None:
    response = api.post("/webhooks", body)

    assert response.status == 400, response.body
    assert details in response.json()["details"]


def test_an_application_has_at_most_twenty_webhooks(api: ApiClient) -> None:
    for n in range(webhooks.MAX_WEBHOOKS_PER_APPLICATION):
        register(api, f"https://93.184.215.14/hooks/{n}")

    refused = api.post("/webhooks", {"url": "https://93.184.215.14/one-more", "events": ["*"]})
    assert refused.status == 409
    first = api.get("/webhooks", query={"limit": "1"}).json()
    api.delete(f"/webhooks/{first['data'][0]['id']}")
    assert api.post("/webhooks", {"url": "https://93.184.215.14/one-more", "events": ["*"]}).status == 201


def test_the_deployed_rules_refuse_http_and_loopback(api: ApiClient, deployed_rules: None) -> None:
    for url in ("http://93.184.215.14/", "http://127.0.0.1:4000/", "https://127.0.0.1/", "https://localhost/"):
        response = api.post("/webhooks", {"url": url, "events": ["*"]})
        assert response.status == 400, url
        assert response.json()["details"].startswith("url: ")


# ------------------------------------------------------------------------------------------ delivery


def test_a_completed_rule_arrives_signed_within_seconds(
    api: ApiClient, outbox: LocalOutbox, receiver: WebhookListener
) -> None:
    created = register(api, receiver.url, ["rule.completed", "points.credited"])
    receiver.secret = created["secret"]

    started = time.monotonic()
    complete_a_rule(api)
    outbox.drain()

    assert time.monotonic() - started < 10
    arrived = {a.envelope()["type"]: a for a in receiver.arrivals}
    assert sorted(arrived) == ["points.credited", "rule.completed"]  # customer.created not subscribed
    assert all(a.verified for a in receiver.arrivals)
    assert all(a.event_id == a.envelope()["id"] for a in receiver.arrivals)
    assert arrived["points.credited"].envelope()["data"]["points"] == 100
    log = deliveries(api, created["id"])
    assert {(d["event_type"], d["status"], d["attempts"], d["status_code"]) for d in log} == {
        ("rule.completed", "succeeded", 1, 200),
        ("points.credited", "succeeded", 1, 200),
    }
    assert all(d["next_retry_at"] is None for d in log)


def test_a_tampered_body_or_another_secret_fails_verification(
    api: ApiClient, outbox: LocalOutbox, receiver: WebhookListener
) -> None:
    created = register(api, receiver.url, ["points.credited"])
    complete_a_rule(api)
    outbox.drain()
    (arrival,) = receiver.arrivals
    now = int(time.time())

    assert webhooks.verify(created["secret"], arrival.signature, arrival.body, now)
    tampered = arrival.body.replace(b'"points":100', b'"points":900')
    assert tampered != arrival.body
    assert not webhooks.verify(created["secret"], arrival.signature, tampered, now)
    assert not webhooks.verify("whsec_other", arrival.signature, arrival.body, now)
    assert not webhooks.verify(created["secret"], arrival.signature, arrival.body, now + 3600)


@pytest.fixture
def slower_retries(monkeypatch: pytest.MonkeyPatch) -> Iterator[int]:
    """A first retry 3 s after a failure (1 s elsewhere in the tests), so a test can look in between."""
    monkeypatch.setenv("WEBHOOK_RETRY_BASE_SECONDS", "3")
    get_settings.cache_clear()
    yield 3
    monkeypatch.undo()
    get_settings.cache_clear()


def test_a_failing_receiver_gets_the_same_event_again_after_the_backoff(
    api: ApiClient, outbox: LocalOutbox, receiver: WebhookListener, slower_retries: int
) -> None:
    created = register(api, receiver.url, ["points.credited"])
    receiver.status = 500
    complete_a_rule(api)
    outbox.drain()

    (first,) = receiver.arrivals
    (pending,) = deliveries(api, created["id"])
    assert (pending["status"], pending["attempts"], pending["status_code"]) == ("pending", 1, 500)
    base = slower_retries
    assert iso_seconds(pending["next_retry_at"]) - int(time.time()) <= base

    receiver.status = 200
    wait_for(outbox, lambda: len(receiver.arrivals) == 2)
    assert receiver.arrivals[1].received_at - first.received_at >= base * 0.9  # not before its time
    assert receiver.arrivals[1].event_id == first.event_id
    assert receiver.arrivals[1].body == first.body
    (done,) = deliveries(api, created["id"])
    assert (done["status"], done["attempts"], done["status_code"]) == ("succeeded", 2, 200)
    assert [h["status_code"] for h in done["history"]] == [500, 200]


def test_after_the_last_attempt_the_delivery_is_failed_and_dead_lettered_then_retried_by_hand(
    api: ApiClient, outbox: LocalOutbox, receiver: WebhookListener, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(webhooks, "MAX_ATTEMPTS", 2)
    created = register(api, receiver.url, ["points.credited"])
    receiver.status = 503
    complete_a_rule(api)
    outbox.drain()

    wait_for(outbox, lambda: deliveries(api, created["id"])[0]["status"] == "failed")
    (failed,) = deliveries(api, created["id"])
    assert (failed["attempts"], failed["next_retry_at"], len(receiver.arrivals)) == (2, None, 2)
    (parked,) = dead_letters(outbox)
    assert parked["delivery_id"] == failed["id"]  # the queue message names the delivery
    time.sleep(1.2)
    outbox.drain()
    assert len(receiver.arrivals) == 2  # nothing more once failed

    receiver.status = 200
    retried = api.post(f"/webhooks/{created['id']}/deliveries/{failed['id']}/retry")
    assert retried.status == 202
    assert retried.json()["status"] == "pending"
    outbox.drain()
    assert len(receiver.arrivals) == 3
    assert receiver.arrivals[2].event_id == receiver.arrivals[0].event_id
    (done,) = deliveries(api, created["id"])
    assert (done["status"], done["attempts"]) == ("succeeded", 3)


def test_retrying_an_unknown_delivery_is_a_404(api: ApiClient) -> None:
    created = register(api, "https://93.184.215.14/hooks")
    response = api.post(f"/webhooks/{created['id']}/deliveries/dlv_0000000000000000000000/retry")
    assert response.status == 404
    assert api.get("/webhooks/whk_unknown/deliveries").status == 404


class _Redirecting(BaseHTTPRequestHandler):
    target = ""

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        self.send_response(307)
        self.send_header("Location", self.target)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, format: str, *args: Any) -> None:
        pass


def test_redirects_are_not_followed(api: ApiClient, outbox: LocalOutbox, receiver: WebhookListener) -> None:
    _Redirecting.target = receiver.url
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Redirecting)
    import threading

    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        created = register(api, f"http://127.0.0.1:{server.server_address[1]}/hooks", ["points.credited"])
        complete_a_rule(api)
        outbox.drain()
    finally:
        server.shutdown()
        server.server_close()

    assert receiver.arrivals == []
    (delivery,) = deliveries(api, created["id"])
    assert (delivery["status"], delivery["status_code"]) == ("pending", 307)


def test_a_receiver_that_does_not_answer_in_time_is_retried(
    api: ApiClient, outbox: LocalOutbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    from shared import outbound

    monkeypatch.setattr(outbound, "DELIVERY_TIMEOUT_SECONDS", 0.3)

    class Slow(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            time.sleep(1)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Slow)
    import threading

    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        created = register(api, f"http://127.0.0.1:{server.server_address[1]}/hooks", ["points.credited"])
        complete_a_rule(api)
        outbox.drain()
    finally:
        server.shutdown()
        server.server_close()

    (delivery,) = deliveries(api, created["id"])
    assert (delivery["status"], delivery["status_code"], delivery["error"]) == ("pending", None, "timed out")


@pytest.mark.parametrize(
    "internal", ["169.254.169.254", "::a9fe:a9fe", "::169.254.169.254", "::ffff:0:a9fe:a9fe", "64:ff9b::10.0.0.1"]
)
def test_a_target_that_now_resolves_inside_is_refused_at_delivery(
    api: ApiClient, outbox: LocalOutbox, monkeypatch: pytest.MonkeyPatch, internal: str
) -> None:
    import socket

    real = socket.getaddrinfo
    answers = {"hooks.merchant.test": "93.184.215.14"}

    def fake_dns(host: str, port: Any, *args: Any, **kwargs: Any) -> Any:
        if host in answers:
            family = socket.AF_INET6 if ":" in answers[host] else socket.AF_INET
            return [(family, socket.SOCK_STREAM, 6, "", (answers[host], port))]
        return real(host, port, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", fake_dns)
    created = register(api, "https://hooks.merchant.test/rewards", ["points.credited"])
    answers["hooks.merchant.test"] = internal  # DNS rebinding after registration, an IPv6 spelling included

    complete_a_rule(api)
    outbox.drain()

    (delivery,) = deliveries(api, created["id"])
    assert delivery["status"] == "pending"
    assert delivery["status_code"] is None
    assert delivery["error"].startswith("target refused: url resolves to a loopback, private, link-local")


# ------------------------------------------------------------------------------------------ tenants


def test_an_application_receives_only_its_own_events(
    api: ApiClient, other_api: ApiClient, outbox: LocalOutbox, receiver: WebhookListener
) -> None:
    mine = register(api, receiver.url)
    theirs_receiver = WebhookListener().start()
    try:
        theirs = register(other_api, theirs_receiver.url)
        complete_a_rule(api)
        outbox.drain()
        assert theirs_receiver.arrivals == []
    finally:
        theirs_receiver.stop()

    assert {a.envelope()["app_id"] for a in receiver.arrivals} == {api.credentials.app_id}
    assert len(receiver.arrivals) == 3
    assert deliveries(other_api, theirs["id"]) == []
    delivery_id = deliveries(api, mine["id"])[0]["id"]
    for path in (
        f"/webhooks/{mine['id']}",
        f"/webhooks/{mine['id']}/deliveries",
    ):
        assert other_api.get(path).status == 404
    assert other_api.post(f"/webhooks/{mine['id']}/deliveries/{delivery_id}/retry").status == 404
    assert other_api.delete(f"/webhooks/{mine['id']}").status == 404
    assert [w["id"] for w in other_api.get("/webhooks").json()["data"]] == [theirs["id"]]
    assert api.get(f"/webhooks/{mine['id']}").status == 200


def test_a_duplicate_queue_message_makes_no_second_attempt(
    api: ApiClient, outbox: LocalOutbox, receiver: WebhookListener, monkeypatch: pytest.MonkeyPatch
) -> None:
    """SQS delivers at least once: two copies of a message, handled at the same time, POST once.

    The engine's clock stands still (at the real time, which the receiver's signature check needs): the
    copy that finds the attempt claimed waits out the retry time its claim set (1 s here), and a slow
    POST on a loaded machine must not make that time pass in the middle of the first attempt. What a
    copy arriving after the retry time does is the schedule's business
    (test_a_failing_receiver_gets_the_same_event_again_after_the_backoff)."""
    from shared import messaging

    freeze_clock(monkeypatch, start_ms=time.time_ns() // 1_000_000)
    created = register(api, receiver.url, ["points.credited"])
    complete_a_rule(api)
    outbox.pump_stream()  # recorded and queued, not yet attempted
    (delivery,) = deliveries(api, created["id"])
    duplicate = {"app_id": api.credentials.app_id, "webhook_id": created["id"]}
    messaging.enqueue([duplicate | {"delivery_id": delivery["id"], "sequence": 0}] * 2)

    outbox.drain()

    assert len(receiver.arrivals) == 1
    (done,) = deliveries(api, created["id"])
    assert (done["status"], done["attempts"]) == ("succeeded", 1)


def test_a_registration_whose_response_was_lost_is_not_refused(api: ApiClient) -> None:
    from tests.support.faults import FaultPlan, injecting_faults

    with injecting_faults() as faults:
        faults.inject(FaultPlan("lost_response", attempts=1, where=lambda c: c.operation == "TransactWriteItems"))
        created = api.post("/webhooks", {"url": "https://93.184.215.14/hooks", "events": ["*"]})

    assert faults.injections
    assert created.status == 201, created.body
    assert [w["id"] for w in api.get("/webhooks").json()["data"]] == [created.json()["id"]]
