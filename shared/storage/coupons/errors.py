"""What the coupon storage raises: each names a lost race or a refusal its callers turn into an answer."""

from __future__ import annotations

from collections.abc import Sequence


class CodeTaken(Exception):
    """Codes already registered for another coupon of the application."""

    def __init__(self, codes: Sequence[str]) -> None:
        super().__init__(", ".join(codes))
        self.codes = list(codes)


class CouponChanged(Exception):
    """Another writer changed the coupon between read and write; ``created``: codes this import wrote first."""

    def __init__(self, created: int = 0) -> None:
        super().__init__(f"coupon changed ({created} codes created)")
        self.created = created


class PoolExhausted(Exception):
    """Every code of the pool has been handed out."""


class CouponUnavailable(Exception):
    """The coupon cannot be handed out now: disabled or expired (``reason`` says which)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class IssueRaced(Exception):
    """A concurrent writer took the code or changed the coupon: read the coupon again and retry."""


class CouponAlreadyUsed(Exception):
    """The issued coupon was used in an order (or voided already): it cannot be voided."""


class ApplyRaced(Exception):
    """A concurrent request changed what a redeem or revert read (a count, a code, this very order)."""
