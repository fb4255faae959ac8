"""Examples of the OpenAPI document, per operation, taken from the seeds and SPEC §10.

Each entry names the operation by its ``operationId`` and gives a request body and/or response bodies by
status. The document builder attaches them; a test validates every example against its operation's schema,
so an example can never drift from what the API accepts or answers.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

# The profile fields of a customer in the examples (its points differ per example).
_CUSTOMER_PROFILE: dict[str, Any] = {
    "object": "customer",
    "id": "cust_M9AadJF9uS4IZpwlyPwJL",
    "source_id": "KMN@123",
    "name": "Krish",
    "email": "krish@example.com",
    "phone": None,
    "tags": ["cohortA"],
    "enrolled_at": None,
    "tier": None,
    "brand": None,
    "attributes": {},
    "referred_by": None,
    "referral_code": "214SGF5H",
}


# An export as POST /exports answers it (queued); GET /exports/{export_id} adds the outcome.
_QUEUED_EXPORT: dict[str, Any] = {
    "object": "export",
    "id": "exp_9YBj3pW4fR5YKwxf9npAx",
    "type": "ledger",
    "format": "csv",
    "starts_at": "2026-01-01T00:00:00.000Z",
    "ends_at": "2026-01-31T23:59:59.999Z",
    "status": "queued",
    "rows": 0,
    "size_bytes": 0,
    "error": None,
    "created_at": "2026-12-04T07:03:09.805Z",
    "started_at": None,
    "finished_at": None,
    "expires_at": "2026-12-11T07:03:09.000Z",
    "download_url": None,
    "download_url_expires_at": None,
}


# An import as POST /imports answers it (its upload URL once); GET /imports/{import_id} follows its rows.
_NEW_IMPORT: dict[str, Any] = {
    "object": "import",
    "id": "imp_3TqL8vRb6WnX2kPz5Hs9d",
    "format": "csv",
    "status": "pending",
    "total_rows": None,
    "rows_done": 0,
    "created": 0,
    "updated": 0,
    "unchanged": 0,
    "rejected": 0,
    "created_at": "2026-12-04T08:10:41.220Z",
    "upload_url": None,
    "upload_expires_in": None,
    "rejected_rows": [],
    "rejected_cursor": None,
}


@dataclass(frozen=True)
class Example:
    summary: str
    request: dict[str, Any] | None = None
    responses: dict[int, Any] = field(default_factory=dict)


# Seed 000: the real-time action campaign (50%, 100%, 0%).
_RTA_PROGRESS = {
    "campaign_id": "camp_1I7vOuIsPbyL4fB0Kck2K",
    "campaign_name": "Real time action campaign",
    "campaign_type": "loyalty",
    "rules": [
        {
            "rule_id": "valr_P8lM0Vag8l2Z5CpnMhNo4",
            "rule_name": "Rule 1",
            "action_type": "RTA",
            "actions": [
                {"event_id": "even_zPE2bLkbUH80jc663ep6E", "event_name": "money_deposited", "progress": 50,
                 "trigger": False, "status": "active", "current": 500, "target": 1000},
                {"event_id": "even_BZswDL0TV4ZRuiuoy7RmP", "event_name": "order_success", "progress": 100,
                 "trigger": False, "status": "completed", "current": 1, "target": 1},
            ],
        },
        {
            "rule_id": "valr_DgUrJ2lIFm1WsaqEMkHzZ",
            "rule_name": "Rule 2",
            "action_type": "RTA",
            "actions": [
                {"event_id": "even_zPE2bLkbUH80jc663ep6E", "event_name": "complete_KYC_Verification", "progress": 0,
                 "trigger": False, "status": "active", "current": 0, "target": 1},
            ],
        },
    ],
}  # fmt: skip

# Seed 000: the action-with-time campaign (Y's trigger is true: SPEC §5 reads the seed's false as a slip).
_AWT_PROGRESS = {
    "campaign_id": "camp_D01sluPJ3NBv82cpWQbs1",
    "campaign_name": "Action with time",
    "campaign_type": "loyalty",
    "rules": [
        {
            "rule_id": "valr_2mvsVY2amxKjgZxuwQzKo",
            "rule_name": "Place a min order worth of $200 within 2 days of signup and get a 20% coupon",
            "action_type": "AWT",
            "actions": [
                {"event_id": "even_WoPKAqCWhTOkJ2UGLRLbS", "event_name": "signup", "progress": 100, "trigger": True,
                 "status": "completed", "current": 1, "target": 1, "start_time": 1708664771},
                {"event_id": "even_zPE2bLkbUH80jc663ep6E", "event_name": "order_success", "progress": 100,
                 "trigger": True, "status": "completed", "current": 1, "target": 1, "start_time": 1708664771,
                 "end_time": 1708837571, "time_duration": 172800, "time_left": 172784},
            ],
        }
    ],
}  # fmt: skip

# Seed 000's error body for an unknown customer.
_CUSTOMER_NOT_FOUND = {
    "code": 404,
    "key": "not_found",
    "message": "Resource not found",
    "details": "Cannot find customer with source id KMN@123",
    "request_id": "9c0003f4-0443-9101-bb13-245b8ddd0070",
}

# SPEC §10: the seed's RTA example as a campaign to create.
_RTA_CAMPAIGN = {
    "campaign_name": "Real time action campaign",
    "campaign_type": "loyalty",
    "rules": [
        {
            "rule_name": "Rule 1",
            "action_type": "RTA",
            "actions": [
                {"event_name": "money_deposited", "measure": "sum", "property": "amount", "target": 1000},
                {"event_name": "order_success", "target": 1},
            ],
            "reward": {"type": "points", "points": 100},
        },
        {
            "rule_name": "Rule 2",
            "action_type": "RTA",
            "actions": [{"event_name": "complete_KYC_Verification", "target": 1}],
            "reward": {"type": "points", "points": 100},
        },
    ],
}

# Seed 004: the complete redeem/revert payload.
_APPLY_ORDER = {
    "coupon_details": [{"coupon_id": "coupm_tfKRcTxedjr17FH3m267V", "coupon_code": "KS"}],
    "source_id": "krish123",
    "order": {
        "order_id": "1223456", "status": "pending", "original_price_subtotal": 800, "selling_price_subtotal": 800,
        "shipping": 100, "tax": 20, "payment_mode": "UPI", "metadata": {"cart_qty": "4"},
        "items": [
            {"product_id": "123", "sku": "", "name": "", "original_price": 200, "selling_price": 200, "quantity": 1,
             "shipping": 0, "metadata": {"brand": "brand A", "category": "grocery"}},
            {"product_id": "654", "sku": "", "name": "", "brand": "wrangler", "original_price": 200,
             "selling_price": 200, "quantity": 2, "shipping": 0,
             "metadata": {"brand": "brand B", "category": "vegetables"}},
        ],
    },
}  # fmt: skip


def _applied(status: str, request_id: str) -> dict[str, str]:
    """Seed 004's two success bodies differ only in status and request id."""
    return {"status": status, "couponId": "coupm_9ZbJ2ryi4ia2eyz6I7sRc", "orderId": "122346",
            "request_id": request_id, "coupon_code": "WHOLECART"}  # fmt: skip


# SPEC §10: the coupon of seed 004's validation example.
_WHOLECART = {
    "coupon_code": "WHOLECART",
    "discount": {"type": "amount", "value": 100},
    "starts_at": "2026-01-01T00:00:00Z",
    "ends_at": "2027-01-01T00:00:00Z",
    "usage_limit": 1,
    "usage_limit_per_customer": 1,
    "metadata_schema": {"cart_qty": "number", "brand": "string", "category": "string"},
    "conditions": {
        "order": [
            {"field": "selling_price_subtotal", "operator": "gt", "value": 200},
            {"field": "metadata.cart_qty", "operator": "gt", "value": 10},
        ],
        "items": {"match": [{"field": "metadata.brand", "operator": "eq", "value": "brand A"}], "min_quantity": 1},
    },
}

# SPEC §10: a CAMPAIGN reward with seed 001's eligibility rule and custom attribute and seed 003's fields.
_FIVE_OFF = {
    "name": "$5 OFF", "type": "CAMPAIGN", "code": "$5_OFF", "brand": "1", "tier": "SILVER",
    "parameters": {"campaign": {"id": "coupm_tfKRcTxedjr17FH3m267V", "type": "DISCOUNT_COUPONS"}},
    "payment_configs": [{"payment_mode": "POINTS", "points": 500}],
    "member_eligibility_rules": [{"show_on_member_dashboard": True, "include_in_api_response": True,
        "conditions": [{"operator": "Between", "attribute": "Enrolment Date", "value": "11/1/2021-2/28/2023"},
                       "AND",
                       {"operator": "Contain all of", "attribute": "User Tags", "value": ["cohortA"]}]}],
    "custom_transaction_attributes": [{"attribute_id": "source_of_redemption",
        "attribute_name": "Source Of Redemption", "attribute_type": "Text", "is_attribute_mandatory": False}],
    "translations": {"fr": {"name": "5 $ de réduction", "description": "..."}},
    "start_time": "2026-01-01T00:00:00Z", "end_time": "2027-01-01T00:00:00Z",
}  # fmt: skip

# Seed 002's three reward types.
_SEED_002_MATERIAL = {"name": "Headphones", "type": "MATERIAL", "parameters": {"product": {"id": "prod_0a4e2d8f4d"}},
                      "stock": 70, "attributes": {"description": "Wireless headphones"}}  # fmt: skip
_SEED_002_COIN = {"name": "Pay with points", "type": "COIN",
                  "parameters": {"coin": {"exchange_ratio": 50, "points_ratio": 2000}}}  # fmt: skip

# Points (issue 15): a debit refused beyond the balance, and a reversal whose credit was partly spent.
_INSUFFICIENT_POINTS = {
    "code": 409,
    "key": "conflict",
    "message": "Insufficient points",
    "details": "points: the balance is 40, so at most 40 can be debited, not 100",
    "request_id": "5e1b7a2c-8f0d-4c3e-9a61-2b7d4f9e0c11",
}
_REVERSAL = {
    "object": "transaction", "id": "txn_Q2mX8vLr5TnW1pZk7Ys3d", "source_id": "KMN@123", "points": -60,
    "balance_after": 0, "pending_points": 0, "pending_after": 0, "reason": "reversal", "campaign_id": None,
    "rule_id": None, "event_name": None, "reward_id": None, "description": "Reversal of txn_4kQz1Xh3bN8sVw2Lp0Ry7",
    "lots": [{"points": -60, "expires_at": "2027-03-11T00:00:00.000Z", "activates_at": None}], "shortfall": 40,
    "reverses": "txn_4kQz1Xh3bN8sVw2Lp0Ry7", "expired": 0, "created_at": "2026-03-10T12:00:00.000Z",
}  # fmt: skip

EXAMPLES: dict[str, list[Example]] = {
    "setPointsPolicy": [
        Example(
            "A year's validity, spendable after 14 days (the return window)",
            request={"expire_after_days": 365, "pending_days": 14, "return_policy": "within_balance"},
        )
    ],
    "adjustPoints": [
        Example("A goodwill credit", request={"points": 250, "description": "Goodwill: late delivery"}),
        Example(
            "A correction beyond the balance",
            request={"points": -100, "description": "Duplicate credit of order 1001"},
            responses={409: _INSUFFICIENT_POINTS},
        ),
    ],
    "reverseTransaction": [
        Example(
            "An order returned after its points were partly spent (within_balance)",
            request={"points": 100},
            responses={201: _REVERSAL},
        )
    ],
    "getRewardProgress": [
        Example("Real time actions (seed 000)", responses={200: [_RTA_PROGRESS], 404: _CUSTOMER_NOT_FOUND}),
        Example("Actions with time (seed 000)", responses={200: [_AWT_PROGRESS]}),
    ],
    "createCampaign": [Example("The seed's real time action campaign (SPEC §10)", request=_RTA_CAMPAIGN)],
    "ingestEvent": [
        Example(
            "A deposit of 500 (SPEC §10)",
            request={
                "source_id": "KMN@123",
                "event_name": "money_deposited",
                "timestamp": 1708664771,
                "properties": {"amount": 500},
            },
        )
    ],
    "invokeEvent": [
        Example(
            "A Segment track call",
            request={"event_name": "Order Completed", "source_id": "KMN@123", "metadata": {"revenue": 40.5}},
        )
    ],
    "getCustomer": [Example("An unknown customer (seed 000's error body)", responses={404: _CUSTOMER_NOT_FOUND})],
    "createCoupon": [Example("The WHOLECART coupon (SPEC §10)", request=_WHOLECART)],
    "applyCoupons": [
        Example(
            "Redeem (seed 004)",
            request=_APPLY_ORDER,
            responses={200: _applied("completed", "d45e39f3-7506-9f63-9cdc-c364c93ff706")},
        ),
        Example(
            "Revert (seed 004)",
            request=_APPLY_ORDER,
            responses={200: _applied("reverted", "501c3450-ef12-99a5-8e84-5aa1801c2411")},
        ),
    ],
    "validateCoupons": [Example("The seed 004 order", request=_APPLY_ORDER)],
    "createReward": [
        Example("A CAMPAIGN reward with eligibility rules (SPEC §10)", request=_FIVE_OFF),
        Example("A MATERIAL reward (seed 002)", request=_SEED_002_MATERIAL),
        Example("A COIN reward (seed 002)", request=_SEED_002_COIN),
    ],
    "getBrandReward": [
        Example(
            "Missing, disabled or another brand's (seed 003)",
            responses={404: {"status": {"success": False, "code": 6004, "message": "Reward not found or disabled"}}},
        ),
    ],
    "listBrandRewards": [
        Example(
            "No enabled reward of the brand",
            responses={
                404: {
                    "status": {"success": False, "code": 6004, "message": "Reward not found or disabled"},
                    "rewardList": [],
                    "pagingDto": None,
                }
            },
        ),
    ],
    "listUserVouchers": [
        Example(
            "A reward's vouchers (Capillary's userVouchers)",
            responses={
                200: {
                    "status": {"success": True, "code": 200, "message": "User Reward fetched successfully"},
                    "userVouchers": [
                        {
                            "rewardDetails": {
                                "rewardId": "rew_736aO2cI1cgUpItFA4lSV",
                                "name": "50 NFR Discount Voucher",
                                "description": "50 NFR Discount Voucher",
                                "thumbnailId": None,
                                "thumbnailUrl": None,
                                "imageId": None,
                                "imageUrl": None,
                                "termNConditionsId": None,
                                "termNConditionsUrl": None,
                                "tier": None,
                                "label": None,
                                "group": None,
                                "tillId": None,
                            },
                            "vouchers": [
                                {
                                    "code": "KUQ3AAK7",
                                    "expiry": "2026-12-12 23:59:59",
                                    "vendor": None,
                                    "rewardId": "rew_736aO2cI1cgUpItFA4lSV",
                                    "issued": "2026-10-28T11:57:03.000Z",
                                    "seriesId": "coupm_8FZ8tQXv4pCqjzWmNyB2k",
                                    "seriesName": "50 NFR Discount Voucher",
                                    "redemptionCount": 0,
                                    "redemptions": None,
                                }
                            ],
                        }
                    ],
                    "pagingDto": {"first": True, "last": True, "size": 20, "numberOfElements": 1, "nextCursor": None},
                },
                404: {
                    "status": {"success": False, "code": 816, "message": "Customer not found for organization"},
                    "userVouchers": [],
                    "pagingDto": None,
                },
            },
        ),
    ],
    "listCustomers": [
        Example(
            "Searched by prefix (q=KMN), one per page",
            responses={
                200: {
                    "object": "list",
                    "data": [
                        {
                            **_CUSTOMER_PROFILE,
                            "points": {
                                "balance": 100,
                                "pending": 0,
                                "earned": 100,
                                "redeemed": 0,
                                "expired": 0,
                                "expiring": [],
                            },
                            "created_at": "2026-12-03T17:45:19.627Z",
                            "updated_at": "2026-12-03T17:45:21.218Z",
                        }
                    ],
                    "has_more": True,
                    "next_cursor": "eyJzayI6ICJLTU5AMTIzIn0",
                }
            },
        )
    ],
    "upsertCustomer": [
        Example(
            "A profile", request={"name": "Krish", "email": "krish@example.com", "tags": ["cohortA"], "tier": "SILVER"}
        )
    ],
    "eraseCustomer": [
        Example(
            "Erased (the same answer on every repeat)",
            responses={
                200: {
                    "object": "customer_erasure",
                    "id": "cust_M9AadJF9uS4IZpwlyPwJL",
                    "pseudonym": "anon_3kTq8ZbW1xYc0RfLmN2pV",
                    "erased_at": "2026-12-04T03:40:11.205Z",
                }
            },
        )
    ],
    "exportCustomer": [
        Example(
            "The first page of every section",
            responses={
                200: {
                    "object": "customer_export",
                    "profile": {
                        **_CUSTOMER_PROFILE,
                        "points": {
                            "balance": 300,
                            "pending": 0,
                            "earned": 300,
                            "redeemed": 0,
                            "expired": 0,
                            "expiring": [],
                        },
                        "created_at": "2026-12-03T17:45:19.627Z",
                        "updated_at": "2026-12-03T17:45:21.218Z",
                    },
                    "sections": {
                        "progress": {"items": [], "next_cursor": None},
                        "ledger": {
                            "items": [
                                {
                                    "txn_id": "txn_Xc2hY0eD7KqUw9zR3mPlA",
                                    "source_id": "KMN@123",
                                    "points": 300,
                                    "balance_after": 300,
                                    "reason": "adjustment",
                                    "description": "Goodwill: late delivery",
                                    "created_at": "2026-12-03T17:45:21.218Z",
                                }
                            ],
                            "next_cursor": None,
                        },
                        "reward_redemptions": {"items": [], "next_cursor": None},
                        "coupons": {"items": [], "next_cursor": None},
                        "referrals": {"items": [], "next_cursor": None},
                        "webhook_deliveries": {"items": [], "next_cursor": None},
                    },
                }
            },
        )
    ],
    "createExport": [
        Example(
            "The ledger of January, as CSV",
            request={
                "type": "ledger",
                "format": "csv",
                "starts_at": "2026-01-01T00:00:00Z",
                "ends_at": "2026-01-31T23:59:59.999Z",
            },
            responses={202: {**_QUEUED_EXPORT}},
        )
    ],
    "createImport": [
        Example(
            "A CSV of members, to PUT to the upload URL",
            request={"format": "csv"},
            responses={
                201: {
                    **_NEW_IMPORT,
                    "upload_url": "https://imports-5c1e0a70.s3.amazonaws.com/imports/app_1I7vOuIsPbyL4fB0Kck2K/"
                    "imp_3TqL8vRb6WnX2kPz5Hs9d.csv?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Expires=3600&X-Amz-Signature=…",
                    "upload_expires_in": 3600,
                }
            },
        )
    ],
    "getImport": [
        Example(
            "Completed, with one row rejected",
            responses={
                200: {
                    **_NEW_IMPORT,
                    "status": "completed",
                    "total_rows": 10000,
                    "rows_done": 10000,
                    "created": 9999,
                    "rejected": 1,
                    "rejected_rows": [
                        {"line": 4244, "source_id": "ana-4243", "reason": "email: value is not a valid email address"}
                    ],
                }
            },
        )
    ],
    "getExport": [
        Example(
            "Succeeded, with its download link",
            responses={
                200: {
                    **_QUEUED_EXPORT,
                    "status": "succeeded",
                    "rows": 1840,
                    "size_bytes": 171245,
                    "started_at": "2026-12-04T07:03:10.296Z",
                    "finished_at": "2026-12-04T07:03:12.585Z",
                    "download_url": "https://rewards-exportsbucket.s3.amazonaws.com/app_1I7vOuIsPbyL4fB0Kck2K/"
                    "exp_9YBj3pW4fR5YKwxf9npAx.csv?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Expires=900&X-Amz-Signature=…",
                    "download_url_expires_at": "2026-12-04T07:18:13.001Z",
                }
            },
        )
    ],
}

# Real answers recorded from a local runner walking through the README's how-tos: one for each operation
# that the seeds do not illustrate (a test validates them like the others, and requires one per operation
# that answers JSON).
RECORDED_EXAMPLES = Path(__file__).with_name("openapi_recorded_examples.json")
for _recorded in json.loads(RECORDED_EXAMPLES.read_text()):
    EXAMPLES.setdefault(_recorded["operation"], []).append(
        Example(_recorded["summary"], _recorded["request"], {_recorded["status"]: _recorded["response"]})
    )
