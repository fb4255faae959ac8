"""The reward progress view (seed 000): every campaign's rules for one customer, 0% rules included,
in two round trips whatever the number of campaigns: one query for the application's campaigns and
one for the customer's profile and progress (adjacent sort keys of one partition)."""

from __future__ import annotations

from dataclasses import dataclass

from shared import clock
from shared.domain.rules import ActionView, CampaignSpec, RuleSpec, view
from shared.errors import CustomerNotFound
from shared.storage import campaigns, progress


@dataclass(frozen=True, slots=True)
class RuleProgressView:
    rule: RuleSpec
    actions: list[ActionView]


@dataclass(frozen=True, slots=True)
class CampaignProgressView:
    campaign: CampaignSpec
    rules: list[RuleProgressView]


def reward_progress(
    app_id: str, source_id: str | None, campaign_id: str | None = None, campaign_type: str | None = None
) -> list[CampaignProgressView]:
    if not source_id:
        raise CustomerNotFound("")
    profile, by_rule = progress.customer_view(app_id, source_id)
    if profile is None:
        raise CustomerNotFound(source_id)
    now = clock.now_epoch()
    return [
        CampaignProgressView(
            campaign,
            [
                RuleProgressView(rule, view(rule, by_rule.get((campaign.campaign_id, rule.rule_id)), now))
                for rule in campaign.rules
            ],
        )
        for campaign in campaigns.all_campaigns(app_id)
        if campaign.status != "archived"
        and (campaign_id is None or campaign.campaign_id == campaign_id)
        and (campaign_type is None or campaign.campaign_type == campaign_type)
    ]
