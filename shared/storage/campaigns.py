"""Campaigns, their event definitions and the per-event-name copies of their rules; and the definitions
as progress reads and events read them, cached per container (``recent``)."""

from __future__ import annotations

import bisect
from collections.abc import Mapping
from dataclasses import asdict, replace
from typing import Any

from shared.entities.campaigns import ActionSpec, CampaignSpec, EventCondition, RewardSpec, RuleSpec
from shared.entities.numbers import exact
from shared.storage import audit, dynamodb, keys, pagination
from shared.storage.dynamodb import Expression, Item, Put, TransactionCancelled, Update
from shared.storage.versioned_cache import VersionedCache
from shared.values import value_class

_NEW = Expression("attribute_not_exists(PK)")
# Summary fields copied onto every rule entry, so ingestion knows whether the campaign accepts an event.
_CAMPAIGN_FIELDS = ("campaign_id", "campaign_name", "campaign_type", "status", "starts_at", "ends_at")
CAMPAIGN_SK_PREFIX = "camp_"


class CampaignChanged(Exception):
    """Another writer changed the campaign between read and write."""


def _rule_to_map(rule: RuleSpec) -> dict[str, Any]:
    return asdict(rule)


def _rule_from_map(data: dict[str, Any]) -> RuleSpec:
    return RuleSpec(
        rule_id=data["rule_id"],
        rule_name=data["rule_name"],
        action_type=data["action_type"],
        actions=tuple(
            ActionSpec(
                event_id=a["event_id"],
                event_name=a["event_name"],
                target=exact(a["target"]),
                measure=a.get("measure", "count"),
                property=a.get("property"),
                conditions=tuple(EventCondition(**c) for c in a.get("conditions") or ()),
            )
            for a in data["actions"]
        ),
        reward=RewardSpec(**{k: v for k, v in data["reward"].items() if v is not None}),
        time_duration=data.get("time_duration"),
        beneficiary=data.get("beneficiary"),
    )


def _summary(campaign: CampaignSpec) -> dict[str, Any]:
    return {name: getattr(campaign, name) for name in _CAMPAIGN_FIELDS}


def _to_item(app_id: str, campaign: CampaignSpec) -> Item:
    return {
        **keys.campaign(app_id, campaign.campaign_id),
        "type": "campaign",
        **_summary(campaign),
        "rules": [_rule_to_map(rule) for rule in campaign.rules],
        "created_at": campaign.created_at,
        "updated_at": campaign.updated_at,
    }


def _from_item(item: Item, rules: tuple[RuleSpec, ...] | None = None) -> CampaignSpec:
    return CampaignSpec(
        campaign_id=item["campaign_id"],
        campaign_name=item["campaign_name"],
        campaign_type=item["campaign_type"],
        status=item["status"],
        starts_at=item.get("starts_at"),
        ends_at=item.get("ends_at"),
        rules=rules if rules is not None else tuple(_rule_from_map(r) for r in item["rules"]),
        created_at=item.get("created_at", ""),
        updated_at=item.get("updated_at", ""),
    )


def _rule_entries(campaign: CampaignSpec) -> list[tuple[str, RuleSpec]]:
    """(event name, rule) for every distinct event name a rule has an action on."""
    return [
        (event_name, rule)
        for rule in campaign.rules
        for event_name in dict.fromkeys(action.event_name for action in rule.actions)
    ]


def rule_entry_count(campaign: CampaignSpec) -> int:
    return len(_rule_entries(campaign))


def ensure_event_ids(app_id: str, event_names: list[str], new_ids: dict[str, str]) -> dict[str, str]:
    """The stable even_ id of each event name, creating the ones that do not exist yet."""
    found: dict[str, str] = {}
    for name in event_names:
        item = dynamodb.update_item(
            keys.event_definition(app_id, name),
            Expression(
                "SET #type = :type, event_name = :name, event_id = if_not_exists(event_id, :new_id)",
                {"#type": "type"},
                {":type": "event_definition", ":name": name, ":new_id": new_ids[name]},
            ),
        )
        found[name] = item["event_id"]
    return found


def create(app_id: str, campaign: CampaignSpec) -> CampaignSpec:
    """Writes the campaign and its rule entries; answers it as a read will."""
    item = _to_item(app_id, campaign)
    actions: list[Put | Update] = [
        Put(item, condition=_NEW),
        _version_moved(app_id),
        audit.entry(app_id, "campaign", campaign.campaign_id, "created", after=item),
    ]
    for event_name, rule in _rule_entries(campaign):
        actions.append(
            Put(
                {
                    **keys.rule_entry(app_id, event_name, campaign.campaign_id, rule.rule_id),
                    "type": "rule_entry",
                    **_summary(campaign),
                    "rule": _rule_to_map(rule),
                }
            )
        )
    _write_definitions(app_id, actions)
    return _from_item(dynamodb.as_read(item))


def get(app_id: str, campaign_id: str) -> CampaignSpec | None:
    item = dynamodb.get_item(keys.campaign(app_id, campaign_id))
    return _from_item(item) if item else None


def page(app_id: str, limit: int, cursor: str | None) -> tuple[list[CampaignSpec], str | None]:
    items, next_cursor = pagination.page(keys.campaigns_partition(app_id), CAMPAIGN_SK_PREFIX, limit, cursor)
    return [_from_item(item) for item in items], next_cursor


def cursor_after(campaign_id: str) -> str:
    """The cursor of a page that ends at ``campaign_id`` (a campaign's sort key is its id: ``keys.campaign``)."""
    return pagination.cursor_for(campaign_id)


def active_rule_count(app_id: str, event_name: str) -> int:
    """How many rules of active campaigns have an action on ``event_name`` (each rule's copy under the
    event name carries its campaign's status): the copies read, one query per MB (about 1,500 rules), only
    their count sent back."""
    return dynamodb.count(
        Expression(
            "PK = :pk AND begins_with(SK, :prefix)",
            values={":pk": keys.event_partition(app_id, event_name), ":prefix": keys.RULE_SK_PREFIX},
        ),
        filter_expression=Expression("#status = :active", {"#status": "status"}, {":active": "active"}),
    )


def rules_per_event_name(campaign: CampaignSpec) -> dict[str, int]:
    counts: dict[str, int] = {}
    for event_name, _ in _rule_entries(campaign):
        counts[event_name] = counts.get(event_name, 0) + 1
    return counts


def update(app_id: str, before: CampaignSpec, after: CampaignSpec, action: str = "updated") -> None:
    """Name, status and dates, on the campaign and on every copy of its rules, and the change's audit entry
    (``action``), all or nothing; ``before.updated_at`` guards against a concurrent change."""
    changes = {name: getattr(after, name) for name in ("campaign_name", "status", "starts_at", "ends_at")}
    names = {f"#{name}": name for name in changes}
    values = {f":{name}": value for name, value in changes.items() if value is not None}
    set_parts = [f"#{name} = :{name}" for name, value in changes.items() if value is not None]
    remove = [f"#{name}" for name, value in changes.items() if value is None]

    def expression(extra_set: list[str], extra_values: dict[str, Any]) -> Expression:
        text = "SET " + ", ".join(extra_set + set_parts) + (" REMOVE " + ", ".join(remove) if remove else "")
        return Expression(text, names, {**values, **extra_values})

    actions: list[Put | Update] = [
        Update(
            keys.campaign(app_id, before.campaign_id),
            expression(["updated_at = :updated_at"], {":updated_at": after.updated_at}),
            condition=Expression("updated_at = :before", values={":before": before.updated_at}),
        ),
        _version_moved(app_id),
        audit.entry(app_id, "campaign", before.campaign_id, action, _to_item(app_id, before), _to_item(app_id, after)),
    ]
    entry_update = expression([], {})
    actions.extend(
        Update(
            keys.rule_entry(app_id, event_name, before.campaign_id, rule.rule_id),
            entry_update,
            condition=Expression("attribute_exists(PK)"),
        )
        for event_name, rule in _rule_entries(before)
    )
    try:
        _write_definitions(app_id, actions)
    except TransactionCancelled as error:
        raise CampaignChanged from error


def _version_moved(app_id: str) -> Update:
    return Update(
        keys.campaigns_version(app_id),
        Expression("SET #type = :type ADD version :one", {"#type": "type"}, {":type": "campaigns_version", ":one": 1}),
    )


def _write_definitions(app_id: str, actions: list[Put | Update]) -> None:
    """One transaction changing campaigns (with ``_version_moved``); this container's cache forgets the
    application's definitions whatever the outcome (an error may follow a write that was made)."""
    try:
        dynamodb.transact_write(actions)
    finally:
        DEFINITIONS_CACHE.forget(app_id)


# ------------------------------------------------------------------------------------------ recent


@value_class
class Definitions:
    """An application's campaigns (every status, in id order) and, per event name, the rules with an action
    on it, each with its campaign (as its copy under the event name holds it)."""

    campaigns: tuple[CampaignSpec, ...]
    ids: tuple[str, ...]  # of ``campaigns``, for bisecting
    by_event_name: Mapping[str, tuple[tuple[CampaignSpec, RuleSpec], ...]]

    @classmethod
    def of(cls, campaigns: list[CampaignSpec]) -> Definitions:
        entries: dict[str, list[tuple[str, tuple[CampaignSpec, RuleSpec]]]] = {}
        for campaign in campaigns:
            for event_name, rule in _rule_entries(campaign):
                # the order of the copies' sort keys (keys.rule_entry), which the event's answer keeps
                sort_key = f"{campaign.campaign_id}#{rule.rule_id}"
                entries.setdefault(event_name, []).append((sort_key, (replace(campaign, rules=(rule,)), rule)))
        by_event_name = {name: tuple(pair for _, pair in sorted(found)) for name, found in entries.items()}
        ordered = tuple(sorted(campaigns, key=lambda c: c.campaign_id))
        return cls(ordered, tuple(c.campaign_id for c in ordered), by_event_name)

    def get(self, campaign_id: str) -> CampaignSpec | None:
        at = bisect.bisect_left(self.ids, campaign_id)
        found = self.campaigns[at] if at < len(self.campaigns) else None
        return found if found is not None and found.campaign_id == campaign_id else None

    def page(self, limit: int, cursor: str | None) -> tuple[list[CampaignSpec], str | None]:
        """As ``page`` answers: ``limit`` campaigns after ``cursor``, and the cursor of the next page if any."""
        start = bisect.bisect_right(self.ids, pagination.sort_key_of(cursor, CAMPAIGN_SK_PREFIX)) if cursor else 0
        found = list(self.campaigns[start : start + limit])
        more = start + limit < len(self.campaigns)
        return found, (cursor_after(found[-1].campaign_id) if more else None)

    def rules_for_event(self, event_name: str) -> list[tuple[CampaignSpec, RuleSpec]]:
        return list(self.by_event_name.get(event_name, ()))


DEFINITIONS_CACHE: VersionedCache[Definitions] = VersionedCache()


def recent(app_id: str) -> Definitions:
    """The application's definitions as they were at most ``STALENESS_SECONDS`` ago (shared/storage/
    versioned_cache.py; at once after a change this container made): usually no read at all; one read of
    the version item when the container's copy is that old; every campaign again (one query per MB) only
    after a change."""
    return DEFINITIONS_CACHE.get(app_id, lambda: _version(app_id), lambda: _every_campaign(app_id))


def _version(app_id: str) -> int:
    found = dynamodb.get_item(keys.campaigns_version(app_id))
    return int(found["version"]) if found else 0


def _every_campaign(app_id: str) -> Definitions:
    """Strongly consistent, after the version was read: never older than the version it is cached with."""
    found: list[CampaignSpec] = []
    start: Item | None = None
    while True:
        result = dynamodb.query(
            Expression(
                "PK = :pk AND begins_with(SK, :prefix)",
                values={":pk": keys.campaigns_partition(app_id), ":prefix": CAMPAIGN_SK_PREFIX},
            ),
            consistent=True,
            start_key=start,
        )
        found.extend(_from_item(item) for item in result.items)
        if result.last_key is None:
            return Definitions.of(found)
        start = result.last_key
