"""Campaign configuration: create, read, list, change name/status/dates, archive."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace

from shared import clock
from shared.entities.campaigns import CampaignSpec, CampaignStatus
from shared.errors import Conflict, NotFound, ValidationFailed
from shared.ids import new_id
from shared.storage import campaigns, rewards
from shared.storage.campaigns import CampaignChanged
from shared.storage.coupons import definitions as coupons
from shared.values import value_class

# One transaction writes the campaign, the campaigns' version, its audit entry and a copy of each rule per
# event name: DynamoDB allows 100 items.
MAX_RULE_ENTRIES = 97
# An event is evaluated against every active rule on its name; past this many, one event's work (a
# transaction per ~30 changed rules) would risk the function's timeout. Checked when a campaign is
# created or activated; two campaigns created at the same instant may pass it together.
MAX_ACTIVE_RULES_PER_EVENT_NAME = 2000
GRANTABLE_REWARDS = frozenset({"points", "coupon", "reward"})


class CampaignNotFound(NotFound):
    def __init__(self, campaign_id: str) -> None:
        super().__init__(f"Cannot find campaign with id {campaign_id}")


@value_class
class CampaignChanges:
    """What a PATCH changes: the fields named in ``given`` (one given as None is removed)."""

    given: frozenset[str]
    campaign_name: str | None = None
    status: CampaignStatus | None = None
    starts_at: int | None = None  # epoch seconds
    ends_at: int | None = None


def create_campaign(app_id: str, draft: CampaignSpec) -> CampaignSpec:
    """``draft``: the campaign asked for, its ids and times blank: they are drawn here."""
    for index, rule in enumerate(draft.rules):
        if rule.reward.type not in GRANTABLE_REWARDS:
            raise ValidationFailed(f"rules.{index}.reward.type: only points, coupon and reward rewards can be granted")
        if rule.reward.reward_id is not None:
            _check_grantable_reward(app_id, f"rules.{index}.reward.reward_id", rule.reward.reward_id)
        coupon_id = rule.reward.coupon_id
        if rule.reward.type == "coupon" and coupon_id is not None and coupons.get_definition(app_id, coupon_id) is None:
            raise ValidationFailed(f"rules.{index}.reward.coupon_id: no coupon {coupon_id} in this application")
    event_names = list(dict.fromkeys(a.event_name for rule in draft.rules for a in rule.actions))
    if campaigns.rule_entry_count(draft) > MAX_RULE_ENTRIES:
        raise ValidationFailed(f"rules: at most {MAX_RULE_ENTRIES} (rule, event name) pairs per campaign")
    if draft.status == "active":
        _check_active_rules(app_id, draft)
    event_ids = campaigns.ensure_event_ids(app_id, event_names, {n: new_id("even") for n in event_names})
    return campaigns.create(app_id, with_ids(draft, event_ids, clock.now_iso()))


def with_ids(draft: CampaignSpec, event_ids: Mapping[str, str], created_at: str) -> CampaignSpec:
    """The draft with new campaign and rule ids, its actions' event ids (``event_ids``, by event name)
    and its creation time."""
    rules = tuple(
        replace(
            rule,
            rule_id=new_id("valr"),
            actions=tuple(replace(action, event_id=event_ids[action.event_name]) for action in rule.actions),
        )
        for rule in draft.rules
    )
    return replace(draft, campaign_id=new_id("camp"), rules=rules, created_at=created_at, updated_at=created_at)


def _check_grantable_reward(app_id: str, field: str, reward_id: str) -> None:
    """A rule may grant a catalog reward of this application that gives something without points."""
    found = rewards.get(app_id, reward_id)
    if found is None:
        raise ValidationFailed(f"{field}: there is no reward {reward_id} in this application")
    if found.reward_type == "COIN":
        raise ValidationFailed(f"{field}: a COIN reward turns points into value; it cannot be granted")


def get_campaign(app_id: str, campaign_id: str) -> CampaignSpec:
    campaign = campaigns.get(app_id, campaign_id)
    if campaign is None:
        raise CampaignNotFound(campaign_id)
    return campaign


def list_campaigns(app_id: str, limit: int, cursor: str | None) -> tuple[list[CampaignSpec], str | None]:
    return campaigns.page(app_id, limit, cursor)


def update_campaign(app_id: str, campaign_id: str, changes: CampaignChanges, action: str = "updated") -> CampaignSpec:
    """``action``: what the audit log calls the change."""
    before = get_campaign(app_id, campaign_id)
    given = changes.given
    if before.status == "archived" and changes.status not in (None, "archived"):
        raise Conflict("Campaign archived", "status: an archived campaign cannot be changed back")
    if "campaign_name" in given and changes.campaign_name is None:
        raise ValidationFailed("campaign_name: cannot be removed")
    if "status" in given and changes.status is None:
        raise ValidationFailed("status: cannot be removed")
    after = replace(
        before,
        campaign_name=changes.campaign_name or before.campaign_name,
        status=changes.status or before.status,
        starts_at=changes.starts_at if "starts_at" in given else before.starts_at,
        ends_at=changes.ends_at if "ends_at" in given else before.ends_at,
        updated_at=clock.now_iso(),
    )
    if after.starts_at is not None and after.ends_at is not None and after.ends_at <= after.starts_at:
        raise ValidationFailed("ends_at: must be after starts_at")
    if after == replace(before, updated_at=after.updated_at):
        return before
    if after.status == "active" and before.status != "active":
        _check_active_rules(app_id, after)
    try:
        campaigns.update(app_id, before, after, action)
    except CampaignChanged as error:
        raise Conflict("Campaign changed", "the campaign was changed by another request; retry") from error
    return after


def _check_active_rules(app_id: str, campaign: CampaignSpec) -> None:
    """A campaign becoming active keeps every event name within ``MAX_ACTIVE_RULES_PER_EVENT_NAME``."""
    for event_name, adding in campaigns.rules_per_event_name(campaign).items():
        active = campaigns.active_rule_count(app_id, event_name)
        if active + adding > MAX_ACTIVE_RULES_PER_EVENT_NAME:
            raise ValidationFailed(
                f"rules: event {event_name} already has {active} rules in active campaigns; at most "
                f"{MAX_ACTIVE_RULES_PER_EVENT_NAME} per event name (pause or archive campaigns first)"
            )


def archive_campaign(app_id: str, campaign_id: str) -> CampaignSpec:
    return update_campaign(app_id, campaign_id, CampaignChanges(frozenset({"status"}), status="archived"), "archived")
