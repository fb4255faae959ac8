"""Redeeming rewards with points, and cancelling a redemption, each in one transaction.

Redeem: read the profile and the reward together (one round trip), decide, then write in one
transaction the debit and its ledger entry (only if the balance is still the one read, and covers the
cost), the reward's count and stock (only if the reward is still the active version read, and one is
left), the redemption, and what it issues. A lost condition means another request got there first: read
again and decide again, so every refusal is decided on current data and a refusal changes nothing.

Cancel: the redemption goes from completed to cancelled once, in the same transaction as the refund
(a credit naming the redemption), the stock given back and the issued code voided.

A customer's list of redemptions is ``redemption_history``'s: it reads none of what this module loads.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from datetime import date, datetime
from decimal import ROUND_DOWN, Decimal, localcontext
from typing import Any

from shared import clock
from shared.domain.grants import RewardGrant
from shared.domain.points import placement as points
from shared.domain.points.lots import NotEnoughPoints
from shared.domain.reward_settings import TransactionAttribute
from shared.domain.rewards import (
    MemberReward,
    Reward,
    RewardNotFound,
    from_record,
    member_of,
    unavailable_reasons,
    view_for,
)
from shared.entities.points import Posting
from shared.errors import Conflict, CustomerNotFound, NotFound, ServiceUnavailable, ValidationFailed
from shared.ids import new_id, new_sortable_id
from shared.retries import pause_after_lost_race
from shared.storage import allowance, dynamodb, redemptions, rewards
from shared.storage.coupons import definitions as coupon_definitions
from shared.storage.coupons import issuing
from shared.storage.coupons.errors import CouponAlreadyUsed, CouponUnavailable, IssueRaced, PoolExhausted
from shared.storage.coupons.issuing import CouponGrant, IssuedCoupon
from shared.storage.coupons.records import CouponRecord
from shared.storage.dynamodb import TransactAction, TransactionCancelled, TransactionConflicted
from shared.storage.redemptions import RewardRedemptionRecord
from shared.values import value_class

MAX_ATTEMPTS = 30
CENT = Decimal("0.01")
MAX_COIN_VALUE = Decimal(1_000_000_000)


class RewardUnavailable(Conflict):
    """The reward cannot be redeemed now by this member; ``details`` says why."""

    def __init__(self, message: str, details: str) -> None:
        super().__init__(message, details)


class KeyUsedForAnotherReward(Conflict):
    """The Idempotency-Key already made a redemption of another reward: its marker outlives the API's own
    record of the key (7 days against 24 hours), and is kept by a request whose answer was lost."""

    def __init__(self, earlier: RewardRedemptionRecord) -> None:
        super().__init__(
            "Idempotency-Key reused",
            f"Idempotency-Key was already used to redeem reward {earlier.reward_id} "
            f"(redemption {earlier.redemption_id})",
        )


class RewardRedemptionNotFound(NotFound):
    def __init__(self, redemption_id: str) -> None:
        super().__init__(f"Cannot find redemption with id {redemption_id}")


@value_class
class RedeemCommand:
    """What a member asks with a redemption: the points a COIN reward turns into a coupon, and values of the
    reward's custom transaction attributes (by attribute_id)."""

    points: int | None = None
    custom_transaction_attributes: Mapping[str, Any] | None = None


class _Contended(Exception):
    """Another request changed what this one read: read again."""


def _retrying[T](attempt: Callable[[], T]) -> T:
    for number in range(MAX_ATTEMPTS):
        try:
            result: T = attempt()
        except _Contended:
            pause_after_lost_race(number)
            continue
        return result
    raise ServiceUnavailable


# ------------------------------------------------------------------------------------------ redeem


@value_class
class _Ids:
    """Chosen once per request, so that an attempt that finds its own earlier write (its response was
    lost and the SDK retried) answers it rather than redeeming again."""

    redemption_id: str
    transaction_id: str


def redeem(
    app_id: str, source_id: str, reward_id: str, request: RedeemCommand, request_key: str | None = None
) -> RewardRedemptionRecord:
    """``request_key`` (the Idempotency-Key): a retry of a request whose response was lost, even after the
    SDK's retries, finds the redemption that request made instead of redeeming again."""
    if not reward_id.startswith("rew_"):
        raise RewardNotFound(reward_id)
    ids = _Ids(new_sortable_id("red"), new_id("txn"))
    tried = allowance.Tried()
    return _retrying(lambda: _redeem_once(app_id, source_id, reward_id, request, ids, request_key, tried))


def _redeem_once(
    app_id: str,
    source_id: str,
    reward_id: str,
    request: RedeemCommand,
    ids: _Ids,
    request_key: str | None,
    tried: allowance.Tried,
) -> RewardRedemptionRecord:
    snapshot = redemptions.load(
        app_id,
        source_id,
        reward_id=reward_id,
        redemption_id=ids.redemption_id,
        request_key=request_key,
        coupon_id=_COUPON_OF_REWARD.get((app_id, reward_id)),
    )
    earlier = _earlier_attempt(app_id, source_id, reward_id, snapshot)
    if earlier is not None:
        return earlier
    if snapshot.profile is None:
        raise CustomerNotFound(source_id)
    if snapshot.reward is None:
        raise RewardNotFound(reward_id)
    reward = from_record(snapshot.reward)
    attributes = checked_attributes(reward.definition.custom_transaction_attributes or [], request)
    cost, amount = _price(reward, request)
    now_ms = clock.now_epoch_ms()
    coupon = _campaign_coupon(app_id, reward, snapshot.coupon)
    _refuse_unless_redeemable(view_for(reward, member_of(app_id, snapshot.profile), now_ms, coupon), cost)
    redemption_id = ids.redemption_id
    created_at = clock.iso_from_epoch_ms(now_ms)
    actions: list[TransactAction] = []
    transaction_id = debit_lots = None
    if cost > 0:
        posting = Posting(
            txn_id=ids.transaction_id,
            points=-cost,
            reason="reward_redemption",
            operation="debit",
            reward_id=reward.reward_id,
            description=f"Redeemed {reward.definition.name}",
            redemption_id=redemption_id,
            attributes=attributes or None,
        )
        try:
            placed, moved = points.post(app_id, snapshot.profile, [posting], now_ms)
        except NotEnoughPoints as short:  # points expired between the check and now
            raise RewardUnavailable(
                "Insufficient points",
                f"{short.needed - short.balance} more points needed: the balance is {short.balance}, "
                f"the cost {short.needed}",
            ) from short
        actions += moved
        transaction_id = ids.transaction_id
        debit_lots = next(e.lots for e in placed.entries if e.txn_id == transaction_id)
    record = RewardRedemptionRecord(
        redemption_id=redemption_id,
        source_id=source_id,
        reward_id=reward.reward_id,
        reward_type=reward.definition.type,
        reward_name=reward.definition.name,
        points=cost,
        status="completed",
        created_at=created_at,
        transaction_id=transaction_id,
        points_lots=debit_lots,
        product_id=reward.definition.parameters.product.id if reward.definition.parameters.product else None,
        amount=str(amount) if amount is not None else None,
        custom_transaction_attributes=attributes,
    )
    issued = _issue(app_id, reward, coupon, source_id, amount, now_ms)
    if issued is not None:
        record = replace(
            record,
            coupon_id=issued.grant.coupon_id,
            code=issued.grant.coupon_code,
            coupon_grant=issued.grant.to_record(),
        )
    actions += [rewards.take_one(app_id, reward.record, tried), redemptions.put(app_id, record)]
    if request_key is not None:
        actions.append(redemptions.mark_request(app_id, source_id, request_key, redemption_id, now_ms // 1000))
    _commit(app_id, actions, issued)
    return record


def _earlier_attempt(
    app_id: str, source_id: str, reward_id: str, snapshot: redemptions.RedeemSnapshot
) -> RewardRedemptionRecord | None:
    """The redemption this request already made: by an attempt whose response was lost (the SDK retried),
    or by an earlier request with the same Idempotency-Key (a redemption of another reward is a 409: the
    key's marker would refuse every attempt to redeem this one)."""
    if snapshot.redemption is not None:
        return snapshot.redemption
    if snapshot.requested is not None:
        earlier = redemptions.get(app_id, source_id, snapshot.requested)
        if earlier is not None and earlier.reward_id != reward_id:
            raise KeyUsedForAnotherReward(earlier)
        return earlier
    return None


def _refuse_unless_redeemable(view: MemberReward, cost: int) -> None:
    if view.unavailable:
        raise RewardUnavailable("Reward unavailable", "; ".join(view.unavailable))
    if not view.eligible:
        gaps = "; ".join(f"{f.condition}: {f.gap}" for f in view.failed_conditions)
        raise RewardUnavailable("Not eligible", f"no eligibility rule of the reward holds for this member: {gaps}")
    if view.points_balance < cost:
        raise RewardUnavailable(
            "Insufficient points",
            f"{cost - view.points_balance} more points needed: the balance is {view.points_balance}, the cost {cost}",
        )


def _commit(app_id: str, actions: list[TransactAction], issued: IssuedCoupon | None) -> None:
    """The redemption's one transaction, with what it issues last; a lost condition, or another transaction
    changing one of its items (the stock's shard, most often), is contention (or, for a condition lost by
    the issue alone, the coupons module's to explain), so the redemption is decided again."""
    issued_at = len(actions)
    try:
        dynamodb.transact_write([*actions, *(issued.actions if issued is not None else ())])
    except TransactionConflicted as error:
        raise _Contended from error
    except TransactionCancelled as error:
        issue_reasons = error.reasons[issued_at:]
        if issued is not None and any(issue_reasons) and not any(error.reasons[:issued_at]):
            try:
                issuing.explain_issue_failure(app_id, issued, issue_reasons)
            except IssueRaced as raced:
                raise _Contended from raced
        raise _Contended from error


# A CAMPAIGN reward's coupon never changes (PATCH refuses it): a warm function reads the coupon with the
# reward and the profile, in the redemption's first round trip.
_COUPON_OF_REWARD: dict[tuple[str, str], str] = {}


def _campaign_coupon(app_id: str, reward: Reward, read: CouponRecord | None) -> CouponRecord | None:
    campaign = reward.definition.parameters.campaign
    if campaign is None:
        return None
    _COUPON_OF_REWARD[(app_id, reward.reward_id)] = campaign.id
    coupon = read if read is not None and read.coupon_id == campaign.id else coupon_definitions.get(app_id, campaign.id)
    if coupon is None:
        raise RewardUnavailable("Reward unavailable", f"the reward's coupon {campaign.id} no longer exists")
    return coupon


def _issue(
    app_id: str, reward: Reward, coupon: CouponRecord | None, source_id: str, amount: Decimal | None, now_ms: int
) -> IssuedCoupon | None:
    """What a CAMPAIGN (one code of the coupon's pool) or COIN (a single-use coupon worth ``amount``)
    redemption gives, as actions for the redemption's transaction."""
    now_iso = clock.iso_from_epoch_ms(now_ms)
    if coupon is not None:
        try:
            return issuing.issue_coupon(app_id, coupon, source_id, now_ms // 1000, now_iso)
        except PoolExhausted as error:
            raise RewardUnavailable("Reward unavailable", "the reward's coupon pool is exhausted") from error
        except CouponUnavailable as error:
            raise RewardUnavailable("Reward unavailable", f"the reward's coupon is {error.reason}") from error
        except IssueRaced as error:
            raise _Contended from error
    if amount is not None:
        name = f"{reward.definition.name}: {amount}"
        return issuing.create_customer_coupon(app_id, new_id("coupm"), source_id, float(amount), name[:200], now_iso)
    return None


def _price(reward: Reward, request: RedeemCommand) -> tuple[int, Decimal | None]:
    """The points a redemption debits and, for a COIN reward, the value it gives (rounded down to cents)."""
    coin = reward.definition.parameters.coin
    if coin is None:
        if request.points is not None:
            raise ValidationFailed("points: only COIN rewards take points; this reward costs a fixed amount")
        return reward.definition.points_cost(), None
    if request.points is None:
        raise ValidationFailed("points is required to redeem a COIN reward")
    value = coin_value(request.points, coin.exchange_ratio, coin.points_ratio)
    if value <= 0:
        raise ValidationFailed(f"points: {request.points} points are worth less than {CENT} at this reward's ratio")
    if value > MAX_COIN_VALUE:
        raise ValidationFailed(
            f"points: {request.points} points are worth more than {MAX_COIN_VALUE}, the most one coupon holds"
        )
    return request.points, value


def coin_value(points: int, exchange_ratio: float, points_ratio: float) -> Decimal:
    """``points * exchange_ratio / points_ratio``, rounded down to cents, in exact decimal arithmetic."""
    with localcontext(prec=60):  # ratios are bounded (1e-6 to 1e12): 60 digits hold every value exactly enough
        exact = Decimal(points) * Decimal(repr(exchange_ratio)) / Decimal(repr(points_ratio))
        return exact.quantize(CENT, rounding=ROUND_DOWN)


def checked_attributes(declared: Sequence[TransactionAttribute], request: RedeemCommand) -> dict[str, Any]:
    """The custom transaction attributes the ledger entry carries: declared ones only, mandatory ones
    present, each of its declared type."""
    given = request.custom_transaction_attributes or {}
    by_id = {attribute.attribute_id: attribute for attribute in declared}
    problems = [
        f"custom_transaction_attributes.{name} is not an attribute of this reward"
        for name in given
        if name not in by_id
    ]
    problems += [
        f"custom_transaction_attributes.{a.attribute_id} is required ({a.attribute_name})"
        for a in declared
        if a.is_attribute_mandatory and a.attribute_id not in given
    ]
    for name, value in given.items():
        attribute = by_id.get(name)
        if attribute is not None and not _of_type(value, attribute.attribute_type):
            problems.append(f"custom_transaction_attributes.{name} must be {_TYPE_NAMES[attribute.attribute_type]}")
    if problems:
        raise ValidationFailed("; ".join(problems[:5]))
    return dict(given)


_TYPE_NAMES = {"Text": "a text", "Number": "a number", "Boolean": "true or false", "Date": "an ISO date"}


def _of_type(value: Any, attribute_type: str) -> bool:
    if attribute_type == "Text":
        return isinstance(value, str)
    if attribute_type == "Number":
        return isinstance(value, int | float) and not isinstance(value, bool)
    if attribute_type == "Boolean":
        return isinstance(value, bool)
    if not isinstance(value, str):
        return False
    try:
        (date.fromisoformat if len(value) == 10 else datetime.fromisoformat)(value)
    except ValueError:
        return False
    return True


# ------------------------------------------------------------------------------------------ cancel


def cancel(app_id: str, source_id: str, redemption_id: str, request_key: str | None = None) -> RewardRedemptionRecord:
    """``request_key`` (the Idempotency-Key): a retry of a cancel whose response was lost answers the
    cancellation it made, not a conflict."""
    if not redemption_id.startswith("red_"):
        raise RewardRedemptionNotFound(redemption_id)
    refund_id = new_id("txn")
    cancel_request = _request_token(request_key) if request_key is not None else refund_id
    return _retrying(lambda: _cancel_once(app_id, source_id, redemption_id, refund_id, cancel_request))


def _request_token(request_key: str) -> str:
    return "key:" + hashlib.sha256(request_key.encode()).hexdigest()[:32]


def _cancel_once(
    app_id: str, source_id: str, redemption_id: str, refund_id: str, cancel_request: str
) -> RewardRedemptionRecord:
    snapshot = redemptions.load(app_id, source_id, redemption_id=redemption_id)
    if snapshot.profile is None:
        raise CustomerNotFound(source_id)
    record = snapshot.redemption
    if record is None:
        raise RewardRedemptionNotFound(redemption_id)
    if record.status == "cancelled" and record.cancel_request == cancel_request:
        return record  # this request's own earlier attempt landed (its response was lost)
    if record.status == "cancelled":
        raise Conflict(
            "Redemption already cancelled", f"redemption {redemption_id} was cancelled at {record.cancelled_at}"
        )
    reward = rewards.get(app_id, record.reward_id)
    if reward is None:  # rewards are disabled, never deleted
        raise RewardNotFound(record.reward_id)
    now_ms = clock.now_epoch_ms()
    now_iso = clock.iso_from_epoch_ms(now_ms)
    actions: list[TransactAction] = []
    refunded = record.transaction_id is not None and record.points > 0
    if refunded:
        posting = Posting(
            txn_id=refund_id,
            points=record.points,
            reason="redemption_cancelled",
            operation="refund",
            reward_id=record.reward_id,
            description=f"Cancelled redemption of {record.reward_name}",
            redemption_id=redemption_id,
            refund_lots=points.refund_lots(record.points_lots, record.points),
        )
        _, moved = points.post(app_id, snapshot.profile, [posting], now_ms)
        actions += moved
    refund_transaction_id = refund_id if refunded else None
    actions += [
        rewards.give_back(app_id, reward),
        redemptions.cancel(app_id, record, now_iso, refund_transaction_id, cancel_request=cancel_request),
    ]
    voids_at = len(actions)
    if record.coupon_grant is not None:
        actions += issuing.void_coupon(app_id, CouponGrant.from_record(record.coupon_grant), now_iso)
    try:
        dynamodb.transact_write(actions)
    except TransactionCancelled as error:
        if any(error.reasons[voids_at:]) and not any(error.reasons[:voids_at]):
            try:
                issuing.explain_void_failure(error.reasons[voids_at:])
            except CouponAlreadyUsed as used:
                raise Conflict(
                    "Coupon already used",
                    f"the code {record.code} of redemption {redemption_id} was used in an order; "
                    "revert the order first",
                ) from used
        raise _Contended from error
    return replace(
        record,
        status="cancelled",
        cancelled_at=now_iso,
        refund_transaction_id=refund_transaction_id,
        cancel_request=cancel_request,
    )


# ------------------------------------------------------------------------------------------ campaign grants


def grant_reward(
    app_id: str, reward_id: str, source_id: str, campaign_id: str, rule_id: str
) -> tuple[RewardGrant, tuple[TransactAction, ...]]:
    """A reward issued to ``source_id`` by a completed rule, without a points debit: a redemption marked
    ``granted_by`` the rule, the stock taken and the code issued, as actions for the completion's own
    transaction (conditional, so a race re-plans the rule). The rule is the eligibility: the reward's
    member rules are not asked. A reward that cannot be issued now is recorded as not issued."""
    found = rewards.get(app_id, reward_id)

    def not_issued(reason: str) -> tuple[RewardGrant, tuple[TransactAction, ...]]:
        return RewardGrant(reward_id, source_id, campaign_id, rule_id, None, not_issued=reason), ()

    if found is None:
        return not_issued("the reward no longer exists")
    reward = from_record(found)
    now_ms = clock.now_epoch_ms()
    try:
        coupon = _campaign_coupon(app_id, reward, None)
        reasons = unavailable_reasons(reward, now_ms, coupon)
        if reasons:
            return not_issued("; ".join(reasons))
        issued = _issue(app_id, reward, coupon, source_id, None, now_ms)
    except RewardUnavailable as refused:
        return not_issued(refused.details)
    except _Contended as raced:
        raise ServiceUnavailable from raced
    record = RewardRedemptionRecord(
        redemption_id=new_sortable_id("red", now_ms),
        source_id=source_id,
        reward_id=reward_id,
        reward_type=reward.definition.type,
        reward_name=reward.definition.name,
        points=0,
        status="completed",
        created_at=clock.iso_from_epoch_ms(now_ms),
        product_id=reward.definition.parameters.product.id if reward.definition.parameters.product else None,
        coupon_id=issued.grant.coupon_id if issued else None,
        code=issued.grant.coupon_code if issued else None,
        coupon_grant=issued.grant.to_record() if issued else None,
        granted_by={"campaign_id": campaign_id, "rule_id": rule_id},
    )
    actions = (rewards.take_one(app_id, reward.record), redemptions.put(app_id, record))
    grant = RewardGrant(reward_id, source_id, campaign_id, rule_id, record.redemption_id, record.code)
    return grant, actions + (issued.actions if issued else ())
