"""The reward progress response, exactly in seed 000's fields (AWT fields only where the seed has them)."""

from typing import Any, Literal

from pydantic import model_serializer

from shared.domain.progress import CampaignProgressView
from shared.models.common import ResponseModel

_AWT_FIELDS = ("start_time", "end_time", "time_duration", "time_left", "expired")


class ActionProgress(ResponseModel):
    event_id: str
    event_name: str
    progress: int
    trigger: bool
    status: Literal["active", "completed"]
    current: int | float
    target: int | float
    start_time: int | None = None
    end_time: int | None = None
    time_duration: int | None = None
    time_left: int | None = None
    expired: bool | None = None

    @model_serializer(mode="wrap")
    def _omit_absent_awt_fields(self, handler: Any) -> dict[str, Any]:
        data: dict[str, Any] = handler(self)
        return {k: v for k, v in data.items() if not (k in _AWT_FIELDS and v is None)}


class RuleProgressOut(ResponseModel):
    rule_id: str
    rule_name: str
    action_type: Literal["RTA", "AWT"]
    actions: list[ActionProgress]


class CampaignProgress(ResponseModel):
    campaign_id: str
    campaign_name: str
    campaign_type: Literal["loyalty", "referral"]
    rules: list[RuleProgressOut]

    @classmethod
    def from_view(cls, view: CampaignProgressView) -> "CampaignProgress":
        return cls(
            campaign_id=view.campaign.campaign_id,
            campaign_name=view.campaign.campaign_name,
            campaign_type=view.campaign.campaign_type,
            rules=[
                RuleProgressOut(
                    rule_id=r.rule.rule_id,
                    rule_name=r.rule.rule_name,
                    action_type=r.rule.action_type,
                    actions=[ActionProgress.model_validate(a) for a in r.actions],
                )
                for r in view.rules
            ],
        )
