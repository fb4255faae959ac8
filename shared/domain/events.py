"""Event ingestion: find the rules an event touches (one query by event name), advance the customer's
progress, grant each completed rule's reward exactly once, in one transaction.

Exactly once. Every progress item carries a version and is written only if unchanged since it was
read, so concurrent events of one customer serialise by retrying; referrer rules count a referee once
through a marker written with ``attribute_not_exists``; points are credited in the same transaction
as the completion, with the ledger entry, only if the balance is still the one read. A delivery with
an ``Idempotency-Key`` also writes a delivery marker holding its outcome: a retry after a lost
response finds it and answers the same outcome without counting again.
"""

from __future__ import annotations

import random
import time
from dataclasses import asdict, dataclass, field
from typing import Any

from shared import clock
from shared.domain import rules
from shared.domain.rules import ActionView, CampaignSpec, RuleProgress, RuleSpec
from shared.errors import ServiceUnavailable, ValidationFailed
from shared.ids import new_id
from shared.models.events import EventIn
from shared.settings import get_settings
from shared.storage import campaigns, customers, keys, progress
from shared.storage.ledger import LedgerEntry
from shared.storage.progress import EventWrite, ProfileTouch, RuleKey, Snapshot, WriteConflict

MAX_ATTEMPTS = 30


@dataclass(frozen=True, slots=True)
class ProgressChange:
    campaign_id: str
    rule_id: str
    rule_name: str
    source_id: str
    status: str
    actions: list[ActionView]


@dataclass(frozen=True, slots=True)
class PointsGrant:
    points: int
    source_id: str
    campaign_id: str
    rule_id: str
    transaction_id: str


@dataclass(frozen=True, slots=True)
class EventOutcome:
    source_id: str
    event_name: str
    timestamp: int
    customer_created: bool
    changes: list[ProgressChange] = field(default_factory=list)
    grants: list[PointsGrant] = field(default_factory=list)

    def to_record(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_record(cls, record: dict[str, Any]) -> EventOutcome:
        return cls(
            source_id=record["source_id"],
            event_name=record["event_name"],
            timestamp=record["timestamp"],
            customer_created=record["customer_created"],
            changes=[
                ProgressChange(**{**c, "actions": [ActionView(**a) for a in c["actions"]]}) for c in record["changes"]
            ],
            grants=[PointsGrant(**g) for g in record["grants"]],
        )


def ingest_event(app_id: str, event: EventIn, delivery_id: str | None = None) -> EventOutcome:
    now = clock.now_epoch()
    limit = get_settings().max_event_future_seconds
    timestamp = event.timestamp if event.timestamp is not None else now
    if timestamp > now + limit:
        raise ValidationFailed(f"timestamp: must not be more than {limit} seconds in the future")
    touched = [(c, r) for c, r in campaigns.rules_for_event(app_id, event.event_name) if c.accepts(timestamp)]
    if not touched:
        new_customer_id = new_id("cust")
        profile = customers.ensure(app_id, event.source_id, new_customer_id, clock.now_iso())
        return EventOutcome(event.source_id, event.event_name, timestamp, profile.customer_id == new_customer_id)
    for attempt in range(MAX_ATTEMPTS):
        try:
            return _apply(app_id, event, timestamp, touched, delivery_id)
        except WriteConflict:
            # Another event of this customer (or this very delivery) won the race: re-read and retry.
            time.sleep(random.uniform(0, min(0.2, 0.005 * 2**attempt)))  # noqa: S311 - jitter, not crypto
    raise ServiceUnavailable


def _apply(
    app_id: str,
    event: EventIn,
    timestamp: int,
    touched: list[tuple[CampaignSpec, RuleSpec]],
    delivery_id: str | None,
) -> EventOutcome:
    source_id = event.source_id
    own_keys = [(c.campaign_id, r.rule_id) for c, r in touched]
    mine = progress.load(app_id, source_id, own_keys, delivery_id=delivery_id)
    if mine.delivery is not None:
        return EventOutcome.from_record(mine.delivery["outcome"])
    referrer = mine.profile.referred_by if mine.profile else None
    now_iso = clock.now_iso()
    write = EventWrite(app_id, now_iso)
    write.profiles[source_id] = ProfileTouch(new_id("cust"), mine.profile.points_balance if mine.profile else 0)
    changes: list[ProgressChange] = []
    grants: list[PointsGrant] = []

    def record(campaign: CampaignSpec, rule: RuleSpec, owner: str, before: RuleProgress, after: RuleProgress) -> None:
        write.progress.append((owner, (campaign.campaign_id, rule.rule_id), after))
        changes.append(
            ProgressChange(
                campaign.campaign_id,
                rule.rule_id,
                rule.rule_name,
                owner,
                after.status,
                rules.view(rule, after, clock.now_epoch()),
            )
        )
        if after.status == "completed" and before.status != "completed":
            reward = {k: v for k, v in asdict(rule.reward).items() if v is not None}
            if rule.reward.points:
                grant = _grant(write, campaign, rule, owner, event.event_name)
                grants.append(grant)
                reward["transaction_id"] = grant.transaction_id
            write.rewards[(owner, (campaign.campaign_id, rule.rule_id))] = reward

    referrer_rules: list[tuple[CampaignSpec, RuleSpec]] = []
    for campaign, rule in touched:
        if rule.beneficiary == "referrer":
            if referrer is not None:
                referrer_rules.append((campaign, rule))
            continue
        if rule.beneficiary == "referee" and referrer is None:
            continue
        before = mine.progress.get((campaign.campaign_id, rule.rule_id)) or RuleProgress.empty(rule)
        after = rules.advance(rule, before, event.event_name, event.properties, timestamp)
        if after is not before:
            record(campaign, rule, source_id, before, after)
    if referrer is not None and referrer_rules:
        _count_for_referrer(app_id, event, timestamp, referrer, referrer_rules, write, record)
    outcome = EventOutcome(source_id, event.event_name, timestamp, mine.profile is None, changes, grants)
    if delivery_id is not None and (changes or grants):
        retention = progress.DELIVERY_RETENTION_SECONDS
        write.delivery = (source_id, delivery_id, outcome.to_record(), clock.now_epoch() + retention)
    progress.write(write)
    return outcome


def _count_for_referrer(
    app_id: str,
    event: EventIn,
    timestamp: int,
    referrer: str,
    referrer_rules: list[tuple[CampaignSpec, RuleSpec]],
    write: EventWrite,
    record: Any,
) -> None:
    """A referred customer's event counts once per action of each referrer rule, for the referrer."""
    matched: dict[RuleKey, list[int]] = {
        (c.campaign_id, r.rule_id): [
            i for i, a in enumerate(r.actions) if rules.increment(a, event.event_name, event.properties) is not None
        ]
        for c, r in referrer_rules
    }
    marker_keys = [
        keys.referee(app_id, referrer, rule_id, index, event.source_id)
        for (_, rule_id), indexes in matched.items()
        for index in indexes
    ]
    theirs: Snapshot = progress.load(app_id, referrer, list(matched), marker_keys)
    write.profiles[referrer] = ProfileTouch(new_id("cust"), theirs.profile.points_balance if theirs.profile else 0)
    for campaign, rule in referrer_rules:
        rule_key = (campaign.campaign_id, rule.rule_id)
        before = theirs.progress.get(rule_key) or RuleProgress.empty(rule)
        after = before
        for index in matched[rule_key]:
            marker = keys.referee(app_id, referrer, rule.rule_id, index, event.source_id)
            if marker[keys.SK] in theirs.markers:
                continue
            counted = rules.count_referee(rule, after, index, timestamp)
            if counted is not after:
                write.markers.append(marker)
                after = counted
        if after is not before:
            record(campaign, rule, referrer, before, after)


def _grant(
    write: EventWrite,
    campaign: CampaignSpec,
    rule: RuleSpec,
    owner: str,
    event_name: str,
) -> PointsGrant:
    points = rule.reward.points or 0
    balance_after = write.credit(owner, points)
    created_ms = time.time_ns() // 1_000_000
    entry = LedgerEntry(
        txn_id=new_id("txn"),
        source_id=owner,
        points=points,
        balance_after=balance_after,
        reason="rule_completion",
        created_at=clock.iso_from_epoch_ms(created_ms),
        created_ms=created_ms,
        campaign_id=campaign.campaign_id,
        rule_id=rule.rule_id,
        event_name=event_name,
        description=f"{campaign.campaign_name}: {rule.rule_name}",
    )
    write.entries.append(entry)
    return PointsGrant(points, owner, campaign.campaign_id, rule.rule_id, entry.txn_id)
