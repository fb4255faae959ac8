"""The rewards catalog: create, read, list, change and disable rewards, each checked whole.

A reward's settings are validated by ``RewardDefinition`` (shapes and consistency) and its eligibility
rules by the eligibility engine, before anything is written: a bad condition is refused naming it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from pydantic import ValidationError

from shared import clock
from shared.domain import eligibility
from shared.domain.parsed_settings import ParsedSettings
from shared.domain.reward_settings import RewardDefinition, RewardSettings
from shared.entities.audit import Action
from shared.errors import Conflict, CustomerNotFound, NotFound, ValidationFailed
from shared.ids import new_id
from shared.storage import rewards
from shared.storage.allowance import Allowance
from shared.storage.coupons import issuing
from shared.storage.coupons.records import CouponRecord
from shared.storage.rewards import RewardChanged, RewardRecord, StockBelowRedeemed

if TYPE_CHECKING:
    from collections.abc import Mapping

    from shared.storage.customers import CustomerRecord

# A reward is one item: its settings stay well under DynamoDB's 400 KB item limit.
MAX_DEFINITION_BYTES = 300_000


class RewardNotFound(NotFound):
    def __init__(self, reward_id: str) -> None:
        super().__init__(f"Cannot find reward with id {reward_id}")


@dataclass(frozen=True, slots=True)
class PoolCounts:
    total: int
    issued: int
    redeemed: int


@dataclass(frozen=True, slots=True)
class Reward:
    """A reward as the domain uses it: the stored record, its checked settings and its parsed rules."""

    record: RewardRecord
    definition: RewardDefinition
    rules: tuple[eligibility.Rule, ...]
    pool: PoolCounts | None = None  # CAMPAIGN: its coupon's pool (coupons_info), when read

    @property
    def reward_id(self) -> str:
        return self.record.reward_id

    def in_window(self, now_ms: int) -> bool:
        start, end = self.definition.start_time, self.definition.end_time
        return (start is None or start.timestamp() * 1000 <= now_ms) and (
            end is None or now_ms < end.timestamp() * 1000
        )

    def started(self, now_ms: int) -> bool:
        start = self.definition.start_time
        return start is None or start.timestamp() * 1000 <= now_ms

    def expired(self, now_ms: int) -> bool:
        end = self.definition.end_time
        return end is not None and end.timestamp() * 1000 <= now_ms

    def in_stock(self) -> bool:
        return self.record.stock_left is None or self.record.stock_left > 0


def from_record(record: RewardRecord) -> Reward:
    definition, rules = _parsed.get((record.reward_id, record.version), record.definition)
    return Reward(record, definition, rules)


def _parse(settings: Mapping[str, Any]) -> tuple[RewardDefinition, tuple[eligibility.Rule, ...]]:
    definition = RewardDefinition.model_validate(settings, strict=False)
    return definition, eligibility.parse_rules(_rules_of(definition))


_parsed = ParsedSettings(_parse)


def _rules_of(definition: RewardDefinition) -> list[dict[str, Any]]:
    return [rule.model_dump(mode="json") for rule in definition.member_eligibility_rules or []]


def _checked(definition: RewardDefinition) -> dict[str, Any]:
    """The settings to store, after the eligibility rules and the size budget are checked."""
    try:
        eligibility.parse_rules(_rules_of(definition))
    except eligibility.InvalidCondition as error:
        raise ValidationFailed(str(error)) from error
    stored = definition.model_dump(mode="json", exclude_none=True)
    size = len(json.dumps(stored))
    if size > MAX_DEFINITION_BYTES:
        raise ValidationFailed(f"body: the reward is {size} bytes of settings; at most {MAX_DEFINITION_BYTES}")
    return stored


def create_reward(app_id: str, definition: RewardDefinition) -> Reward:
    stored = _checked(definition)
    campaign = definition.parameters.campaign
    if campaign is not None and not rewards.read_coupons(app_id, [campaign.id]):
        raise ValidationFailed(f"parameters.campaign.id: there is no coupon {campaign.id} in this application")
    record = RewardRecord(
        reward_id=new_id("rew"),
        reward_type=definition.type,
        active=definition.is_active is not False,
        brand=definition.brand,
        stock=definition.stock,
        version=1,
        created_at=clock.now_iso(),
        updated_at=None,
        definition=stored,
        usage=Allowance.fresh(definition.stock),
    )
    rewards.create(app_id, record)
    return with_pools(app_id, [from_record(record)])[0]


def get_reward(app_id: str, reward_id: str) -> Reward:
    return with_pools(app_id, [_get(app_id, reward_id)])[0]


def _get(app_id: str, reward_id: str) -> Reward:
    record = rewards.get(app_id, reward_id) if reward_id.startswith("rew_") else None
    if record is None:
        raise RewardNotFound(reward_id)
    return from_record(record)


def list_rewards(
    app_id: str,
    limit: int,
    cursor: str | None,
    *,
    reward_type: str | None,
    brand: str | None,
    active: bool | None,
) -> tuple[list[Reward], str | None]:
    found, next_cursor = rewards.page(app_id, limit, cursor, reward_type=reward_type, brand=brand, active=active)
    return with_pools(app_id, [from_record(record) for record in found]), next_cursor


MAX_ATTEMPTS = 5


class _Stale(Exception):
    """The reward changed between read and write: read it again."""


def update_reward(app_id: str, reward_id: str, patch: RewardSettings) -> Reward:
    """``patch``: the settings given replace the stored ones, ``None`` removes an optional one."""
    for name in ("name", "type", "parameters"):
        if name in patch.model_fields_set and getattr(patch, name) is None:
            raise ValidationFailed(f"{name}: cannot be removed")
    changes = patch.model_dump(mode="json", exclude_unset=True)
    for _ in range(MAX_ATTEMPTS):
        before = _get(app_id, reward_id)
        merged = {**before.record.definition, **changes}
        try:
            return _save(app_id, before, {k: v for k, v in merged.items() if v is not None})
        except _Stale:
            continue
    raise Conflict("Reward changed", "the reward is being changed by other requests; retry")


def disable_reward(app_id: str, reward_id: str) -> Reward:
    """DELETE: the reward stays (its redemptions name it) but can no longer be redeemed or seen as eligible."""
    for _ in range(MAX_ATTEMPTS):
        before = _get(app_id, reward_id)
        if not before.record.active:
            return with_pools(app_id, [before])[0]
        try:
            return _save(app_id, before, {**before.record.definition, "is_active": False}, "disabled")
        except _Stale:
            continue
    raise Conflict("Reward changed", "the reward is being changed by other requests; retry")


def _describe(error: ValidationError) -> str:
    return "; ".join(
        f"{'.'.join(str(part) for part in e['loc']) or 'body'}: {e['msg'][:1].lower()}{e['msg'][1:]}"
        for e in error.errors()[:5]
    )


def _save(app_id: str, before: Reward, merged: dict[str, Any], action: Action = "updated") -> Reward:
    """``action``: what the audit log calls the change."""
    try:
        definition = RewardDefinition.model_validate(merged, strict=False)
    except ValidationError as error:
        raise ValidationFailed(_describe(error)) from error
    if definition.type != before.definition.type:
        raise ValidationFailed("type: a reward's type cannot change; create a new reward")
    was, now = before.definition.parameters.campaign, definition.parameters.campaign
    if was is not None and now is not None and was.id != now.id:
        raise ValidationFailed("parameters.campaign.id: a reward's coupon cannot change (its codes were issued)")
    stored = _checked(definition)
    try:
        record = rewards.update(
            app_id,
            before.record,
            stored,
            active=definition.is_active is not False,
            brand=definition.brand,
            stock=definition.stock,
            now=clock.now_iso(),
            action=action,
        )
    except StockBelowRedeemed as refused:
        raise ValidationFailed(
            f"stock: {refused.redeemed} already redeemed; stock cannot be less than that"
        ) from refused
    except RewardChanged as changed:
        raise _Stale from changed
    return with_pools(app_id, [from_record(record)])[0]


# ------------------------------------------------------------------------------------------ a member's view


def member_of(app_id: str, profile: CustomerRecord) -> eligibility.Member:
    # The points' arithmetic and the tiers load with the member views, not with every catalogue route.
    from shared.domain.points.placement import wallet_of
    from shared.domain.tier_members import eligibility_tier

    tier, tier_order = eligibility_tier(app_id, profile)
    return eligibility.Member(
        tags=frozenset(profile.tags),
        tier=tier,
        points_balance=wallet_of(profile).as_of(clock.now_epoch_ms()).balance,  # expired points never count
        enrolled_at_ms=eligibility.epoch_ms(profile.enrolled_at),
        attributes=profile.attributes,
        tier_order=tier_order,
    )


@dataclass(frozen=True, slots=True)
class MemberReward:
    """One reward as one member sees it now."""

    reward: Reward
    eligible: bool  # may get it now: available, and a rule holds
    listed: bool  # eligible through a rule with include_in_api_response
    points_cost: int
    points_balance: int
    unavailable: tuple[str, ...]  # why nobody can get it now (inactive, outside the window, out of stock)
    failed_conditions: tuple[eligibility.ConditionFailure, ...]

    @property
    def affordable(self) -> bool:
        return self.points_balance >= self.points_cost

    @property
    def points_missing(self) -> int:
        return max(0, self.points_cost - self.points_balance)


def coupon_refusal(reward: Reward, coupon: CouponRecord | None, now_ms: int) -> str | None:
    """Why the coupon a CAMPAIGN reward issues (``coupon``, as read) cannot be handed out now, or None:
    the rule its redemption applies when it issues the code."""
    campaign = reward.definition.parameters.campaign
    if campaign is None:
        return None
    if coupon is None:
        return f"the reward's coupon {campaign.id} no longer exists"
    refusal = issuing.issue_refusal(coupon, now_ms // 1000)
    if refusal == "exhausted":
        return "the reward's coupon pool is exhausted"
    return f"the reward's coupon is {refusal}" if refusal else None


def unavailable_reasons(reward: Reward, now_ms: int, coupon: CouponRecord | None) -> tuple[str, ...]:
    """Why no member can get ``reward`` now (``coupon``: a CAMPAIGN reward's coupon, as read)."""
    reasons = []
    if not reward.record.active:
        reasons.append("the reward is inactive")
    if not reward.started(now_ms):
        reasons.append(f"the reward starts at {reward.record.definition.get('start_time')}")
    if reward.expired(now_ms):
        reasons.append(f"the reward ended at {reward.record.definition.get('end_time')}")
    if not reward.in_stock():
        reasons.append("the reward is out of stock")
    refusal = coupon_refusal(reward, coupon, now_ms)
    if refusal is not None:
        reasons.append(refusal)
    return tuple(reasons)


def view_for(reward: Reward, member: eligibility.Member, now_ms: int, coupon: CouponRecord | None) -> MemberReward:
    # A disabled reward is not evaluated: no member can get it, so its rules say nothing (and a rule the
    # merchant disabled it for must not affect anyone's answer).
    outcomes = eligibility.evaluate_rules(reward.rules, member) if reward.record.active else []
    holding = [outcome for outcome in outcomes if outcome.holds]
    below_tier = _below_tier(reward, member)
    rule_holds = (not reward.rules or bool(holding)) and below_tier is None
    unavailable = unavailable_reasons(reward, now_ms, coupon)
    eligible = rule_holds and not unavailable
    return MemberReward(
        reward=reward,
        eligible=eligible,
        listed=eligible and (not reward.rules or any(o.include_in_api_response for o in holding)),
        points_cost=reward.definition.points_cost(),
        points_balance=member.points_balance,
        unavailable=unavailable,
        failed_conditions=()
        if rule_holds
        else (*(f for o in outcomes for f in o.failures), *filter(None, [below_tier])),
    )


def _below_tier(reward: Reward, member: eligibility.Member) -> eligibility.ConditionFailure | None:
    """A reward of a ``tier`` is for members of that tier or above, once the application has a tier
    program (without one, the reward's tier is a label, as before tiers existed)."""
    floor = reward.definition.tier
    if floor is None or not member.tier_order:
        return None
    gap = eligibility.tier_at_least(floor, member)
    if gap is None:
        return None
    return eligibility.ConditionFailure("tier", eligibility.TIER, "At least", gap.required, gap.actual, gap.gap)


def coupon_ids(found: list[Reward]) -> list[str]:
    return list(dict.fromkeys(r.definition.parameters.campaign.id for r in found if r.definition.parameters.campaign))


def coupon_of(reward: Reward, pools: dict[str, CouponRecord]) -> CouponRecord | None:
    campaign = reward.definition.parameters.campaign
    return pools.get(campaign.id) if campaign else None


def member_rewards(
    app_id: str, source_id: str, limit: int, cursor: str | None, *, every: bool
) -> tuple[list[MemberReward], str | None]:
    """A page of the catalog, in id order, as this member sees it: with ``every`` each reward, else only
    those listed for the member (the page filled from further reads, as a filtered list is). Each read of
    the catalog costs a page of rewards (with their allowance shards: a round trip per 12 rewards), then
    one round trip for the profile with the coupons of the CAMPAIGN rewards among them."""
    shown: list[MemberReward] = []
    while True:
        records, next_cursor = rewards.page(app_id, limit, cursor)
        found = [from_record(record) for record in records]
        profile, pools = rewards.profile_and_coupons(app_id, source_id, coupon_ids(found))
        if profile is None:
            raise CustomerNotFound(source_id)
        member = member_of(app_id, profile)
        now_ms = clock.now_epoch_ms()
        for reward in _with_pools(found, pools):
            view = view_for(reward, member, now_ms, coupon_of(reward, pools))
            if every or view.listed:
                if len(shown) == limit:  # one more to show: the page is full and has more
                    return shown, rewards.cursor_after(shown[-1].reward.reward_id)
                shown.append(view)
        if next_cursor is None or (every and len(shown) == limit):
            return shown, next_cursor
        cursor = next_cursor


def _with_pools(found: list[Reward], pools: dict[str, CouponRecord]) -> list[Reward]:
    def counted(reward: Reward) -> Reward:
        campaign = reward.definition.parameters.campaign
        coupon = pools.get(campaign.id) if campaign else None
        if coupon is None:
            return reward
        return replace(reward, pool=PoolCounts(coupon.codes_total, coupon.codes_issued, coupon.uses))

    return [counted(reward) for reward in found]


def with_pools(app_id: str, found: list[Reward]) -> list[Reward]:
    """``found`` with the pool counts of the CAMPAIGN rewards among them: one round trip if any."""
    return _with_pools(found, rewards.read_coupons(app_id, coupon_ids(found)))
