"""Daily statistics of an application: what the stream's domain events add to each day (counted off
the request path, by the stream consumer), and the days of a range with every figure (zero where
nothing happened)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, date, datetime, timedelta
from typing import Any, Protocol

from shared.clock import now_epoch
from shared.errors import ServiceUnavailable, ValidationFailed
from shared.storage import stats as store
from shared.storage.stats import FIGURES, DayFigures

# A stream record is redelivered within the stream's 24 h retention: a counted marker outlives it.
COUNTED_MARKER_SECONDS = 2 * 86400
MAX_DAYS = 92  # a quarter: one query, far under DynamoDB's 1 MB page
DEFAULT_DAYS = 30


# Events counted by their points (active and pending alike: a pending credit counts when earned, not
# again when it activates), and events counted once each.
_POINTS_FIGURES = {
    "points.credited": "points_credited",
    "points.debited": "points_debited",
    "points.expired": "points_expired",
    "points.reversed": "points_reversed",
}
_COUNTED_FIGURES = {
    "coupon.redeemed": "coupons_redeemed",
    "reward.redeemed": "rewards_redeemed",
    "customer.created": "new_customers",
}


def increments(event_type: str, data: Mapping[str, Any]) -> dict[str, int]:
    """What one domain event adds to its day's figures (nothing for the events not counted)."""
    if event_type in _POINTS_FIGURES:
        return {_POINTS_FIGURES[event_type]: abs(int(data["points"])) + abs(int(data.get("pending_points", 0)))}
    if event_type in _COUNTED_FIGURES:
        return {_COUNTED_FIGURES[event_type]: 1}
    return {}


def day_of(created_at: str) -> str:
    """The UTC day of an event's ``created_at`` (ISO 8601)."""
    return datetime.fromisoformat(created_at.replace("Z", "+00:00")).astimezone(UTC).date().isoformat()


def date_range(first: date | None, last: date | None, today: date) -> tuple[date, date]:
    """The range asked for: defaults to the last 30 days up to today; at most 92 days, in order."""
    default_span = timedelta(days=DEFAULT_DAYS - 1)
    # Compared rather than added: ``first + 29 days`` leaves the calendar for a first day in 9999.
    last = last or (today if first is None or today - first < default_span else first + default_span)
    first = first or last - default_span
    if last < first:
        raise ValidationFailed("to: must not be before from")
    if (last - first).days + 1 > MAX_DAYS:
        raise ValidationFailed(f"to: the range is at most {MAX_DAYS} days")
    return first, last


def every_day(first: date, last: date, counted: Iterable[DayFigures]) -> list[DayFigures]:
    """One entry per day of the range, the shards of each day summed, zeros where nothing was counted."""
    totals: dict[str, dict[str, int]] = {}
    for shard in counted:
        day = totals.setdefault(shard.day, dict.fromkeys(FIGURES, 0))
        for name in FIGURES:
            day[name] += int(shard.figures.get(name, 0))
    days = [first + timedelta(days=n) for n in range((last - first).days + 1)]
    return [DayFigures(d.isoformat(), totals.get(d.isoformat(), dict.fromkeys(FIGURES, 0))) for d in days]


def count(app_id: str, event_id: str, event_type: str, created_at: str, data: Mapping[str, Any]) -> bool:
    """Add one domain event to its day's figures, once; False if not counted (not a figure, or seen)."""
    added = increments(event_type, data)
    if not added:
        return False
    return store.add(app_id, event_id, day_of(created_at), added, now_epoch() + COUNTED_MARKER_SECONDS)


def daily_stats(app_id: str, first: date | None, last: date | None) -> list[DayFigures]:
    first, last = date_range(first, last, datetime.now(tz=UTC).date())
    return every_day(first, last, store.read(app_id, first.isoformat(), last.isoformat()))


class AnnouncedEvent(Protocol):
    """A domain event as the stream consumer announces it (id, type, created_at, app_id, data)."""

    @property
    def id(self) -> str: ...
    @property
    def type(self) -> str: ...
    @property
    def created_at(self) -> str: ...
    @property
    def app_id(self) -> str: ...
    @property
    def data(self) -> Mapping[str, Any]: ...


def count_announced(batch: Sequence[Sequence[AnnouncedEvent]]) -> int:
    """The stream consumer's hook: count the events of a batch of stream records, in order. Returns how
    many records were fully counted; a store fault stops there, and the stream's retry of the rest
    counts nothing twice (the markers)."""
    for index, events in enumerate(batch):
        try:
            for event in events:
                count(event.app_id, event.id, event.type, event.created_at, event.data)
        except ServiceUnavailable:
            return index
    return len(batch)
