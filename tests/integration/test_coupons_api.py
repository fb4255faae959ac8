"""Coupon definitions and code pools through the API (SPEC §8, §10)."""

from __future__ import annotations

from typing import Any

import pytest

from rewards_cli.gateway import HttpResponse
from shared import clock
from shared.domain import coupons
from shared.storage.coupons import definitions, pools
from shared.storage.coupons.errors import CouponChanged
from shared.storage.coupons.records import CouponRecord
from tests.support.api import ApiClient
from tests.support.coupons import create_coupon, customer, order_body, simple_coupon, spec_coupon

REDEEM = "/coupons/apply?type=redeem"


def error_of(response: HttpResponse) -> tuple[int, str, str]:
    body = response.json()
    return response.status, body["message"], body["details"]


def test_the_spec_coupon_is_created_and_read_back(api: ApiClient) -> None:
    created = create_coupon(api, spec_coupon())

    assert created["coupon_id"].startswith("coupm_")
    assert len(created["coupon_id"]) == 27
    fetched = api.get(f"/coupons/{created['coupon_id']}").json()
    assert fetched == created
    assert fetched["coupon_code"] == "WHOLECART"
    assert fetched["discount"] == {"type": "amount", "value": 100, "max_discount": None}
    assert (fetched["starts_at"], fetched["ends_at"]) == ("2026-01-01T00:00:00.000Z", "2027-01-01T00:00:00.000Z")
    assert (fetched["usage_limit"], fetched["usage_limit_per_customer"], fetched["redeemed"]) == (1, 1, 0)
    assert fetched["conditions"]["order"][1] == {"field": "metadata.cart_qty", "operator": "gt", "value": 10}
    assert fetched["conditions"]["items"]["match"][0]["value"] == "brand A"
    assert fetched["metadata_schema"] == {"cart_qty": "number", "brand": "string", "category": "string"}
    assert fetched["codes"] is None


def test_a_code_is_unique_per_application_whatever_its_case(api: ApiClient, other_api: ApiClient) -> None:
    create_coupon(api, simple_coupon("SAVE10"))

    again = api.post("/coupons", simple_coupon("save10"))

    assert again.status == 409
    assert again.json()["message"] == "Coupon code already exists"
    assert "save10" in again.json()["details"]
    assert other_api.post("/coupons", simple_coupon("SAVE10")).status == 201  # another application's codes are its own


@pytest.mark.parametrize(
    ("change", "details"),
    [
        ({"discount": {"type": "percent", "value": 150}}, "percent discount is at most 100"),
        ({"discount": {"type": "amount"}}, "value is required for a amount discount"),
        ({"discount": {"type": "free_shipping", "value": 5}}, "free_shipping discount takes no value"),
        ({"usage_limit": 0}, "usage_limit: input should be greater than or equal to 1"),
        ({"coupon_code": "HAS SPACE"}, "coupon_code: string should match pattern"),
        (
            {"conditions": {"order": [{"field": "colour", "operator": "eq", "value": "red"}]}},
            "order.0.field: must be one of",
        ),
        ({"conditions": {"order": [{"field": "tax", "operator": "gt", "value": "a lot"}]}}, "value must be a number"),
        ({"starts_at": "2027-01-01T00:00:00Z", "ends_at": "2026-01-01T00:00:00Z"}, "ends_at must be after starts_at"),
        ({"metadata_schema": {"cart_qty": "integer"}}, "metadata_schema.cart_qty: must be one of: "),
    ],
)
def test_a_bad_definition_is_a_400_naming_the_field(api: ApiClient, change: dict[str, Any], details: str) -> None:
    response = api.post("/coupons", {**simple_coupon(), **change})

    assert response.status == 400, response.body
    assert details in response.json()["details"]


def test_coupons_are_listed_by_page_and_status(api: ApiClient) -> None:
    ids = [create_coupon(api, simple_coupon(f"CODE{n}"))["coupon_id"] for n in range(5)]
    api.patch(f"/coupons/{ids[1]}", {"status": "disabled"})
    api.patch(f"/coupons/{ids[3]}", {"status": "disabled"})

    first = api.get("/coupons", query={"limit": "2"}).json()
    second = api.get("/coupons", query={"limit": "2", "cursor": first["next_cursor"]}).json()
    third = api.get("/coupons", query={"limit": "2", "cursor": second["next_cursor"]}).json()
    active = api.get("/coupons", query={"status": "active", "limit": "2"}).json()
    rest = api.get("/coupons", query={"status": "active", "limit": "2", "cursor": active["next_cursor"]}).json()

    assert [c["coupon_id"] for c in first["data"] + second["data"] + third["data"]] == sorted(ids)
    assert (first["has_more"], third["has_more"], third["next_cursor"]) == (True, False, None)
    listed_active = [c["coupon_id"] for c in active["data"] + rest["data"]]
    assert listed_active == sorted(set(ids) - {ids[1], ids[3]})
    assert rest["has_more"] is False
    assert api.get("/coupons", query={"status": "expired"}).status == 400


def test_patch_changes_status_dates_and_limits(api: ApiClient) -> None:
    coupon_id = create_coupon(api, simple_coupon(usage_limit=5))["coupon_id"]

    patched = api.patch(
        f"/coupons/{coupon_id}", {"status": "disabled", "ends_at": "2030-01-01T00:00:00Z", "usage_limit": None}
    )

    assert patched.status == 200, patched.body
    body = patched.json()
    assert (body["status"], body["ends_at"], body["usage_limit"]) == ("disabled", "2030-01-01T00:00:00.000Z", None)
    assert api.get(f"/coupons/{coupon_id}").json() == body
    assert api.patch(f"/coupons/{coupon_id}", {"status": None}).status == 400
    assert api.patch(f"/coupons/{coupon_id}", {"discount": {"type": "amount", "value": 1}}).status == 400
    assert api.patch("/coupons/coupm_nope", {"status": "active"}).status == 404


def test_an_unknown_coupon_is_a_404_naming_its_id(api: ApiClient) -> None:
    assert error_of(api.get("/coupons/coupm_nope")) == (
        404,
        "Resource not found",
        "Cannot find coupon with id coupm_nope",
    )


def test_a_patch_moves_updated_at_and_one_that_changes_nothing_writes_nothing(
    api: ApiClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    now = {"ms": 1_796_342_400_000}
    monkeypatch.setattr(clock, "now_epoch_ms", lambda: now["ms"])
    created = create_coupon(api, simple_coupon(usage_limit=5))
    now["ms"] += 60_000

    unchanged = api.patch(f"/coupons/{created['coupon_id']}", {"usage_limit": 5, "status": "active"})
    changed = api.patch(f"/coupons/{created['coupon_id']}", {"usage_limit": 6})

    assert (created["created_at"], created["updated_at"]) == ("2026-12-04T00:00:00.000Z", "2026-12-04T00:00:00.000Z")
    assert unchanged.json() == created
    assert (changed.json()["updated_at"], changed.json()["created_at"]) == (
        "2026-12-04T00:01:00.000Z",
        "2026-12-04T00:00:00.000Z",
    )


def test_a_patch_ending_a_coupon_at_its_start_is_a_400_and_one_removing_its_end_is_not(api: ApiClient) -> None:
    dates = {"starts_at": "2026-06-01T00:00:00Z", "ends_at": "2026-07-01T00:00:00Z"}
    coupon_id = create_coupon(api, simple_coupon(**dates))["coupon_id"]

    at_start = api.patch(f"/coupons/{coupon_id}", {"ends_at": "2026-06-01T00:00:00Z"})
    a_second_after = api.patch(f"/coupons/{coupon_id}", {"ends_at": "2026-06-01T00:00:01Z"})
    removed = api.patch(f"/coupons/{coupon_id}", {"ends_at": None})

    assert error_of(at_start)[0::2] == (400, "ends_at: must be after starts_at")
    assert a_second_after.json()["ends_at"] == "2026-06-01T00:00:01.000Z"
    assert removed.status == 200, removed.body
    assert (removed.json()["starts_at"], removed.json()["ends_at"]) == ("2026-06-01T00:00:00.000Z", None)


def test_a_usage_limit_may_fall_to_the_uses_and_not_below(api: ApiClient) -> None:
    customer(api)
    coupon_id = create_coupon(api, simple_coupon("TWICE", usage_limit=5))["coupon_id"]
    for order_id in ("o1", "o2"):
        assert api.post(REDEEM, order_body(coupon_id, "TWICE", order_id=order_id)).status == 200

    below = api.patch(f"/coupons/{coupon_id}", {"usage_limit": 1})
    at_uses = api.patch(f"/coupons/{coupon_id}", {"usage_limit": 2})

    assert error_of(below) == (
        409,
        "Usage limit below uses",
        "usage_limit: the coupon has been used 2 times; the limit cannot be lower",
    )
    assert (at_uses.status, at_uses.json()["usage_limit"], at_uses.json()["redeemed"]) == (200, 2, 2)


def test_a_patch_that_loses_a_race_reads_again_and_one_that_loses_every_race_is_a_409_to_retry(
    api: ApiClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    coupon_id = create_coupon(api, simple_coupon(usage_limit=5))["coupon_id"]
    write = definitions.update
    losses = {"left": 1}

    def losing(*args: Any) -> None:
        if losses["left"]:
            losses["left"] -= 1
            raise CouponChanged
        write(*args)

    monkeypatch.setattr(definitions, "update", losing)
    once = api.patch(f"/coupons/{coupon_id}", {"usage_limit": 6})
    losses["left"] = coupons.MAX_WRITE_ATTEMPTS
    every_time = api.patch(f"/coupons/{coupon_id}", {"usage_limit": 7})

    assert (once.status, once.json()["usage_limit"]) == (200, 6)
    assert error_of(every_time) == (409, "Coupon changed", "the coupon was changed by another request; retry")
    assert every_time.header("Retry-After") == "1"
    assert api.get(f"/coupons/{coupon_id}").json()["usage_limit"] == 6


# ------------------------------------------------------------------------------------------- pools


def pool(api: ApiClient, **changes: Any) -> str:
    coupon_id: str = create_coupon(api, simple_coupon(None, **changes))["coupon_id"]
    return coupon_id


def test_a_pool_counts_its_codes_and_never_lists_them(api: ApiClient) -> None:
    coupon_id = pool(api)

    imported = api.post(f"/coupons/{coupon_id}/codes", {"codes": ["XVFDGT56RT", "ab-12", "Q9"]})

    assert imported.status == 200, imported.body
    assert imported.json() == {
        "object": "coupon_code_import",
        "coupon_id": coupon_id,
        "created": 3,
        "already_in_pool": 0,
        "codes": {"total": 3, "issued": 0, "redeemed": 0, "voided": 0, "available": 3},
    }
    coupon = api.get(f"/coupons/{coupon_id}")
    assert coupon.json()["codes"] == {"total": 3, "issued": 0, "redeemed": 0, "voided": 0, "available": 3}
    assert coupon.json()["coupon_code"] is None
    for code in ("XVFDGT56RT", "ab-12", "Q9"):
        assert code not in coupon.body.decode()
        assert code not in api.get("/coupons").body.decode()


def test_the_same_import_repeated_is_a_no_op(api: ApiClient) -> None:
    coupon_id = pool(api)
    api.post(f"/coupons/{coupon_id}/codes", {"codes": ["A1", "A2"]})

    again = api.post(f"/coupons/{coupon_id}/codes", {"codes": ["a1", "A2", "A3"]}).json()

    assert (again["created"], again["already_in_pool"]) == (1, 2)
    assert again["codes"]["total"] == 3


def test_duplicates_are_rejected_by_name(api: ApiClient) -> None:
    coupon_id, other_id = pool(api), pool(api)
    create_coupon(api, simple_coupon("FIXED1"))
    api.post(f"/coupons/{other_id}/codes", {"codes": ["TAKEN1", "TAKEN2"]})

    inside = api.post(f"/coupons/{coupon_id}/codes", {"codes": ["NEW1", "DUP", "dup"]})
    elsewhere = api.post(f"/coupons/{coupon_id}/codes", {"codes": ["NEW1", "taken2", "FIXED1", "TAKEN1"]})

    assert inside.status == 400
    assert "duplicate codes in the request" in inside.json()["details"]
    assert "dup" in inside.json()["details"]
    assert elsewhere.status == 409
    details = elsewhere.json()["details"]
    assert all(code in details for code in ("TAKEN2", "FIXED1", "TAKEN1")), details
    assert "NEW1" not in details
    assert api.get(f"/coupons/{coupon_id}").json()["codes"]["total"] == 0  # nothing written


def test_an_import_is_bounded_and_only_for_pools(api: ApiClient) -> None:
    coupon_id = pool(api)
    fixed_id = create_coupon(api, simple_coupon("FIXED"))["coupon_id"]

    assert api.post(f"/coupons/{coupon_id}/codes", {"codes": []}).status == 400
    too_many = api.post(f"/coupons/{coupon_id}/codes", {"codes": [f"C{n}" for n in range(10_001)]})
    assert too_many.status == 400
    assert "codes" in too_many.json()["details"]
    assert api.post(f"/coupons/{fixed_id}/codes", {"codes": ["X1"]}).status == 409
    assert api.post("/coupons/coupm_unknown/codes", {"codes": ["X1"]}).status == 404


def test_an_import_racing_others_counts_what_it_wrote_before_each_race_and_one_losing_every_race_is_a_409(
    api: ApiClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    coupon_id = pool(api)
    codes = ["R1", "R2", "R3", "R4"]
    write = pools.import_codes
    attempts: list[int] = []

    def racing(app_id: str, coupon: CouponRecord, wanted: list[str], now_iso: str) -> pools.PoolImport:
        """The first two attempts each write one more code, then lose the pool's count to another import."""
        attempts.append(len(attempts))
        if len(attempts) > 2:
            return write(app_id, coupon, wanted, now_iso)
        written = write(app_id, coupon, wanted[: len(attempts)], now_iso)
        raise CouponChanged(written.created)

    def losing(*_: Any) -> pools.PoolImport:
        raise CouponChanged

    monkeypatch.setattr(pools, "import_codes", racing)
    imported = api.post(f"/coupons/{coupon_id}/codes", {"codes": codes})
    monkeypatch.setattr(pools, "import_codes", losing)
    every_time = api.post(f"/coupons/{coupon_id}/codes", {"codes": ["R5"]})

    assert imported.status == 200, imported.body
    assert (imported.json()["created"], imported.json()["already_in_pool"]) == (4, 0)
    assert imported.json()["codes"]["total"] == 4
    assert error_of(every_time) == (409, "Coupon changed", "the coupon was changed by another request; retry")


def test_an_import_into_a_fixed_code_coupon_is_a_409_saying_to_create_a_pool(api: ApiClient) -> None:
    fixed_id = create_coupon(api, simple_coupon("FIXED"))["coupon_id"]

    assert error_of(api.post(f"/coupons/{fixed_id}/codes", {"codes": ["X1"]})) == (
        409,
        "Not a pool coupon",
        "codes: this coupon has a fixed coupon_code; create a pool coupon",
    )


def test_an_imported_code_records_when_it_was_imported(api: ApiClient, monkeypatch: pytest.MonkeyPatch) -> None:
    coupon_id = pool(api)
    monkeypatch.setattr(clock, "now_epoch_ms", lambda: 1_796_342_400_000)

    assert api.post(f"/coupons/{coupon_id}/codes", {"codes": ["WHEN-1"]}).status == 200

    code = pools.get_code(api.credentials.app_id, "WHEN-1")
    assert code is not None
    assert (code["status"], code["created_at"]) == ("available", "2026-12-04T00:00:00.000Z")


def test_an_import_of_10000_codes_in_one_call(api: ApiClient) -> None:
    coupon_id = pool(api)
    codes = [f"BULK{n:06d}" for n in range(10_000)]

    response = api.post(f"/coupons/{coupon_id}/codes", {"codes": codes})

    assert response.status == 200, response.body
    assert response.json()["codes"] == {"total": 10_000, "issued": 0, "redeemed": 0, "voided": 0, "available": 10_000}


def test_a_code_conflict_names_at_most_20_codes_and_counts_the_rest(api: ApiClient) -> None:
    holder, coupon_id = pool(api), pool(api)
    codes = [f"T{n:02d}" for n in range(21)]
    api.post(f"/coupons/{holder}/codes", {"codes": codes})

    twenty = api.post(f"/coupons/{coupon_id}/codes", {"codes": codes[:20]})
    twenty_one = api.post(f"/coupons/{coupon_id}/codes", {"codes": codes})

    named = "codes already used by another coupon (codes match case-insensitively): " + ", ".join(codes[:20])
    assert error_of(twenty) == (409, "Coupon code already exists", named)
    assert error_of(twenty_one) == (409, "Coupon code already exists", named + " and 1 more")
