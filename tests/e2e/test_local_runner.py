"""The local runner end to end: `rewards dev` as a real process on loopback ports, spoken to over real
HTTP, with `rewards create-app` and `rewards invoke` run against the store it prints. The tests that
take only ``http`` and ``demo_auth`` also run against a deployed stage (tests/e2e/conftest.py)."""

from __future__ import annotations

import json
import socket
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest

from rewards_cli.cli import SAMPLE_APP_ID
from rewards_cli.openapi import SPEC_PATH
from rewards_cli.template import PROJECT_ROOT
from rewards_cli.webhook_listener import WebhookListener
from shared.api.static import CONTENT_SECURITY_POLICY
from tests.e2e.conftest import DEMO_API_KEY, DEMO_SECRET_KEY, Stage
from tests.e2e.runner import LOOPBACK, HttpClient, LocalRunner, rewards_command, run_rewards
from tests.support.api import UNAUTHORIZED_BODY, basic

pytestmark = pytest.mark.e2e

WWW_AUTHENTICATE = 'Basic realm="rewards", charset="UTF-8"'


def _unique(name: str) -> str:
    """A source_id of this test's own, since the module shares one store."""
    return f"{name}-{uuid.uuid4().hex[:12]}"


# ---------------------------------------------------------------------------------------- the runner


def _listening_addresses(port: int) -> set[str]:
    """Local addresses with a socket listening on ``port``, from /proc/net/tcp and tcp6 (Linux)."""
    addresses = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        path = Path(table)
        if not path.exists():
            continue
        for line in path.read_text().splitlines()[1:]:
            local, _, state = line.split()[1:4]
            address, hex_port = local.rsplit(":", 1)
            if int(hex_port, 16) == port and state == "0A":  # 0A: LISTEN
                addresses.add(address)
    return addresses


def test_it_prints_loopback_urls_and_listens_on_loopback_only(runner: LocalRunner) -> None:
    assert runner.base_url == f"http://{LOOPBACK}:{runner.api_port}"
    assert runner.store_env == {
        "DYNAMODB_ENDPOINT_URL": f"http://{LOOPBACK}:{runner.ddb_port}",
        "TABLE_NAME": runner.table_name,
    }
    if not Path("/proc/net/tcp").exists():
        pytest.skip("no /proc/net/tcp to read listening sockets from")
    for port in (runner.api_port, runner.ddb_port):
        assert _listening_addresses(port) == {"0100007F"}, f"port {port} listens beyond 127.0.0.1"


def test_the_demo_application_has_the_pinned_credentials(runner: LocalRunner) -> None:
    demo = runner.demo
    assert (demo["api_key"], demo["secret_key"]) == (DEMO_API_KEY, DEMO_SECRET_KEY)
    assert demo["app_id"] == SAMPLE_APP_ID, "the application the samples in events/ act as"


def test_the_commands_it_suggests_run_as_printed(runner: LocalRunner) -> None:
    """`rewards` is not on PATH: the runner names the script it was started as."""
    assert f"try `{rewards_command()[0]} webhooks listen --port 4000`" in runner.output


# ------------------------------------------------------------------------------------------ 401s


BadHeader = Callable[[Stage], str | None]


@pytest.mark.parametrize(
    "bad_header",
    [
        pytest.param(lambda s: basic(s.api_key, "sk_wrong"), id="wrong secret"),
        pytest.param(lambda s: basic("ak_unknown", s.secret_key), id="unknown key"),
        pytest.param(lambda s: "Bearer eyJhbGciOiJIUzI1NiJ9.e30.x", id="bearer"),
        pytest.param(lambda s: None, id="no header"),
        pytest.param(lambda s: "Basic !!notbase64!!", id="malformed"),
        pytest.param(lambda s: basic(s.api_key, ""), id="empty secret"),
        pytest.param(lambda s: f"Basic {s.api_key}:{s.secret_key}", id="not encoded"),
    ],
)
@pytest.mark.parametrize("method", ["GET", "PUT"])
def test_every_bad_credential_gets_the_same_401_body(
    http: HttpClient, stage: Stage, bad_header: BadHeader, method: str
) -> None:
    body = {"name": "x"} if method == "PUT" else None
    response = http.request(method, "/customers/KMN@123", json_body=body, authorization=bad_header(stage))

    assert response.status == 401
    request_id = response.headers["x-request-id"]
    assert request_id
    assert response.json() == {**UNAUTHORIZED_BODY, "request_id": request_id}
    assert response.headers["WWW-Authenticate"] == WWW_AUTHENTICATE
    assert response.headers["Content-Type"] == "application/json"


def test_a_lowercase_scheme_is_accepted(http: HttpClient, demo_auth: str) -> None:
    authorization = demo_auth.replace("Basic ", "basic ")
    assert http.request("GET", "/customers/nobody", authorization=authorization).status == 404


# ------------------------------------------------------------------------------------- customers


def test_put_then_get_a_customer(http: HttpClient, demo_auth: str) -> None:
    source_id = _unique("KMN@123")
    profile = {"name": "Krish", "email": "k@example.com", "tags": ["cohortA"], "tier": "SILVER",
               "enrolled_at": "2022-01-05T10:00:00Z", "attributes": {"city": "Pune", "age": 31}}  # fmt: skip

    created = http.request("PUT", f"/customers/{source_id}", json_body=profile, authorization=demo_auth)
    fetched = http.request("GET", f"/customers/{source_id}", authorization=demo_auth)
    updated = http.request("PUT", f"/customers/{source_id}", json_body={"tier": "GOLD"}, authorization=demo_auth)

    assert created.status == 201, created.body
    customer = created.json()
    assert customer["id"].startswith("cust_")
    assert customer["source_id"] == source_id
    assert customer["points"] == {"balance": 0, "earned": 0, "redeemed": 0, "pending": 0, "expired": 0, "expiring": []}
    assert fetched.status == 200
    assert fetched.json() == customer
    assert fetched.headers["x-request-id"] != created.headers["x-request-id"]
    assert updated.status == 200
    assert (updated.json()["id"], updated.json()["name"], updated.json()["tier"]) == (customer["id"], "Krish", "GOLD")


def test_customer_service_credits_once_and_reverses_part_of_it(http: HttpClient, demo_auth: str) -> None:
    """Over real HTTP, with the application's points policy as it is (this test never changes it)."""
    source_id = _unique("points")
    path = f"/customers/{quote(source_id, safe='')}"
    assert http.request("PUT", path, json_body={"name": "Kim"}, authorization=demo_auth).status == 201
    credit = {"points": 120, "description": "Goodwill: late delivery"}
    key = {"Idempotency-Key": _unique("ticket")}

    first = http.request("POST", f"{path}/transactions", json_body=credit, headers=key, authorization=demo_auth)
    again = http.request("POST", f"{path}/transactions", json_body=credit, headers=key, authorization=demo_auth)
    txn_id = first.json()["id"]
    reversed_ = http.request(
        "POST", f"{path}/transactions/{txn_id}/reverse", json_body={"points": 20}, authorization=demo_auth
    )
    too_much = http.request(
        "POST", f"{path}/transactions/{txn_id}/reverse", json_body={"points": 101}, authorization=demo_auth
    )
    reversals = http.request("GET", f"{path}/transactions?reason=reversal", authorization=demo_auth)

    assert (first.status, again.status) == (201, 201), first.body
    assert again.json() == first.json()
    assert reversed_.status == 201, reversed_.body
    assert (reversed_.json()["reverses"], reversed_.json()["points"]) == (txn_id, -20)
    assert too_much.status == 400
    assert too_much.json()["details"].startswith("points: 101 is more than is left")
    assert [e["id"] for e in reversals.json()["data"]] == [reversed_.json()["id"]]
    assert http.request("GET", path, authorization=demo_auth).json()["points"]["earned"] == 100


def test_an_encoded_source_id_is_decoded_like_api_gateway_does(http: HttpClient, demo_auth: str) -> None:
    source_id = _unique("with space/and slash")
    path = f"/customers/{quote(source_id, safe='')}"
    created = http.request("PUT", path, json_body={"name": "S"}, authorization=demo_auth)
    assert created.status == 201, created.body
    assert created.json()["source_id"] == source_id
    assert http.request("GET", path, authorization=demo_auth).json()["id"] == created.json()["id"]


def test_an_unknown_customer_gets_the_seed_404_body(http: HttpClient, demo_auth: str) -> None:
    response = http.request("GET", "/customers/KMN@404", authorization=demo_auth)

    assert response.status == 404
    assert response.json() == {
        "code": 404,
        "key": "not_found",
        "message": "Resource not found",
        "details": "Cannot find customer with source id KMN@404",
        "request_id": response.headers["x-request-id"],
    }


@pytest.mark.parametrize(
    ("raw", "details"),
    [
        ("{not json", "body is not valid JSON"),
        ('{"name": 5}', "name: input should be a valid string"),
        ('{"tags": "vip"}', "tags: input should be a valid list"),
        ('{"attributes": []}', "attributes: input should be a valid dictionary"),
        ('{"enrolled_at": "yesterday"}', "enrolled_at: input should be a valid datetime"),
        ('{"nickname": "K"}', "nickname is not a known field"),
        ("[1, 2]", "body: input should be a valid dictionary"),
    ],
)
def test_bad_input_is_a_400_naming_the_field(http: HttpClient, demo_auth: str, raw: str, details: str) -> None:
    path = f"/customers/{_unique('bad')}"
    response = http.request("PUT", path, raw_body=raw, authorization=demo_auth)

    assert response.status == 400
    body = response.json()
    assert body["key"] == "validation_failed"
    assert body["details"].startswith(details), body["details"]
    assert body["request_id"] == response.headers["x-request-id"]
    assert b"Traceback" not in response.body
    assert http.request("GET", path, authorization=demo_auth).status == 404, "nothing was written"


def _raw_exchange(runner: LocalRunner, head: list[str], body: bytes, *, half_close: bool = False) -> tuple[int, bytes]:
    """One request written byte for byte on a socket (an HTTP client would fix its framing), its status
    and body; the server must answer and close the connection, never just drop it."""
    with socket.create_connection((LOOPBACK, runner.api_port), timeout=30) as connection:
        connection.sendall(("\r\n".join(head) + "\r\n\r\n").encode("latin-1") + body)
        if half_close:
            connection.shutdown(socket.SHUT_WR)  # the client has nothing more to send
        received = b""
        while chunk := connection.recv(65536):
            received += chunk
    assert received, "the connection was dropped without an answer"
    status_line, _, rest = received.partition(b"\r\n")
    return int(status_line.split()[1]), rest.partition(b"\r\n\r\n")[2]


@pytest.mark.parametrize(
    ("lengths", "details"),
    [
        (["abc"], "Content-Length must be a number of bytes"),
        (["-1"], "Content-Length must be a number of bytes"),
        (["+2"], "Content-Length must be a number of bytes"),
        (["1_0"], "Content-Length must be a number of bytes"),
        (["0x2"], "Content-Length must be a number of bytes"),
        (["2, 2"], "Content-Length must be a number of bytes"),
        ([""], "Content-Length must be a number of bytes"),
        (["2", "2"], "Content-Length appears more than once"),
        (["2", "7"], "Content-Length appears more than once"),
        (["100"], "the body is shorter than its Content-Length (100 bytes)"),
    ],
)
def test_a_malformed_content_length_is_a_clear_400(
    runner: LocalRunner, demo_auth: str, lengths: list[str], details: str
) -> None:
    """The runner dropped the connection (an exception in its handler) on a Content-Length ``int`` could
    not read, and waited forever for a body shorter than announced (issue 21)."""
    path = f"/customers/{_unique('framing')}"
    head = [f"PUT {path} HTTP/1.1", f"Host: {LOOPBACK}", f"Authorization: {demo_auth}"]
    head += [f"Content-Length: {length}" for length in lengths]

    status, body = _raw_exchange(runner, head, b"{}", half_close=True)

    assert status == 400, body
    answer = json.loads(body)
    assert (answer["code"], answer["key"], answer["details"]) == (400, "bad_request", details)
    assert HttpClient(runner.base_url).request("GET", path, authorization=demo_auth).status == 404
    assert runner.running


def test_a_content_length_beyond_any_limit_is_a_413(runner: LocalRunner, demo_auth: str) -> None:
    head = [f"PUT /customers/{_unique('huge')} HTTP/1.1", f"Host: {LOOPBACK}", "Content-Length: " + "9" * 5000]
    status, body = _raw_exchange(runner, [*head, f"Authorization: {demo_auth}"], b"{}", half_close=True)
    assert status == 413, body
    assert (json.loads(body)["key"], json.loads(body)["details"]) == ("payload_too_large", "body is too large")


def test_a_json_body_sent_as_a_form_is_still_read_as_json(http: HttpClient, demo_auth: str) -> None:
    """`curl -d '{...}'` says application/x-www-form-urlencoded."""
    response = http.request(
        "PUT",
        f"/customers/{_unique('curl-user')}",
        raw_body='{"name": "Curl"}',
        authorization=demo_auth,
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert response.status in (200, 201), response.body
    assert response.json()["name"] == "Curl"


def test_an_unknown_route_is_the_gateways_404(http: HttpClient, demo_auth: str) -> None:
    response = http.request("GET", "/no/such/route", authorization=demo_auth)
    assert response.status == 404
    assert response.json()["key"] == "not_found"


# ------------------------------------------------------------------------------ a second application


def test_create_app_makes_a_second_application_that_cannot_see_the_first(
    runner: LocalRunner, http: HttpClient, demo_auth: str
) -> None:
    mine = http.request("PUT", "/customers/shared-id", json_body={"name": "First"}, authorization=demo_auth)
    assert mine.status == 201, mine.body

    created = run_rewards("create-app", "--name", "second", env=runner.store_env)

    assert created.returncode == 0, created.stderr
    second: dict[str, Any] = json.loads(created.stdout)
    assert second["app_id"].startswith("app_")
    assert second["app_id"] != runner.demo["app_id"]
    second_auth = basic(second["api_key"], second["secret_key"])
    assert http.request("GET", "/customers/shared-id", authorization=second_auth).status == 404
    own = http.request("PUT", "/customers/shared-id", json_body={"name": "Second"}, authorization=second_auth)
    assert own.status == 201
    first = http.request("GET", "/customers/shared-id", authorization=demo_auth).json()
    assert first["name"] == "First"
    assert first["id"] != own.json()["id"]
    # a wrong secret for the new key is still the one 401
    wrong = http.request("GET", "/customers/shared-id", authorization=basic(second["api_key"], "sk_wrong"))
    assert wrong.status == 401


# ---------------------------------------------------------------------------------- webhooks


def _wait_until(condition: Any, seconds: float = 20.0) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "timed out waiting for the runner"
        time.sleep(0.1)


def test_a_completed_rule_reaches_a_local_webhook_signed_within_seconds(
    runner: LocalRunner, http: HttpClient, demo_auth: str
) -> None:
    """The issue's walkthrough: a receiver on this machine, a rule completed, signed events within
    seconds; a receiver answering 500 gets the same event id again; another application's webhook
    gets nothing; the metadata address is refused."""
    mine, theirs = WebhookListener().start(), WebhookListener().start()
    try:
        refused = http.request(
            "POST", "/webhooks", json_body={"url": "http://169.254.169.254/", "events": ["*"]}, authorization=demo_auth
        )
        assert refused.status == 400
        assert refused.json()["details"].startswith("url: ")
        created = http.request(
            "POST",
            "/webhooks",
            json_body={"url": mine.url, "events": ["rule.completed", "points.credited"]},
            authorization=demo_auth,
        )
        assert created.status == 201, created.body
        mine.secret = created.json()["secret"]
        other = json.loads(run_rewards("create-app", "--name", "other", env=runner.store_env).stdout)
        other_auth = basic(other["api_key"], other["secret_key"])
        assert (
            http.request(
                "POST", "/webhooks", json_body={"url": theirs.url, "events": ["*"]}, authorization=other_auth
            ).status
            == 201
        )
        kyc = f"kyc-{uuid.uuid4().hex[:8]}"
        campaign = {
            "campaign_name": "KYC",
            "rules": [
                {"rule_name": "KYC", "action_type": "RTA", "actions": [{"event_name": kyc, "target": 1}],
                 "reward": {"type": "points", "points": 100}}
            ],
        }  # fmt: skip
        assert http.request("POST", "/campaigns", json_body=campaign, authorization=demo_auth).status == 201
        mine.status = 500

        started = time.monotonic()
        sent = http.request(
            "POST", "/events", json_body={"source_id": _unique("hook"), "event_name": kyc}, authorization=demo_auth
        )
        assert sent.status == 200, sent.body
        _wait_until(lambda: len(mine.arrivals) >= 2)
        assert time.monotonic() - started < 10
        first = {a.envelope()["type"]: a.event_id for a in mine.arrivals[:2]}
        assert sorted(first) == ["points.credited", "rule.completed"]
        assert all(a.verified for a in mine.arrivals)
        mine.status = 200
        _wait_until(lambda: len(mine.arrivals) >= 4)  # the retries, within seconds locally
        again = {a.envelope()["type"]: a.event_id for a in mine.arrivals[2:4]}
        assert again == first
        assert all(a.verified for a in mine.arrivals)
        assert theirs.arrivals == []
    finally:
        mine.stop()
        theirs.stop()


# ---------------------------------------------------------------------------------- docs, no auth


def test_openapi_json_and_swagger_need_no_credentials(runner: LocalRunner, http: HttpClient) -> None:
    """The runner serves the docs; a deployed stage does not."""
    spec = http.request("GET", "/openapi.json")
    swagger = http.request("GET", "/swagger")

    assert spec.status == 200
    assert spec.headers["Content-Type"] == "application/json"
    assert spec.json() == json.loads(SPEC_PATH.read_text())
    assert swagger.status == 200
    assert swagger.headers["Content-Type"].startswith("text/html")
    assert swagger.headers["Content-Security-Policy"] == CONTENT_SECURITY_POLICY
    # Swagger UI's own files, from the runner (never a CDN), started by a script file (the CSP allows no other)
    assert b'<script src="/swagger/swagger-ui-bundle.js">' in swagger.body
    assert b"://" not in swagger.body
    start = http.request("GET", "/swagger/start.js")
    assert start.status == 200
    assert b'SwaggerUIBundle({url: "/openapi.json"' in start.body


def test_the_runner_serves_a_favicon(runner: LocalRunner, http: HttpClient) -> None:
    icon = http.request("GET", "/favicon.ico")
    assert icon.status == 200
    assert icon.headers["Content-Type"] == "image/svg+xml"
    assert icon.body.startswith(b"<svg")


# ---------------------------------------------------------------------------------- rewards invoke


def test_rewards_invoke_runs_the_sample_events_against_the_runners_store(runner: LocalRunner) -> None:
    put = run_rewards("invoke", "CustomersPutFunction", "-e", "events/customers_put.json", env=runner.store_env)
    authorizer = run_rewards("invoke", "AuthorizerFunction", "-e", "events/authorizer.json", env=runner.store_env)

    assert put.returncode == 0, put.stderr
    result = json.loads(put.stdout)  # stdout is the result alone; the function's logs go to stderr
    assert result["statusCode"] in (200, 201)
    assert json.loads(result["body"])["source_id"] == "KMN@123"
    assert authorizer.returncode == 0, authorizer.stderr
    policy = json.loads(authorizer.stdout)
    assert policy["principalId"] == runner.demo["app_id"], "events/authorizer.json carries the pinned credentials"
    # the key goes with the application, for the audit log's credential (never the secret)
    assert policy["context"] == {"app_id": runner.demo["app_id"], "api_key": runner.demo["api_key"]}
    assert {s["Effect"] for s in policy["policyDocument"]["Statement"]} == {"Allow"}
    # What the sample wrote is the demo application's: its keys read it through the API.
    read = runner.client().request("GET", "/customers/KMN@123", authorization=runner.demo_authorization)
    assert read.status == 200, read.body


# ------------------------------------------------------------------------------------------ restart


@pytest.mark.parametrize("pinned", [True, False], ids=["pinned credentials", "saved credentials"])
def test_a_restart_on_the_same_state_file_keeps_customers_and_the_demo_application(
    tmp_path: Path, pinned: bool
) -> None:
    state_file = tmp_path / "state" / "dynamodb.json"
    state_file.parent.mkdir()
    env = {"LOCAL_API_KEY": "ak_restart", "LOCAL_SECRET_KEY": "sk_restart"} if pinned else {}
    developer_demo = PROJECT_ROOT / ".local" / "demo-app.json"
    before = developer_demo.read_bytes() if developer_demo.exists() else None

    first = LocalRunner(state_file, env=env)
    try:
        first.start()
        demo = first.demo
        created = first.client().request(
            "PUT", "/customers/kept", json_body={"name": "Kept"}, authorization=first.demo_authorization
        )
        assert created.status == 201, created.body
        assert first.stop() == 0, f"SIGTERM must stop the runner cleanly:\n{first.output}"
        # the store's files: its journal until a snapshot compacts it into the state file itself
        assert list(state_file.parent.glob("dynamodb-journal-*.log")) or state_file.exists()

        second = LocalRunner(state_file, env=env)
        try:
            second.start()
            assert second.demo == demo, "the same demo application, with the same credentials"
            fetched = second.client().request("GET", "/customers/kept", authorization=second.demo_authorization)
            assert fetched.status == 200, fetched.body
            assert fetched.json() == created.json()
        finally:
            print(second.output)
            second.stop()
    finally:
        print(first.output)
        first.kill()

    if pinned:
        assert (demo["api_key"], demo["secret_key"]) == ("ak_restart", "sk_restart")
    else:
        assert json.loads((state_file.parent / "demo-app.json").read_text()) == demo
    after = developer_demo.read_bytes() if developer_demo.exists() else None
    assert after == before, "a runner on another state file must not touch .local/demo-app.json"


# ------------------------------------------------------------------------------------- coming from Rehook


def test_a_rehook_integration_works_unchanged(http: HttpClient, demo_auth: str) -> None:
    """The three calls of Rehook's Segment destination, over HTTP, as the README's curl shows them."""
    wrong = basic(DEMO_API_KEY, DEMO_SECRET_KEY + "x")
    assert http.request("GET", "/events/segment/check-auth", authorization=demo_auth).status == 200
    assert http.request("GET", "/events/segment/check-auth", authorization=wrong).status == 401
    campaign = {"campaign_name": "Spend 100", "rules": [{"rule_name": "Revenue 100", "action_type": "RTA",
                "actions": [{"event_name": "Order Completed", "measure": "sum", "property": "revenue", "target": 100}],
                "reward": {"type": "points", "points": 250}}]}  # fmt: skip
    assert http.request("POST", "/campaigns", json_body=campaign, authorization=demo_auth).status == 201
    referrer, referee = _unique("alice"), _unique("bob")
    alice = http.request("POST", "/customers", json_body={"source_id": referrer, "metadata": {"firstName": "Alice"}},
                         authorization=demo_auth)  # fmt: skip
    assert alice.status == 201, alice.body
    bob = http.request("POST", "/customers", authorization=demo_auth, json_body={
        "source_id": referee, "metadata": {"email": "bob@example.com", "address": {"city": "Pune"}},
        "referral_code": alice.json()["referral_code"]})  # fmt: skip
    assert bob.status == 201, bob.body
    assert (bob.json()["referred_by"], bob.json()["attributes"]) == (referrer, {"address": {"city": "Pune"}})
    for revenue in (40.5, 40.5, 19):
        answer = http.request("POST", "/events/invoke", authorization=demo_auth,
                              json_body={"event_name": "Order Completed", "source_id": referee,
                                         "metadata": {"revenue": revenue, "products": [{"sku": "A"}]}})  # fmt: skip
        assert answer.status == 200, answer.body
    assert [(r["source_id"], r["points"]) for r in answer.json()["rewards"]] == [(referee, 250)]


def test_a_restart_after_the_demo_keys_were_lost_makes_a_new_demo_application(tmp_path: Path) -> None:
    """The store keeps the samples' application, whose secret only demo-app.json held: the runner still
    starts, with a new demo application of its own."""
    state_file = tmp_path / "dynamodb.json"
    with LocalRunner(state_file) as first:
        lost = first.demo
    (tmp_path / "demo-app.json").unlink()
    with LocalRunner(state_file) as second:
        assert lost["app_id"] == SAMPLE_APP_ID
        assert second.demo["app_id"] != SAMPLE_APP_ID
        assert second.demo["api_key"] != lost["api_key"]
        answer = second.client().request("GET", "/customers/nobody", authorization=second.demo_authorization)
        assert answer.status == 404, answer.body
