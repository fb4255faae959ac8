"""The reward progress view (seed 000): campaigns' rules for one customer, 0% rules included, a page of
campaigns at a time: one query for the customer's profile and progress (adjacent sort keys of one
partition); the campaigns are the application's recent definitions (``campaigns.recent``)."""

from __future__ import annotations

from shared import clock
from shared.domain.rules import ActionView, view
from shared.entities.campaigns import CampaignSpec, RuleSpec
from shared.errors import CustomerNotFound, SourceIdMissing
from shared.storage import campaigns, progress
from shared.values import value_class


@value_class
class RuleProgressView:
    rule: RuleSpec
    actions: list[ActionView]


@value_class
class CampaignProgressView:
    campaign: CampaignSpec
    rules: list[RuleProgressView]


def reward_progress(
    app_id: str,
    source_id: str | None,
    campaign_id: str | None,
    campaign_type: str | None,
    limit: int,
    cursor: str | None,
) -> tuple[list[CampaignProgressView], str | None]:
    """A page of the campaigns that are not archived (of ``campaign_type``; only ``campaign_id``), in id
    order, with this customer's progress; the page is filled from further reads, as a filtered list is."""
    if not source_id:
        raise SourceIdMissing
    profile, by_rule = progress.customer_view(app_id, source_id)
    if profile is None:
        raise CustomerNotFound(source_id)
    now = clock.now_epoch()

    def progress_of(campaign: CampaignSpec) -> CampaignProgressView:
        rules = [
            RuleProgressView(rule, view(rule, by_rule.get((campaign.campaign_id, rule.rule_id)), now))
            for rule in campaign.rules
        ]
        return CampaignProgressView(campaign, rules)

    def wanted(campaign: CampaignSpec) -> bool:
        return campaign.status != "archived" and campaign_type in (None, campaign.campaign_type)

    definitions = campaigns.recent(app_id)
    if campaign_id is not None:
        one = definitions.get(campaign_id) if not cursor else None
        return ([progress_of(one)] if one is not None and wanted(one) else []), None
    shown: list[CampaignProgressView] = []
    while True:
        found, next_cursor = definitions.page(limit, cursor)
        for campaign in filter(wanted, found):
            if len(shown) == limit:  # one more to show: the page is full and has more
                return shown, campaigns.cursor_after(shown[-1].campaign.campaign_id)
            shown.append(progress_of(campaign))
        if next_cursor is None:
            return shown, None
        cursor = next_cursor
