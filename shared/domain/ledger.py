"""The points ledger of a customer, newest first."""

from __future__ import annotations

from shared.domain.customers import get_customer
from shared.storage import ledger
from shared.storage.ledger import LedgerEntry, Reason


def list_transactions(
    app_id: str, source_id: str, limit: int, cursor: str | None, reason: Reason | None = None
) -> tuple[list[LedgerEntry], str | None]:
    """``reason``: only the entries of that reason (a cursor of a filtered page continues the filter)."""
    get_customer(app_id, source_id)  # the seed's 404 for an unknown customer
    return ledger.page(app_id, source_id, limit, cursor, reason)
