"""Event ingestion: find the rules an event touches (the application's recent definitions), advance the customer's
progress, grant each completed rule's reward exactly once.

Any number of rules. An event's work is written rule by rule, several whole rules per transaction
(DynamoDB's cap is 100 items; see ``storage.progress.EventWrite``), each rule exactly once on its own:
its progress, the marker saying this delivery was applied to it, and its grant go in together. A
delivery is identified by its ``Idempotency-Key``, or without one by an id of this request (so that
the SDK's retry of a write whose response was lost, or a re-read after a race, never counts twice).
A retry after a crash, a throttle or a lost response re-reads, meets the markers of the rules already
applied (their part of the answer is kept in the marker) and writes only the missing ones; the answer
always says everything the delivery changed.

Exactly once. Every progress item carries a version and is written only if unchanged since it was
read; referrer rules count a referee once through a marker written with ``attribute_not_exists``;
points are credited in the same transaction as the completion, with the ledger entry, only if the
customer's ledger head (balance, entry count) is still the one read, so the balance equals the
ledger's sum after every transaction. A transaction that loses a race re-reads what it touched and
is planned again; only consecutive losses count toward giving up (service unavailable: the client may retry).

Earning rules. The active earning rules on the event's name credit first, once per delivery, with the
same delivery id (``shared.domain.earning_credits``); then the campaigns.

Grants. A completed rule's reward is written by the grant writer of its type (``GRANT_WRITERS``),
in the same transaction as the completion: see ``Grant``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import asdict, field
from typing import Any, Literal

from shared import clock
from shared.domain import earning_credits, rules
from shared.domain.customers import ensure_customer
from shared.domain.grants import CouponGranted, RewardGrant
from shared.domain.points import ledger, placement
from shared.domain.points.ledger import lot_times
from shared.domain.points.placement import PointsState, lot_of
from shared.domain.rules import ActionView
from shared.domain.tiers import month_key
from shared.entities.campaigns import CampaignSpec, RuleProgress, RuleSpec
from shared.entities.points import DAY_MS, NEVER, PolicyRecord, Posting
from shared.errors import ServiceUnavailable, ValidationFailed
from shared.ids import new_id, new_referral_code
from shared.retries import pause_after_lost_race
from shared.settings import get_settings
from shared.storage import campaigns, progress
from shared.storage.dynamodb import TransactAction
from shared.storage.progress import EventWrite, RefereeMark, RuleKey, RuleWrite, Snapshot, Wanted, WriteConflict
from shared.storage.tiers import recent_program
from shared.values import value_class

# Consecutive lost races before answering service unavailable; every won race starts the count again.
MAX_ATTEMPTS = 30
# Store faults that outlived the SDK's retries, retried here (safely: writes are marked) before service unavailable.
MAX_FAULTS = 2
# A delivery without an Idempotency-Key can only meet its markers within its own request.
REQUEST_MARKER_RETENTION_SECONDS = 3600
DELIVERY_RETENTION_SECONDS = 7 * 24 * 3600


@value_class
class CustomerEvent:
    """What a customer did (``signup``, ``order_success``), to ingest."""

    source_id: str
    event_name: str
    timestamp: int | None  # epoch seconds; None: now
    properties: Mapping[str, Any]


@value_class
class ProgressChange:
    campaign_id: str
    rule_id: str
    rule_name: str
    source_id: str
    status: str
    actions: list[ActionView]


@value_class
class PointsGrant:
    points: int
    source_id: str
    campaign_id: str
    rule_id: str
    transaction_id: str
    type: Literal["points"] = "points"
    activates_at: str | None = None  # when pending points become spendable; None: at once
    expires_at: str | None = None  # None: never


GrantRecord = PointsGrant | CouponGranted | RewardGrant  # each grant kind adds its record type here (and to the API)
# How a grant's record kept in a rule's marker is read back for a retry's answer, by its ``type``.
GRANT_RECORD_TYPES: dict[str, type[GrantRecord]] = {
    "points": PointsGrant,
    "coupon": CouponGranted,
    "reward": RewardGrant,
}


@value_class
class EventOutcome:
    source_id: str
    event_name: str
    timestamp: int
    customer_created: bool
    changes: list[ProgressChange] = field(default_factory=list)
    grants: list[GrantRecord] = field(default_factory=list)


# ------------------------------------------------------------------------------------------ grants


@value_class
class GrantContext:
    """A rule the event just completed, and whom it rewards."""

    app_id: str
    campaign: CampaignSpec
    rule: RuleSpec
    beneficiary: str
    event_name: str
    event_ms: int  # the event's time: a points credit activates and expires counted from it
    points_policy: Callable[[], PolicyRecord]  # the application's, read when first needed


@value_class
class Grant:
    """What completing a rule gives, written in the same transaction as the completion.

    - ``record``: the grant as the event's answer shows it (a dataclass with a ``type``, registered in
      ``GRANT_RECORD_TYPES``: it is kept in the rule's marker and read back for a retry's answer);
    - ``postings``: ledger entries for the beneficiary (storage places them: balance after, sequence);
    - ``items``: any other writes of the grant, built by the grant kind's storage module (a coupon code
      taken from a pool and issued to the customer, a reward issued). Each must be conditional where
      it consumes something (a code still free, stock left): a failed condition cancels the rule's
      transaction and the rule is planned again after a re-read, so the writer is simply called
      again and may draw new ids each time. An item may appear in only one rule of a transaction.
    """

    record: GrantRecord
    postings: tuple[Posting, ...] = ()
    items: tuple[TransactAction, ...] = ()


GrantWriter = Callable[[GrantContext], Grant | None]


def _grant_points(context: GrantContext) -> Grant | None:
    reward = context.rule.reward
    points = reward.points or 0
    if not points:
        return None
    times = lot_times(context.points_policy(), context.event_ms, reward.expire_after_days, reward.pending_days)
    posting = Posting(
        txn_id=new_id("txn"),
        points=points,
        reason="rule_completion",
        operation="credit",
        activates_ms=times.activates_ms,
        expires_ms=times.expires_ms,
        campaign_id=context.campaign.campaign_id,
        rule_id=context.rule.rule_id,
        event_name=context.event_name,
        description=f"{context.campaign.campaign_name}: {context.rule.rule_name}",
        qualifies_in=month_key(context.event_ms),
    )
    lot = lot_of(posting, clock.now_epoch_ms())
    record = PointsGrant(
        points,
        context.beneficiary,
        context.campaign.campaign_id,
        context.rule.rule_id,
        posting.txn_id,
        activates_at=clock.iso_from_epoch_ms(lot.activates_day * DAY_MS) if lot.pending else None,
        expires_at=clock.iso_from_epoch_ms(lot.expires_day * DAY_MS) if lot.expires_day != NEVER else None,
    )
    return Grant(record, postings=(posting,))


def _grant_coupon(context: GrantContext) -> Grant | None:
    """A pool code issued to the beneficiary (or the fixed code made theirs), in the completion's write."""
    # Imported here, as for catalog rewards: ingestion pays for the coupons modules only when it grants one.
    from shared.domain import coupons

    coupon_id = context.rule.reward.coupon_id
    if coupon_id is None:
        return None
    record, items = coupons.grant_for_rule(
        context.app_id, coupon_id, context.beneficiary, context.campaign.campaign_id, context.rule.rule_id
    )
    return Grant(record, items=items)


def _grant_reward(context: GrantContext) -> Grant | None:
    # Imported here: only functions that grant a catalog reward pay for loading the rewards modules.
    from shared.domain import redemptions

    reward_id = context.rule.reward.reward_id
    if reward_id is None:
        return None
    granted, items = redemptions.grant_reward(
        context.app_id, reward_id, context.beneficiary, context.campaign.campaign_id, context.rule.rule_id
    )
    return Grant(granted, items=items)


# The extension point for reward types: one writer per ``reward.type``.
GRANT_WRITERS: dict[str, GrantWriter] = {"points": _grant_points, "coupon": _grant_coupon, "reward": _grant_reward}


# ------------------------------------------------------------------------------------------ ingestion


def ingest_event(app_id: str, event: CustomerEvent, delivery_id: str | None = None) -> EventOutcome:
    now = clock.now_epoch()
    limit = get_settings().max_event_future_seconds
    timestamp = event.timestamp if event.timestamp is not None else now
    if timestamp > now + limit:
        raise ValidationFailed(f"timestamp: must not be more than {limit} seconds in the future")
    keyed = delivery_id is not None
    delivery = delivery_id or new_id("dlv")
    retention = DELIVERY_RETENTION_SECONDS if keyed else REQUEST_MARKER_RETENTION_SECONDS
    marker_expires_at = clock.now_epoch() + retention
    # The earning rules on the event's name credit first, as an order's do, under the same delivery id:
    # a retry after the campaigns' part failed meets their marker and credits nothing again.
    earning_rules = earning_credits.listening(app_id, event.event_name)
    created = False
    if earning_rules:
        created = earning_credits.credit_event(
            app_id,
            event.source_id,
            event.event_name,
            timestamp,
            event.properties,
            earning_rules,
            delivery,
            marker_expires_at,
        )
    listed = campaigns.recent(app_id).rules_for_event(event.event_name)
    touched = [(c, r) for c, r in listed if c.accepts(timestamp)]
    if not touched:
        created = ensure_customer(app_id, event.source_id)[1] or created
        return EventOutcome(event.source_id, event.event_name, timestamp, created)
    # Markers of rules listed but not accepted now (paused since) still belong to a retry's answer.
    listed_keys = [(c.campaign_id, r.rule_id) for c, r in listed]
    ingestion = _Ingestion(app_id, event, timestamp, delivery, keyed, marker_expires_at, created)
    return ingestion.run(touched, listed_keys)


class _Ingestion:
    def __init__(
        self,
        app_id: str,
        event: CustomerEvent,
        timestamp: int,
        delivery_id: str,
        keyed: bool,
        marker_expires_at: int,
        customer_created: bool,  # by the earning rules' credit, before
    ) -> None:
        self.app_id = app_id
        self.event = event
        self.source_id = event.source_id
        self.timestamp = timestamp
        self.delivery_id = delivery_id
        self.marker_expires_at = marker_expires_at
        self.keyed = keyed
        self.new_customer_ids: dict[str, str] = {}
        self.points: dict[str, PointsState] = {}
        self._policy: PolicyRecord | None = None
        self.customer_created = customer_created
        self.referrer: str | None = None
        self.existing: set[str] = set()  # customers whose profile exists (others are created with a code)

    def run(self, touched: list[tuple[CampaignSpec, RuleSpec]], listed_keys: list[RuleKey]) -> EventOutcome:
        snapshot = progress.load(
            self.app_id,
            Wanted(
                profiles=[self.source_id],
                progress=[
                    (self.source_id, (c.campaign_id, r.rule_id)) for c, r in touched if r.beneficiary != "referrer"
                ],
                source_id=self.source_id,
                delivery_id=self.delivery_id if self.keyed else None,
                applied=listed_keys,
            ),
        )
        profile = snapshot.profiles.get(self.source_id)
        self.customer_created = (
            self.customer_created or profile is None or any(r["customer_created"] for r in snapshot.applied.values())
        )
        self.referrer = profile.referred_by if profile else None
        steps = [(c, r) for c, r in touched if self._applies(r)]
        referrer_rules = [(c, r) for c, r in steps if r.beneficiary == "referrer"]
        if self.referrer is not None and referrer_rules:
            wanted = Wanted(
                profiles=[self.referrer],
                progress=[(self.referrer, (c.campaign_id, r.rule_id)) for c, r in referrer_rules],
                referees=[mark for c, r in referrer_rules for mark in self._marks(r)],
            )
            snapshot.merge(progress.load(self.app_id, wanted), wanted)
        self.existing = set(snapshot.profiles)
        for owner in {self.source_id, self.referrer} - {None}:
            assert owner is not None
            found = snapshot.profiles.get(owner)
            self.points[owner] = placement.points_state(found) if found else PointsState.empty()
            self.new_customer_ids[owner] = new_id("cust")
        records = self._write_all(steps, snapshot)
        ordered = [records[key] for key in listed_keys if key in records]
        return EventOutcome(
            self.source_id,
            self.event.event_name,
            self.timestamp,
            self.customer_created,
            [_change_from_record(r["change"]) for r in ordered],
            [GRANT_RECORD_TYPES[g.get("type", "points")](**g) for r in ordered for g in r["grants"]],
        )

    def _points_policy(self) -> PolicyRecord:
        """As this container last read it (a change applies within the staleness of shared/storage/
        versioned_cache.py): every event crediting points needs it, and the application has one."""
        if self._policy is None:
            self._policy = ledger.recent_policy(self.app_id)
        return self._policy

    def _applies(self, rule: RuleSpec) -> bool:
        if rule.beneficiary == "referrer":
            return self.referrer is not None
        return rule.beneficiary != "referee" or self.referrer is not None

    def _marks(self, rule: RuleSpec) -> list[RefereeMark]:
        """One mark per action of a referrer rule the event matches: the referee counts once for each."""
        assert self.referrer is not None
        return [
            (self.referrer, rule.rule_id, index, self.source_id)
            for index, action in enumerate(rule.actions)
            if rules.increment(action, self.event.event_name, self.event.properties) is not None
        ]

    def _write_all(self, steps: list[tuple[CampaignSpec, RuleSpec]], snapshot: Snapshot) -> dict[RuleKey, Any]:
        """Write every rule's change in as few transactions as fit; the answer's record of each rule."""
        records: dict[RuleKey, Any] = {}
        pending = list(steps)
        lost = faults = 0
        wrote_any = False
        while pending:
            write = EventWrite(
                self.app_id,
                self.source_id,
                self.delivery_id,
                self.marker_expires_at,
                clock.now_epoch_ms(),
                self.new_customer_ids,
                {owner: new_referral_code() for owner in self.points if owner not in self.existing},
            )
            planned = 0
            for campaign, rule in pending:
                rule_key = (campaign.campaign_id, rule.rule_id)
                if rule_key in snapshot.applied:
                    records[rule_key] = snapshot.applied[rule_key]
                else:
                    rule_write = self._plan(campaign, rule, snapshot)
                    if rule_write is not None and not write.add(rule_write):
                        break
                planned += 1
            if not write.rules:
                pending = pending[planned:]
                continue
            try:
                self._write(write)
            except (WriteConflict, ServiceUnavailable) as error:
                # Another event of this customer (or this very delivery) got there first, or the store
                # failed after the SDK's retries (the write may have landed): re-read and plan again.
                lost += 1
                faults += isinstance(error, ServiceUnavailable)
                if lost >= MAX_ATTEMPTS or faults > MAX_FAULTS:
                    raise self._unavailable(wrote_any) from error
                wanted = write.wanted()
                snapshot.merge(progress.load(self.app_id, wanted), wanted)
                self.existing |= set(snapshot.profiles)
                for owner in wanted.profiles:
                    found = snapshot.profiles.get(owner)
                    self.points[owner] = placement.points_state(found) if found else PointsState.empty()
                pause_after_lost_race(lost)
                continue
            lost = faults = 0
            wrote_any = True
            self.existing |= set(write.new_referral_codes)
            for rule_write in write.rules:
                records[rule_write.rule_key] = rule_write.record
                snapshot.applied[rule_write.rule_key] = rule_write.record
            pending = pending[planned:]
        if not wrote_any and self.source_id not in snapshot.profiles:
            ensure_customer(self.app_id, self.source_id)
        return records

    def _write(self, write: EventWrite) -> None:
        """Write one transaction, the points of each customer it credits placed after those read."""
        postings = write.postings()
        program = recent_program(self.app_id) if any(map(placement.qualifying, postings.values())) else None
        placed = {
            owner: placement.place(self.app_id, owner, self.points[owner], owned, write.now_ms, program)
            for owner, owned in postings.items()
        }
        progress.write(write, {owner: points.write() for owner, points in placed.items()})
        self.points |= {owner: points.after for owner, points in placed.items()}

    def _unavailable(self, wrote_any: bool) -> ServiceUnavailable:
        if wrote_any and not self.keyed:
            # Without a key, a plain retry would be a new event and count again what was applied.
            return ServiceUnavailable(
                "part of this event was applied; to apply the rest exactly once, retry with the header "
                f"Idempotency-Key: {self.delivery_id}"
            )
        return ServiceUnavailable()

    def _plan(self, campaign: CampaignSpec, rule: RuleSpec, snapshot: Snapshot) -> RuleWrite | None:
        """The rule's write for this event, or None when the event changes nothing of it."""
        rule_key = (campaign.campaign_id, rule.rule_id)
        marks: list[RefereeMark] = []
        if rule.beneficiary == "referrer":
            assert self.referrer is not None
            owner = self.referrer
            before = snapshot.progress.get((owner, rule_key)) or RuleProgress.empty(rule)
            after = before
            for mark in self._marks(rule):
                if snapshot.counted(self.app_id, mark):
                    continue
                counted = rules.count_referee(rule, after, mark[2], self.timestamp)
                if counted is not after:
                    marks.append(mark)
                    after = counted
        else:
            owner = self.source_id
            before = snapshot.progress.get((owner, rule_key)) or RuleProgress.empty(rule)
            after = rules.advance(rule, before, self.event.event_name, self.event.properties, self.timestamp)
        if after is before:
            return None
        change = ProgressChange(
            campaign.campaign_id,
            rule.rule_id,
            rule.rule_name,
            owner,
            after.status,
            rules.view(rule, after, clock.now_epoch()),
        )
        grant, reward = None, None
        if after.status == "completed" and before.status != "completed":
            writer = GRANT_WRITERS.get(rule.reward.type)
            if writer is not None:
                grant = writer(
                    GrantContext(
                        self.app_id,
                        campaign,
                        rule,
                        owner,
                        self.event.event_name,
                        self.timestamp * 1000,
                        self._points_policy,
                    )
                )
            reward = {k: v for k, v in asdict(rule.reward).items() if v is not None}
            if grant is not None and grant.postings:
                reward["transaction_id"] = grant.postings[0].txn_id
        record = {
            "change": asdict(change),
            "grants": [asdict(grant.record)] if grant else [],
            "customer_created": self.customer_created,
        }
        return RuleWrite(
            owner,
            rule_key,
            after,
            record,
            referees=tuple(marks),
            postings=grant.postings if grant else (),
            items=grant.items if grant else (),
            reward=reward,
        )


def _change_from_record(record: dict[str, Any]) -> ProgressChange:
    return ProgressChange(**{**record, "actions": [ActionView(**a) for a in record["actions"]]})
