"""The reward progress response, exactly in seed 000's fields (AWT fields only where the seed has them)."""

from typing import Any, Literal

from pydantic import Field
from pydantic.json_schema import SkipJsonSchema

from shared.api.schemas.common import ResponseModel
from shared.domain.progress import CampaignProgressView


# The AWT fields appear only on AWT actions, as in the seed: absent (never null) elsewhere, so the schema
# types them as plain values that a client may not find.
def _absent(value: object) -> bool:
    return value is None


def _drop_default(schema: dict[str, Any]) -> None:
    schema.pop("default", None)


def _awt_only(description: str) -> Any:
    return Field(
        default=None, exclude_if=_absent, description=f"AWT only: {description}", json_schema_extra=_drop_default
    )


class ActionProgress(ResponseModel):
    event_id: str
    event_name: str
    progress: int = Field(description="Percent of current/target, capped at 100")
    trigger: bool
    status: Literal["active", "completed"]
    current: int | float
    target: int | float
    start_time: int | SkipJsonSchema[None] = _awt_only("epoch seconds when the window opened")
    end_time: int | SkipJsonSchema[None] = _awt_only("epoch seconds when the window closes")
    time_duration: int | SkipJsonSchema[None] = _awt_only("the window's length in seconds")
    time_left: int | SkipJsonSchema[None] = _awt_only("max(0, end_time - now); 0 with trigger false: time ran out")
    expired: bool | SkipJsonSchema[None] = _awt_only("true once the window closed without completion")


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
