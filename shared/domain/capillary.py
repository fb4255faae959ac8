"""Capillary-compatible reads (SPEC §7, and the two list routes its clients call beside it): one reward of
a brand, a brand's rewards as a user sees them, and the vouchers a user got from a brand's rewards.

A brand is a reward's ``brand`` label: a brand is known while one of its rewards is enabled. A user is a
customer's ``source_id`` (Capillary's ``userId``, or its ``externalId``: the merchant's own id).
"""

from __future__ import annotations

from shared import clock
from shared.domain import locales
from shared.domain.eligibility import Member
from shared.domain.rewards import (
    Reward,
    coupon_ids,
    coupon_of,
    from_record,
    member_of,
    unavailable_reasons,
    view_for,
)
from shared.errors import CustomerNotFound, NotFound
from shared.storage import redemptions, rewards
from shared.storage.coupons.records import CouponRecord
from shared.storage.customers import CustomerRecord
from shared.storage.redemptions import IssuedDetails, RewardRedemptionRecord
from shared.values import value_class


class UnknownBrand(NotFound):
    """No enabled reward names the brand (Capillary's 6004)."""

    def __init__(self, brand: str) -> None:
        super().__init__(f"No enabled reward of brand {brand}")


@value_class
class BrandReward:
    reward: Reward
    now_ms: int
    name: str  # in the language asked (locales.localized)
    description: str | None
    valid_for_user: bool  # the member may redeem it now (eligible, and the balance covers it)


def _seen(
    reward: Reward,
    now_ms: int,
    language: str | None,
    user_id: str | None,
    member: Member | None,
    coupon: CouponRecord | None,
) -> BrandReward:
    """``reward`` as Capillary shows it to ``user_id`` (``member``: theirs, None if unknown)."""
    if member is None:  # no user asked: whether anyone may get it; an unknown user may not
        valid = user_id is None and not unavailable_reasons(reward, now_ms, coupon)
    else:
        view = view_for(reward, member, now_ms, coupon)
        valid = view.eligible and view.affordable
    return BrandReward(reward, now_ms, *_texts(reward, language), valid)


def _member(app_id: str, profile: CustomerRecord | None) -> Member | None:
    return member_of(app_id, profile) if profile is not None else None


def _texts(reward: Reward, language: str | None) -> tuple[str, str | None]:
    """The reward's name and description in ``language``, each falling back on its own."""
    definition = reward.definition
    translations = definition.translations or {}
    own_description = definition.attributes.description if definition.attributes else None
    return (
        locales.localized(translations, language, lambda t: t.name, definition.name) or definition.name,
        locales.localized(translations, language, lambda t: t.description, own_description),
    )


def brand_reward(
    app_id: str, reward_id: str, brand: str, user_id: str | None, language: str | None
) -> BrandReward | None:
    """The reward if it exists, is active and is of ``brand``; None is Capillary's 6004. One round trip."""
    if not reward_id.startswith("rew_"):
        return None
    if user_id is None:
        record, profile = rewards.get(app_id, reward_id), None
    else:
        record, profile = rewards.get_with_profile(app_id, reward_id, user_id)
    if record is None or not record.active or record.brand != brand:
        return None
    reward = from_record(record)
    coupon = coupon_of(reward, rewards.read_coupons(app_id, coupon_ids([reward])))
    return _seen(reward, clock.now_epoch_ms(), language, user_id, _member(app_id, profile), coupon)


def brand_rewards(
    app_id: str,
    brand: str,
    user_id: str | None,
    language: str | None,
    *,
    include_expired: bool,
    limit: int,
    cursor: str | None,
) -> tuple[list[BrandReward], str | None]:
    """A page of the brand's enabled rewards in id order (started or not; expired ones with
    ``include_expired``), each with whether ``user_id`` may redeem it now (an unknown user may not).
    ``UnknownBrand`` when no enabled reward names the brand. Each read of the catalog costs two round
    trips: a page of the brand's rewards, then the user's profile with the CAMPAIGN rewards' coupons."""
    shown: list[BrandReward] = []
    first_page = cursor is None
    while True:
        records, next_cursor = rewards.page(app_id, limit, cursor, brand=brand, active=True)
        if first_page and not records:
            raise UnknownBrand(brand)
        found = [from_record(record) for record in records]
        if user_id is None:
            profile, pools = None, rewards.read_coupons(app_id, coupon_ids(found))
        else:
            profile, pools = rewards.profile_and_coupons(app_id, user_id, coupon_ids(found))
        now_ms = clock.now_epoch_ms()
        member = _member(app_id, profile)
        for reward in found:
            if reward.expired(now_ms) and not include_expired:
                continue
            if len(shown) == limit:  # one more to show: the page is full and has more
                return shown, rewards.cursor_after(shown[-1].reward.reward_id)
            shown.append(_seen(reward, now_ms, language, user_id, member, coupon_of(reward, pools)))
        if next_cursor is None:
            return shown, None
        cursor, first_page = next_cursor, False


# ------------------------------------------------------------------------------------------ vouchers


@value_class
class Voucher:
    """A reward the user got (a completed redemption), with the coupon it issued, if any."""

    reward: Reward  # as it is now
    name: str  # the reward's, in the language asked
    description: str | None
    redemption: RewardRedemptionRecord
    coupon: CouponRecord | None
    uses: int  # times the issued code was used (a pool code: 0 or 1; a shared code: the user's uses)


def _uses(record: RewardRedemptionRecord, details: IssuedDetails) -> int:
    grant = record.coupon_grant
    if grant is None:
        return 0
    if grant["kind"] == "pool_code":
        return int(details.code_status.get((grant["coupon_id"], grant["coupon_code"])) == "redeemed")
    return details.coupon_uses.get(grant["coupon_id"], 0)


def user_vouchers(
    app_id: str, brand: str, source_id: str, language: str | None, *, limit: int, cursor: str | None
) -> tuple[list[Voucher], str | None]:
    """A page of at most ``limit`` vouchers the user got from the brand's rewards, newest first. A
    reward's brand is read as it is now. ``CustomerNotFound`` for an unknown user. Each read costs a page
    of the user's redemptions, then their profile with the rewards (and their allowance shards) and
    coupons the page names: a round trip per 100 keys."""
    shown: list[Voucher] = []
    while True:
        records, next_cursor = redemptions.page(app_id, source_id, limit, cursor)
        completed = [record for record in records if record.status == "completed"]
        details = redemptions.issued_details(app_id, source_id, completed)
        if not details.customer_exists:
            raise CustomerNotFound(source_id)
        for record in completed:
            reward_record = details.rewards.get(record.reward_id)
            if reward_record is None or reward_record.brand != brand:
                continue
            if len(shown) == limit:  # one more to show: the page is full and has more
                last = shown[-1].redemption.redemption_id
                return shown, redemptions.cursor_after(app_id, source_id, last)
            reward = from_record(reward_record)
            coupon = details.coupons.get(record.coupon_id) if record.coupon_id else None
            shown.append(Voucher(reward, *_texts(reward, language), record, coupon, _uses(record, details)))
        if next_cursor is None:
            return shown, None
        cursor = next_cursor
