"""Seed 004's error table, one class per row (message and details verbatim), and the coupon errors the
seed leaves to us. Every row of the seed is a bad request with the one error body (SPEC §2); bad credentials
are the gateway's one refusal."""

from __future__ import annotations

from shared.errors import Conflict, DomainError, ValidationFailed


class InvalidSourceId(ValidationFailed):
    """Seed: "Wrong source id is passed" (also: missing, or a customer the application does not have)."""

    def __init__(self) -> None:
        super().__init__("Invalid source_id")


class MissingOrderField(ValidationFailed):
    """Seed: "Mandatory fields are not passed in the order or item object" -> ``selling_price is required``."""

    def __init__(self, field: str) -> None:
        super().__init__(f"{field} is required")


class CouponValidationFailed(DomainError):
    """Seed: "coupon validation failed" -> ``selling_price should be greater than 200.00``."""

    def __init__(self, details: str) -> None:
        super().__init__("coupon validation failed", details)


class InvalidCoupon(DomainError):
    """Seed: "coupon_code or coupon_id is wrong" (unknown, or the code is not the coupon's)."""

    def __init__(self) -> None:
        super().__init__("Invalid coupon code or coupon id", "coupon not found, invalid coupon code or coupon id")


class CouponDetailsMissing(DomainError):
    """Seed: "coupon_id or coupon_code missing in the request body"."""

    def __init__(self) -> None:
        super().__init__("coupon_code or coupon_id is missing", "coupon id or coupon code is required")


class InvalidQueryParam(DomainError):
    """Seed: "query parameter is wrong"."""

    def __init__(self) -> None:
        super().__init__("Invalid query param", "type should be redeem or revert")


DISCOUNT_VALIDATION_FAILED = "Discount validation is failed, please check terms and condition in the coupon tray"


class DiscountValidationFailed(DomainError):
    """Seed: item-level ("selected items") validation not satisfied, or no item has the property."""

    def __init__(self, details: str) -> None:
        super().__init__(DISCOUNT_VALIDATION_FAILED, details)


class CouponRedemptionNotFound(DomainError):
    """A revert of an order the coupon was never redeemed on (the seed has no row for it)."""

    def __init__(self, coupon_id: str, order_id: str) -> None:
        super().__init__("Redemption not found", f"coupon {coupon_id} was not redeemed on order {order_id}")


class NotTheOrdersCode(DomainError):
    """A revert naming a code of the coupon that the order did not redeem: it would move someone else's code."""

    def __init__(self, coupon_id: str, order_id: str) -> None:
        super().__init__(
            "Invalid coupon code for this order",
            f"coupon_code: order {order_id} did not redeem this code of coupon {coupon_id}; "
            "a revert names the code the order used",
        )


class OrderAlreadyRedeemed(Conflict):
    """A redeem on an order id the coupon was already redeemed on, that is not a replay of that redemption
    (same customer, same code, same order): it must never answer or rewrite the first redemption."""

    def __init__(self, field: str, coupon_id: str, order_id: str, what: str) -> None:
        super().__init__(
            "Order already redeemed",
            f"{field}: order {order_id} redeemed coupon {coupon_id} {what}; an order id names one order",
        )
