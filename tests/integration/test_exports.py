"""Exports (POST /exports, GET /exports/{export_id}) through the gateway, the export queue and its worker
(the local outbox runs it as the queue's event source mapping does) over moto's DynamoDB, SQS and S3:
the files' content, the ledger's sums against the API's balances, erased customers, time bounds, tenants,
validation, the streaming upload and the worker's attempts."""

from __future__ import annotations

import csv
import io
import json
from collections import defaultdict
from datetime import datetime, timedelta
from functools import partial
from typing import Any
from urllib.parse import quote

import pytest
import requests

from rewards_cli.outbox import LocalOutbox
from shared import object_store
from shared.domain import export_files
from shared.errors import ServiceUnavailable
from shared.storage import export_reads
from tests.support.api import ApiClient
from tests.support.concurrency import Request as ConcurrentRequest
from tests.support.concurrency import fire_together, send_together
from tests.support.coupons import create_coupon, order_body, simple_coupon
from tests.support.rewards import give_points
from tests.support.stateful import REWARD_BODY

PERSONAL = {
    "name": "Zelda Quuxworth",
    "email": "zelda.quuxworth@example.org",
    "phone": "+4479460123456",
    "attributes": {"favourite_colour": "Vermilion-Zq"},
    "tags": ["zq-cohort"],
}
TRACES = ("Zelda", "Quuxworth", "zelda.quuxworth", "+4479460123456", "Vermilion-Zq", "favourite_colour", "zq-cohort")


def path(source_id: str, suffix: str = "") -> str:
    return f"/customers/{quote(source_id, safe='')}{suffix}"


def adjust(api: ApiClient, source_id: str, points: int, description: str = "goodwill") -> dict[str, Any]:
    response = api.post(path(source_id, "/transactions"), {"points": points, "description": description})
    assert response.status == 201, response.body
    body: dict[str, Any] = response.json()
    return body


def start(api: ApiClient, **body: Any) -> dict[str, Any]:
    response = api.post("/exports", body)
    assert response.status == 202, response.body
    job: dict[str, Any] = response.json()
    return job


def finished(api: ApiClient, outbox: LocalOutbox, job_id: str) -> dict[str, Any]:
    outbox.drain()
    response = api.get(f"/exports/{job_id}")
    assert response.status == 200, response.body
    job: dict[str, Any] = response.json()
    return job


def exported(api: ApiClient, outbox: LocalOutbox, **body: Any) -> bytes:
    """The file of a new export, through its download link."""
    job = finished(api, outbox, start(api, **body)["id"])
    assert job["status"] == "succeeded", job
    downloaded = requests.get(job["download_url"], timeout=10)
    assert downloaded.status_code == 200
    assert len(downloaded.content) == job["size_bytes"]
    return downloaded.content


def shifted(iso: str, ms: int) -> str:
    moment = datetime.fromisoformat(iso) + timedelta(milliseconds=ms)
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def csv_rows(data: bytes) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(data.decode(), newline="")))


def json_rows(data: bytes) -> list[dict[str, Any]]:
    return [json.loads(line) for line in data.decode().split("\n") if line]


# ------------------------------------------------------------------ jobs and files


def test_an_export_is_queued_then_succeeds_with_its_counts_and_a_short_lived_link(
    api: ApiClient, outbox: LocalOutbox
) -> None:
    # Given two customers
    for source_id in ("a-1", "a-2"):
        assert api.put(path(source_id), {"name": source_id}).status == 201
    # When an export starts
    job = start(api, type="customers")
    # Then it is queued, with no link yet
    assert job["id"].startswith("exp_")
    assert job["status"] == "queued"
    assert job["download_url"] is None
    assert api.get(f"/exports/{job['id']}").json()["status"] == "queued"
    # and once the worker ran it has its rows, size and a link valid for 15 minutes
    done = finished(api, outbox, job["id"])
    assert (done["status"], done["rows"], done["format"]) == ("succeeded", 2, "csv")
    assert done["size_bytes"] > 0
    assert "X-Amz-Expires=900" in done["download_url"]
    assert done["finished_at"] >= done["started_at"] >= done["created_at"]


def test_the_customers_file_has_every_profile_with_its_fields_and_points(api: ApiClient, outbox: LocalOutbox) -> None:
    assert (
        api.put(path("b@2"), {"name": 'Bo, "the" =1', "email": "bo@shop.example", "attributes": {"k": "v\nw"}}).status
        == 201
    )
    adjust(api, "b@2", 40)
    (row,) = csv_rows(exported(api, outbox, type="customers"))
    assert row["source_id"] == "b@2"
    assert row["name"] == 'Bo, "the" =1'
    assert row["email"] == "bo@shop.example"
    assert json.loads(row["attributes"]) == {"k": "v\nw"}
    assert row["points_balance"] == "40"
    (line,) = json_rows(exported(api, outbox, type="customers", format="jsonl"))
    assert line["attributes"] == {"k": "v\nw"}
    assert line["points_balance"] == 40
    assert line["tags"] == []


def test_the_customers_file_shows_the_tier_a_read_shows(api: ApiClient, outbox: LocalOutbox) -> None:
    from tests.support.tiers import set_program

    # Given a member whose stored tier text is not a tier of the program, and one without a program tier
    assert api.put(path("kim"), {"tier": "Diamond"}).status == 201
    assert api.put(path("lee"), {"tier": "Bronze"}).status == 201
    # Without a program, the file holds the text as stored
    assert {row["source_id"]: row["tier"] for row in csv_rows(exported(api, outbox, type="customers"))} == {
        "kim": "Diamond",
        "lee": "Bronze",
    }
    # With one, the tier computed now, as GET /customers/{source_id} shows it
    set_program(api)
    shown = api.get(path("kim")).json()["tier"]["name"]
    assert shown == "Silver"
    rows = json_rows(exported(api, outbox, type="customers", format="jsonl"))
    assert {row["source_id"]: row["tier"] for row in rows} == {"kim": shown, "lee": "Silver"}


def test_a_formula_in_a_profile_reaches_the_csv_as_text(api: ApiClient, outbox: LocalOutbox) -> None:
    assert api.put(path("=HYPERLINK(1)"), {"name": "@SUM(A1)", "tags": ["-1+1"]}).status == 201
    (row,) = csv_rows(exported(api, outbox, type="customers"))
    assert (row["source_id"], row["name"], row["tags"]) == ("'=HYPERLINK(1)", "'@SUM(A1)", '["-1+1"]')


def test_the_ledger_sums_per_customer_equal_the_api_balances(api: ApiClient, outbox: LocalOutbox) -> None:
    # Given customers credited by a campaign and by customer service, debited, and one with nothing
    reward_id = api.post("/rewards", {**REWARD_BODY, "payment_configs": [{"payment_mode": "POINTS", "points": 30}]})
    assert reward_id.status == 201, reward_id.body
    for index, source_id in enumerate(("l-1", "l-2", "l-3")):
        assert api.put(path(source_id), {"name": source_id}).status == 201
        if index < 2:
            give_points(api, source_id, 100 + index)
            adjust(api, source_id, -7 * (index + 1))
    redeemed = api.post(path("l-1", f"/rewards/{reward_id.json()['id']}/redeem"), {})
    assert redeemed.status in (200, 201), redeemed.body
    # When the whole ledger is exported, in both formats
    for fmt in ("csv", "jsonl"):
        data = exported(api, outbox, type="ledger", format=fmt)
        rows = csv_rows(data) if fmt == "csv" else json_rows(data)
        sums: dict[str, int] = defaultdict(int)
        for row in rows:
            sums[row["source_id"]] += int(row["points"])
        # Then each customer's sum is the balance GET /customers answers, and the entries are all there
        balances = {s: api.get(path(s)).json()["points"]["balance"] for s in ("l-1", "l-2", "l-3")}
        assert dict(sums) == {s: b for s, b in balances.items() if b or s in sums}, fmt
        assert balances == {"l-1": 100 - 7 - 30, "l-2": 101 - 14, "l-3": 0}
        assert len(rows) == 5


def test_the_redemptions_and_coupon_redemptions_files(api: ApiClient, outbox: LocalOutbox) -> None:
    assert api.put(path("r-1"), {"name": "R"}).status == 201
    reward = api.post("/rewards", REWARD_BODY).json()
    redemption = api.post(path("r-1", f"/rewards/{reward['id']}/redeem"), {}).json()
    coupon = create_coupon(api, simple_coupon("SAVE10"))
    applied = api.post(
        "/coupons/apply", order_body(coupon["coupon_id"], "SAVE10", source_id="r-1"), query={"type": "redeem"}
    )
    assert applied.status == 200, applied.body
    (reward_row,) = csv_rows(exported(api, outbox, type="redemptions"))
    assert (reward_row["redemption_id"], reward_row["source_id"], reward_row["status"]) == (
        redemption["id"],
        "r-1",
        "completed",
    )
    (coupon_row,) = json_rows(exported(api, outbox, type="coupon_redemptions", format="jsonl"))
    assert (coupon_row["coupon_id"], coupon_row["coupon_code"], coupon_row["source_id"]) == (
        coupon["coupon_id"],
        "SAVE10",
        "r-1",
    )
    assert coupon_row["order_id"] == "1223456"
    assert coupon_row["status"] == "completed"
    assert coupon_row["discount"] == 10


# ------------------------------------------------------------------ erased customers


def test_an_erased_customer_appears_in_no_export_but_by_pseudonym_and_the_totals_stay(
    api: ApiClient, outbox: LocalOutbox
) -> None:
    # Given a customer with personal data, points, a note naming them and a coupon redemption, then erased
    assert api.put(path("zq-77"), PERSONAL).status == 201
    adjust(api, "zq-77", 60, description="asked by Zelda Quuxworth")
    coupon = create_coupon(api, simple_coupon("ZQ10"))
    body = order_body(coupon["coupon_id"], "ZQ10", source_id="zq-77", order_id="zq-order")
    assert api.post("/coupons/apply", body, query={"type": "redeem"}).status == 200
    assert api.put(path("other"), {"name": "Other"}).status == 201
    pseudonym = api.post(path("zq-77", "/erase"), {}).json()["pseudonym"]
    # When every type is exported in every format
    files = {
        (kind, fmt): exported(api, outbox, type=kind, format=fmt)
        for kind in ("customers", "ledger", "redemptions", "coupon_redemptions")
        for fmt in ("csv", "jsonl")
    }
    # Then no file holds a trace of the person, nor the source_id it was known by
    for (kind, fmt), data in files.items():
        text = data.decode()
        assert not [trace for trace in (*TRACES, "zq-77") if trace in text], (kind, fmt)
    # while the customer is there by pseudonym, with its points, and the ledger still sums to them
    customers = {row["source_id"]: row for row in csv_rows(files["customers", "csv"])}
    assert set(customers) == {pseudonym, "other"}
    assert customers[pseudonym]["points_balance"] == "60"
    assert customers[pseudonym]["erased_at"]
    assert customers[pseudonym]["name"] == customers[pseudonym]["email"] == customers[pseudonym]["attributes"] == ""
    (entry,) = csv_rows(files["ledger", "csv"])
    assert (entry["source_id"], entry["points"], entry["description"]) == (pseudonym, "60", "")
    (redeemed,) = json_rows(files["coupon_redemptions", "jsonl"])
    assert redeemed["source_id"] == pseudonym


def test_an_export_made_before_an_erasure_no_longer_gives_its_file_and_a_new_one_does(
    api: ApiClient, outbox: LocalOutbox
) -> None:
    # Given a customer with personal data in a finished export
    assert api.put(path("zq-78"), PERSONAL).status == 201
    before = finished(api, outbox, start(api, type="customers")["id"])
    assert before["status"] == "succeeded"
    assert before["download_url"]
    # When the customer is erased
    erased_at = api.post(path("zq-78", "/erase"), {}).json()["erased_at"]
    # Then that export gives no link any more, and says why
    withdrawn = api.get(f"/exports/{before['id']}").json()
    assert (withdrawn["status"], withdrawn["download_url"], withdrawn["rows"]) == ("withdrawn", None, 1)
    assert erased_at in withdrawn["error"]
    # while an export started after the erasure gives its file, holding no trace of the person
    data = exported(api, outbox, type="customers")
    assert not [trace for trace in (*TRACES, "zq-78") if trace in data.decode()]
    # and erasing the same customer again (nothing changes) withdraws nothing more
    assert api.post(path("zq-78", "/erase"), {}).status == 200
    latest = finished(api, outbox, start(api, type="customers")["id"])
    assert api.post(path("zq-78", "/erase"), {}).status == 200
    assert api.get(f"/exports/{latest['id']}").json()["status"] == "succeeded"


# ------------------------------------------------------------------ time bounds


def test_the_time_bounds_are_inclusive_to_the_millisecond(api: ApiClient, outbox: LocalOutbox) -> None:
    assert api.put(path("t-1"), {"name": "T"}).status == 201
    first, second = adjust(api, "t-1", 5), adjust(api, "t-1", 9)
    entries = api.get(path("t-1", "/transactions")).json()["data"]
    at = {entry["id"]: entry["created_at"] for entry in entries}
    first_at, second_at = at[first["id"]], at[second["id"]]

    def ledger_ids(**bounds: str) -> list[str]:
        return [row["txn_id"] for row in csv_rows(exported(api, outbox, type="ledger", **bounds))]

    # both ends inclusive: an export of exactly one entry's instant has it
    assert first["id"] in ledger_ids(starts_at=first_at, ends_at=first_at)
    # one millisecond off either end leaves it out
    assert first["id"] not in ledger_ids(starts_at=shifted(first_at, 1))
    assert second["id"] not in ledger_ids(ends_at=shifted(second_at, -1))
    assert set(ledger_ids(starts_at=first_at, ends_at=second_at)) == {first["id"], second["id"]}
    # the customers export bounds on the profile's creation
    created_at = api.get(path("t-1")).json()["created_at"]
    assert [r["source_id"] for r in csv_rows(exported(api, outbox, type="customers", ends_at=created_at))] == ["t-1"]
    assert csv_rows(exported(api, outbox, type="customers", ends_at=shifted(created_at, -1))) == []


def test_redemptions_are_bounded_by_their_own_time_inclusive(api: ApiClient, outbox: LocalOutbox) -> None:
    assert api.put(path("w-1"), {"name": "W"}).status == 201
    reward = api.post("/rewards", REWARD_BODY).json()
    redemption = api.post(path("w-1", f"/rewards/{reward['id']}/redeem"), {}).json()
    coupon = create_coupon(api, simple_coupon("W10"))
    body = order_body(coupon["coupon_id"], "W10", source_id="w-1", order_id="w-order")
    assert api.post("/coupons/apply", body, query={"type": "redeem"}).status == 200
    used_at = api.get(f"/coupons/{coupon['coupon_id']}/redemptions").json()["data"][0]["created_at"]
    for kind, at in (("redemptions", redemption["created_at"]), ("coupon_redemptions", used_at)):
        assert len(csv_rows(exported(api, outbox, type=kind, starts_at=at, ends_at=at))) == 1, kind
        assert csv_rows(exported(api, outbox, type=kind, starts_at=shifted(at, 1))) == [], kind
        assert csv_rows(exported(api, outbox, type=kind, ends_at=shifted(at, -1))) == [], kind


# ------------------------------------------------------------------ validation and tenants


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "type"),
        ({"type": "orders"}, "type"),
        ({"type": "ledger", "format": "xlsx"}, "format"),
        ({"type": "ledger", "starts_at": "yesterday"}, "starts_at"),
        ({"type": "ledger", "starts_at": "2026-01-01T00:00:00"}, "starts_at"),  # no time zone
        ({"type": "ledger", "ends_at": 1767225600}, "ends_at"),
        ({"type": "ledger", "starts_at": "2026-01-02T00:00:00Z", "ends_at": "2026-01-01T23:59:59.999Z"}, "ends_at"),
        ({"type": "ledger", "since": "2026-01-01T00:00:00Z"}, "since"),
    ],
)
def test_a_bad_request_is_a_400_naming_the_field_and_starts_nothing(
    api: ApiClient, outbox: LocalOutbox, body: dict[str, Any], field: str
) -> None:
    response = api.post("/exports", body)
    assert response.status == 400, response.body
    assert field in response.json()["details"]
    assert outbox.pump_queue() == 0


def test_equal_bounds_are_one_instant_not_an_error(api: ApiClient) -> None:
    start(api, type="ledger", starts_at="2026-01-01T00:00:00Z", ends_at="2026-01-01T00:00:00Z")


def test_the_bounds_are_answered_as_asked_in_utc_and_open_ones_as_null(api: ApiClient) -> None:
    bounded = start(api, type="ledger", starts_at="1970-01-01T00:00:00Z", ends_at="2026-01-01T01:00:00+01:00")
    assert (bounded["starts_at"], bounded["ends_at"]) == ("1970-01-01T00:00:00.000Z", "2026-01-01T00:00:00.000Z")
    assert api.get(f"/exports/{bounded['id']}").json()["ends_at"] == "2026-01-01T00:00:00.000Z"
    open_ended = start(api, type="ledger")
    assert (open_ended["starts_at"], open_ended["ends_at"]) == (None, None)


def test_an_export_reads_only_the_calling_applications_data(
    api: ApiClient, other_api: ApiClient, outbox: LocalOutbox
) -> None:
    assert api.put(path("mine"), {"name": "Mine"}).status == 201
    adjust(api, "mine", 10)
    assert other_api.put(path("theirs"), {"name": "Theirs"}).status == 201
    job = start(other_api, type="customers")
    outbox.drain()
    assert api.get(f"/exports/{job['id']}").status == 404  # not another application's job
    for kind in ("customers", "ledger"):
        text = exported(other_api, outbox, type=kind).decode()
        assert "mine" not in text
        assert "Mine" not in text
    assert exported(other_api, outbox, type="customers").decode().count("\r\n") == 2  # header and "theirs"


def test_an_unknown_export_is_a_404(api: ApiClient) -> None:
    response = api.get("/exports/exp_000000000000000000000")
    assert response.status == 404
    assert "exp_000000000000000000000" in response.json()["details"]


# ------------------------------------------------------------------ streaming and attempts


def test_a_large_file_is_uploaded_in_parts_none_larger_than_a_part_and_one_row(
    api: ApiClient, outbox: LocalOutbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given 150 customers (two pages of the index) and parts of 2 KB (moto told to accept them)
    import moto.s3.models

    monkeypatch.setattr(moto.s3.models, "S3_UPLOAD_PART_MIN_SIZE", 256)
    for index in range(150):
        assert api.put(path(f"s-{index:03d}"), {"name": f"Customer {index}"}).status == 201
    sent: list[int] = []
    calls = object_store._call

    def counting(operation: str, **arguments: Any) -> Any:
        if operation == "upload_part":
            sent.append(len(arguments["Body"]))
        return calls(operation, **arguments)

    monkeypatch.setattr(object_store, "_call", counting)
    monkeypatch.setattr(export_reads, "PAGE_ITEMS", 40)
    job = start(api, type="customers")
    # When the worker writes the file with 2 KB parts
    done = export_files.run_export(api.credentials.app_id, job["id"], part_bytes=2048)
    # Then it went in several parts, each at most a part and one row, and the file is whole and in order
    assert done is not None
    assert done.rows == 150
    longest_row = 400
    assert len(sent) > 5
    assert max(sent) < 2048 + longest_row
    data = requests.get(api.get(f"/exports/{job['id']}").json()["download_url"], timeout=10).content
    assert sum(sent) == len(data) == done.size_bytes
    assert sorted(row["source_id"] for row in csv_rows(data)) == [f"s-{index:03d}" for index in range(150)]


def test_a_failed_attempt_leaves_no_file_comes_back_and_the_last_one_records_the_failure(
    api: ApiClient, outbox: LocalOutbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert api.put(path("f-1"), {"name": "F"}).status == 201
    job = start(api, type="customers")

    def unavailable(app_id: str) -> Any:
        raise ServiceUnavailable

    monkeypatch.setattr(export_reads, "profiles", unavailable)
    for attempt in range(1, export_files.MAX_ATTEMPTS):
        with pytest.raises(ServiceUnavailable):
            export_files.run_export(api.credentials.app_id, job["id"])
        assert api.get(f"/exports/{job['id']}").json()["status"] == "running", attempt
    failed = export_files.run_export(api.credentials.app_id, job["id"])
    assert failed is not None
    assert failed.status == "failed"
    assert failed.error
    shown = api.get(f"/exports/{job['id']}").json()
    assert (shown["status"], shown["download_url"]) == ("failed", None)
    # and a message delivered again changes nothing
    assert export_files.run_export(api.credentials.app_id, job["id"]) is None
    outbox.drain()
    assert api.get(f"/exports/{job['id']}").json()["status"] == "failed"


def test_a_finished_export_is_not_written_again_by_a_redelivered_message(api: ApiClient, outbox: LocalOutbox) -> None:
    assert api.put(path("d-1"), {"name": "D"}).status == 201
    job = finished(api, outbox, start(api, type="customers")["id"])
    assert export_files.run_export(api.credentials.app_id, job["id"]) is None
    assert api.get(f"/exports/{job['id']}").json()["finished_at"] == job["finished_at"]


def test_an_export_that_cannot_be_queued_is_a_503_and_recorded_failed(
    api: ApiClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    from shared import messaging

    def refused(queue_url: str, message: dict[str, Any]) -> None:
        raise ServiceUnavailable

    monkeypatch.setattr(messaging, "send", refused)
    response = api.post("/exports", {"type": "ledger"})
    assert response.status == 503, response.body


# ------------------------------------------------------------------ concurrency


def test_attempts_racing_on_one_job_leave_one_outcome_and_a_whole_file(api: ApiClient, outbox: LocalOutbox) -> None:
    # Given a queued export (its message left on the queue) and the same job taken by three workers at once,
    # as a redelivered message would
    for index in range(5):
        assert api.put(path(f"c-{index}"), {"name": "C"}).status == 201
        adjust(api, f"c-{index}", 10 + index)
    job = start(api, type="ledger")
    outcomes = fire_together([partial(export_files.run_export, api.credentials.app_id, job["id"])] * 3)
    # Then every attempt that wrote reported the job, the last claim's outcome is the one kept, and the
    # file holds every entry exactly once
    assert any(outcome is not None for outcome in outcomes)
    outbox.drain()  # the original message: the job is finished, nothing is written again
    shown = api.get(f"/exports/{job['id']}").json()
    assert (shown["status"], shown["rows"]) == ("succeeded", 5)
    data = requests.get(shown["download_url"], timeout=10).content
    assert len(data) == shown["size_bytes"]
    assert sorted(int(row["points"]) for row in csv_rows(data)) == [10, 11, 12, 13, 14]


def test_the_same_idempotency_key_sent_together_queues_one_export(api: ApiClient, outbox: LocalOutbox) -> None:
    body, headers = {"type": "customers"}, {"Idempotency-Key": "export-once"}
    answers = send_together(api, [ConcurrentRequest("POST", "/exports", body, headers)] * 4)
    accepted = [answer.json()["id"] for answer in answers if answer.status == 202]
    assert accepted, [answer.status for answer in answers]
    assert set(accepted) == {accepted[0]}, "one job, whichever answers came back"
    assert all(answer.status in (202, 409) for answer in answers)
    assert outbox.pump_queue() == 1, "one message queued"
