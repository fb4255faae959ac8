"""template.yaml's operations invariants: every function (including ones added later) is watched,
logged, encrypted and accounted for by the scanner; the API logs every request as JSON and throttles
each application by its usage plan; nothing asynchronous fails silently."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest

from tests.unit.test_template import API, DOCUMENT, FUNCTION_IDS, FUNCTIONS, GLOBALS, RESOURCES, _api_methods

ALARMS = {name: r["Properties"] for name, r in RESOURCES.items() if r["Type"] == "AWS::CloudWatch::Alarm"}
NOTIFIES_TOPIC = {"Fn::If": ["HasAlarmTopic", [{"Ref": "AlarmTopicArn"}], {"Ref": "AWS::NoValue"}]}
# Scanner findings every function carries, with the reason in its Metadata (README "Operations").
FUNCTION_SKIPS = {"CKV_AWS_117", "CKV_AWS_173", "CKV_AWS_116"}


def _metric_dimensions(alarm: dict[str, Any]) -> list[tuple[str, str, Any]]:
    """(namespace, metric, FunctionName dimension value) of every metric an alarm reads."""
    found = []
    for query in alarm.get("Metrics", []):
        metric = query.get("MetricStat", {}).get("Metric")
        if metric:
            dimensions = {d["Name"]: d["Value"] for d in metric.get("Dimensions", [])}
            found.append((metric["Namespace"], metric["MetricName"], dimensions.get("FunctionName")))
    return found


@pytest.mark.parametrize("function_id", FUNCTION_IDS)
def test_every_function_has_an_alarm_on_its_errors_and_throttles(function_id: str) -> None:
    wanted = [("AWS/Lambda", "Errors", {"Ref": function_id}), ("AWS/Lambda", "Throttles", {"Ref": function_id})]
    watched = [name for name, alarm in ALARMS.items() if all(m in _metric_dimensions(alarm) for m in wanted)]
    assert watched, (
        f"{function_id} has no alarm on its Errors and Throttles: copy a <Name>FailuresAlarm of template.yaml"
        " (`# --- operations ---`) for it"
    )


@pytest.mark.parametrize("function_id", FUNCTION_IDS)
def test_every_function_log_group_is_encrypted_with_the_stacks_key(function_id: str) -> None:
    group = next(
        r["Properties"]
        for r in RESOURCES.values()
        if r["Type"] == "AWS::Logs::LogGroup"
        and r["Properties"].get("LogGroupName") == {"Fn::Sub": f"/aws/lambda/${{{function_id}}}"}
    )
    assert group.get("KmsKeyId") == {"Fn::GetAtt": ["LogsKey", "Arn"]}, f"{function_id}: add KmsKeyId to its log group"


@pytest.mark.parametrize("function_id", FUNCTION_IDS)
def test_every_scanner_finding_of_a_function_is_skipped_with_a_reason(function_id: str) -> None:
    skips = FUNCTIONS[function_id].get("Metadata", {}).get("checkov", {}).get("skip", [])
    reasons = {skip["id"]: skip.get("comment", "") for skip in skips}
    expected = set(FUNCTION_SKIPS)
    if "ReservedConcurrentExecutions" not in FUNCTIONS[function_id]["Properties"]:
        expected.add("CKV_AWS_115")
    missing = expected - set(reasons)
    assert not missing, f"{function_id}: copy the checkov Metadata of another function for {sorted(missing)}"
    for check, reason in reasons.items():
        assert len(reason) > 40, f"{function_id}: {check} needs a specific reason, not {reason!r}"


def test_every_alarm_notifies_the_optional_topic_both_ways() -> None:
    assert DOCUMENT["Parameters"]["AlarmTopicArn"]["Default"] == ""
    for name, alarm in ALARMS.items():
        assert alarm["AlarmActions"] == NOTIFIES_TOPIC, name
        assert alarm["OKActions"] == NOTIFIES_TOPIC, name
        assert alarm["AlarmDescription"], name


def test_the_api_table_and_window_closer_are_watched() -> None:
    def reads(alarm: dict[str, Any]) -> str:
        return json.dumps(alarm)

    texts = {name: reads(alarm) for name, alarm in ALARMS.items()}
    assert any("5XXError" in t and "Count" in t for t in texts.values()), "an alarm on the API's 5xx rate"
    assert any("ThrottledRequests" in t for t in texts.values()), "an alarm on DynamoDB throttling"
    assert any("SystemErrors" in t for t in texts.values()), "an alarm on DynamoDB system errors"
    assert any("WindowBacklogLeft" in t for t in texts.values()), "an alarm on the window closer's backlog"
    for queue in ("ScheduleDeadLetterQueue", "AsyncFailuresQueue"):
        assert any(queue in t and "ApproximateNumberOfMessagesVisible" in t for t in texts.values()), queue


def test_the_5xx_alarm_names_the_api_and_stage_the_template_deploys() -> None:
    assert API["Properties"]["Name"] == {"Fn::Sub": "${AWS::StackName}-api"}
    dimensions = [
        {d["Name"]: d["Value"] for d in q["MetricStat"]["Metric"]["Dimensions"]}
        for q in ALARMS["ApiServerErrorRateAlarm"]["Metrics"]
        if "MetricStat" in q
    ]
    assert dimensions
    for found in dimensions:
        assert found == {"ApiName": {"Fn::Sub": "${AWS::StackName}-api"}, "Stage": {"Ref": "StageName"}}


def test_the_dashboard_body_is_json_with_the_key_graphs() -> None:
    body = RESOURCES["Dashboard"]["Properties"]["DashboardBody"]["Fn::Sub"]
    dashboard = json.loads(re.sub(r"\$\{[^}]+\}", "x", body))
    titles = " | ".join(w["properties"]["title"] for w in dashboard["widgets"])
    for graph in ("API requests", "latency", "errors", "throttles", "Table", "Window closer", "Failure queues"):
        assert graph in titles, graph


# ------------------------------------------------------------------------------------ access log


def test_the_api_writes_a_json_access_log_line_per_request() -> None:
    setting = API["Properties"]["AccessLogSetting"]
    assert setting["DestinationArn"] == {"Fn::GetAtt": ["ApiAccessLogGroup", "Arn"]}
    line = json.loads(re.sub(r"\$context\.[\w.]+", "value", setting["Format"]))
    variables = dict(re.findall(r'"(\w+)":"(\$context\.[\w.]+)"', setting["Format"]))
    assert variables["requestId"] == "$context.requestId"
    assert variables["appId"] == "$context.authorizer.app_id"
    assert variables["route"] == "$context.resourcePath"
    assert variables["status"] == "$context.status"
    assert variables["latencyMs"] == "$context.responseLatency"
    assert variables["integrationLatencyMs"] == "$context.integrationLatency"
    assert set(line) == set(variables)
    group = RESOURCES["ApiAccessLogGroup"]["Properties"]
    assert group["RetentionInDays"] == {"Ref": "LogRetentionInDays"}
    assert group["KmsKeyId"] == {"Fn::GetAtt": ["LogsKey", "Arn"]}


# ------------------------------------------------------------------------------------ rate limits


def test_each_application_is_throttled_by_its_usage_plan() -> None:
    props = API["Properties"]
    assert props["ApiKeySourceType"] == "AUTHORIZER", "the authorizer's usageIdentifierKey selects the plan"
    assert props["Auth"]["ApiKeyRequired"] is True
    plan = RESOURCES["DefaultUsagePlan"]["Properties"]
    assert plan["ApiStages"] == [{"ApiId": {"Ref": "Api"}, "Stage": {"Ref": "Api.Stage"}}]
    assert plan["Throttle"] == {"RateLimit": {"Ref": "DefaultRateLimit"}, "BurstLimit": {"Ref": "DefaultBurstLimit"}}
    stage_limit = props["MethodSettings"][0]
    parameters = DOCUMENT["Parameters"]
    assert parameters["DefaultRateLimit"]["Default"] < stage_limit["ThrottlingRateLimit"], (
        "one application's default rate must leave room for the others under the stage's limit"
    )
    assert parameters["DefaultBurstLimit"]["Default"] < stage_limit["ThrottlingBurstLimit"]


def test_throttled_answers_are_the_engines_429_with_retry_after() -> None:
    throttled = API["Properties"]["GatewayResponses"]["THROTTLED"]
    assert throttled["StatusCode"] == "429"
    assert throttled["ResponseParameters"]["Headers"]["Retry-After"] == "'1'"
    assert '"key": "rate_limited"' in throttled["ResponseTemplates"]["application/json"]


# ------------------------------------------------------------------------------ failure handling


def test_asynchronous_failures_have_a_destination_for_every_function() -> None:
    config = GLOBALS["EventInvokeConfig"]
    assert config["DestinationConfig"]["OnFailure"] == {
        "Type": "SQS",
        "Destination": {"Fn::GetAtt": ["AsyncFailuresQueue", "Arn"]},
    }
    for function_id, function in FUNCTIONS.items():
        assert "EventInvokeConfig" not in function["Properties"], f"{function_id} overrides the failure destination"


@pytest.mark.parametrize("function_id", [f for f in FUNCTION_IDS if not _api_methods(f)])
def test_scheduled_rules_retry_then_dead_letter(function_id: str) -> None:
    for event in FUNCTIONS[function_id]["Properties"].get("Events", {}).values():
        if event["Type"] == "Schedule":
            props = event["Properties"]
            assert props["RetryPolicy"]["MaximumRetryAttempts"] >= 1
            assert props["DeadLetterConfig"] == {"Arn": {"Fn::GetAtt": ["ScheduleDeadLetterQueue", "Arn"]}}
            reserved = FUNCTIONS[function_id]["Properties"].get("ReservedConcurrentExecutions")
            assert isinstance(reserved, int)
            assert 1 <= reserved <= 5, "a runaway schedule must not starve the API"


def test_snapstart_is_a_parameter_applied_to_every_function_through_its_alias() -> None:
    assert DOCUMENT["Parameters"]["SnapStart"]["AllowedValues"] == ["None", "PublishedVersions"]
    assert DOCUMENT["Parameters"]["SnapStart"]["Default"] == "None"
    assert GLOBALS["SnapStart"] == {"ApplyOn": {"Ref": "SnapStart"}}
    assert GLOBALS["AutoPublishAlias"] == "live", "SnapStart restores published versions only"
    for function_id, function in FUNCTIONS.items():
        assert "SnapStart" not in function["Properties"], function_id
