"""Who is making the changes of this request: the credential (its API key, never its secret) and the
request id, which every audit entry records.

It is the request's, not any one domain call's: the HTTP plumbing sets it once per request
(shared/api/http.py) and the operator's command line once per command, so the repositories that write
management changes read it when they add their audit entry (shared/storage/audit.py) and no handler or
domain signature has to carry it.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Literal

from shared.values import value_class

# What the audit log records changes of, and the changes (shared/storage/audit.py).
ObjectType = Literal["campaign", "earning_rule", "reward", "coupon", "settings", "webhook", "customer", "credentials"]
Action = Literal[
    "created",
    "updated",
    "archived",
    "disabled",
    "deleted",
    "codes_imported",
    "points_adjusted",
    "points_reversed",
    "tier_overridden",
    "tier_override_removed",
    "secret_rotated",
    "limits_changed",
]
# The credential of changes made from the operator's command line (rewards_cli), not through the API.
OPERATOR = "operator"


@value_class
class Actor:
    credential: str | None  # the API key (the key id of HTTP Basic), or OPERATOR
    request_id: str | None


_UNKNOWN = Actor(credential=None, request_id=None)
_current: ContextVar[Actor] = ContextVar("audit_actor", default=_UNKNOWN)


def current_actor() -> Actor:
    return _current.get()


@contextmanager
def acting_as(actor: Actor) -> Iterator[None]:
    token = _current.set(actor)
    try:
        yield
    finally:
        _current.reset(token)
