"""Coupon definitions and code pools through the API (SPEC §8, §10)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.support.api import ApiClient
from tests.support.coupons import create_coupon, simple_coupon, spec_coupon


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


def test_an_import_of_10000_codes_in_one_call(api: ApiClient) -> None:
    coupon_id = pool(api)
    codes = [f"BULK{n:06d}" for n in range(10_000)]

    response = api.post(f"/coupons/{coupon_id}/codes", {"codes": codes})

    assert response.status == 200, response.body
    assert response.json()["codes"] == {"total": 10_000, "issued": 0, "redeemed": 0, "voided": 0, "available": 10_000}
