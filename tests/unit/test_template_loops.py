"""``Fn::ForEach`` expansion (rewards_cli/template.py), as the AWS::LanguageExtensions transform does it:
the local runner, the bench and the template tests read the template through it."""

from __future__ import annotations

import json

import pytest

from rewards_cli.template import LOOP_PREFIX, expand_loops, parse, read_document


def test_a_loop_writes_its_fragment_once_per_item_in_place() -> None:
    written = {
        "First": {"Type": "A"},
        "Fn::ForEach::Alarms": [
            "Name",
            ["Orders", "Refunds"],
            {
                "${Name}Alarm": {
                    "Type": "B",
                    "Properties": {
                        "Description": {"Fn::Sub": "${${Name}Function} failed"},
                        "Target": {"Ref": "Name"},
                        "Other": {"Ref": "NameOfSomethingElse"},
                        "Periods": [60, {"Ref": "Name"}],
                    },
                }
            },
        ],
        "Last": {"Type": "C"},
    }
    assert expand_loops(written) == {
        "First": {"Type": "A"},
        "OrdersAlarm": {
            "Type": "B",
            "Properties": {
                "Description": {"Fn::Sub": "${OrdersFunction} failed"},
                "Target": "Orders",
                "Other": {"Ref": "NameOfSomethingElse"},
                "Periods": [60, "Orders"],
            },
        },
        "RefundsAlarm": {
            "Type": "B",
            "Properties": {
                "Description": {"Fn::Sub": "${RefundsFunction} failed"},
                "Target": "Refunds",
                "Other": {"Ref": "NameOfSomethingElse"},
                "Periods": [60, "Refunds"],
            },
        },
        "Last": {"Type": "C"},
    }
    assert list(expand_loops(written)) == ["First", "OrdersAlarm", "RefundsAlarm", "Last"]


def test_the_ampersand_form_drops_what_a_logical_id_cannot_hold() -> None:
    written = {"Fn::ForEach::Hosts": ["Host", ["10.0.0.1"], {"Rule&{Host}": {"Cidr": "${Host}/32"}}]}
    assert expand_loops(written) == {"Rule10001": {"Cidr": "10.0.0.1/32"}}


def test_nested_loops_expand_with_both_identifiers() -> None:
    written = {
        "Fn::ForEach::Outer": [
            "Kind",
            ["Errors", "Throttles"],
            {"Fn::ForEach::Inner": ["Name", ["Orders", "Refunds"], {"${Name}${Kind}": {"Metric": "${Kind}"}}]},
        ]
    }
    assert expand_loops(written) == {
        "OrdersErrors": {"Metric": "Errors"},
        "RefundsErrors": {"Metric": "Errors"},
        "OrdersThrottles": {"Metric": "Throttles"},
        "RefundsThrottles": {"Metric": "Throttles"},
    }


def test_a_loop_may_not_overwrite_what_the_template_has() -> None:
    written = {"OrdersAlarm": {}, "Fn::ForEach::Alarms": ["Name", ["Orders"], {"${Name}Alarm": {}}]}
    with pytest.raises(ValueError, match="OrdersAlarm"):
        expand_loops(written)
    with pytest.raises(ValueError, match="twice"):
        expand_loops({"Fn::ForEach::Alarms": ["Name", ["Orders", "Orders"], {"${Name}Alarm": {}}]})


def test_only_a_literal_list_is_expanded() -> None:
    written = {"Fn::ForEach::Alarms": ["Name", {"Ref": "FunctionNames"}, {"${Name}Alarm": {}}]}
    with pytest.raises(ValueError, match="literal list"):
        expand_loops(written)


def test_the_template_reads_without_a_loop_left() -> None:
    assert any(key.startswith(LOOP_PREFIX) for key in parse()["Resources"]), "template.yaml has its alarm loop"
    text = json.dumps(read_document())
    assert LOOP_PREFIX not in text
    assert "${Name}" not in text
    assert '"Ref": "Name"' not in text
