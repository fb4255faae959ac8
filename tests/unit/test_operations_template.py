"""template.yaml's operations invariants: every function (including ones added later) is watched,
logged, encrypted and accounted for by the scanner; the API logs every request as JSON and throttles
each application by its usage plan; nothing asynchronous fails silently.

The per-function rules are checked on the template as deployed (its loops expanded), each by a function
of the document that names the functions breaking it, so that each rule is also shown to catch a break."""

from __future__ import annotations

import copy
import json
import re
from typing import Any

import pytest
import yaml

from rewards_cli.template import PROJECT_ROOT, expand_loops, parse
from tests.unit.test_template import API, DOCUMENT, FUNCTION_IDS, FUNCTIONS, GLOBALS, RESOURCES, _api_methods

ALARMS = {name: r["Properties"] for name, r in RESOURCES.items() if r["Type"] == "AWS::CloudWatch::Alarm"}
NOTIFIES_TOPIC = {"Fn::If": ["HasAlarmTopic", [{"Ref": "AlarmTopicArn"}], {"Ref": "AWS::NoValue"}]}
ALARM_LOOP = "Fn::ForEach::FunctionFailuresAlarms"
STACK_KEY = {"Fn::GetAtt": ["LogsKey", "Arn"]}
SCANNER_CONFIG = PROJECT_ROOT / ".checkov.yaml"
# Scanner findings every function has, each skipped once in .checkov.yaml with its reason (README "Operations").
FUNCTION_FINDINGS = {"CKV_AWS_117", "CKV_AWS_173", "CKV_AWS_116", "CKV_AWS_115"}


def _functions(document: dict[str, Any]) -> list[str]:
    return [name for name, r in document["Resources"].items() if r["Type"] == "AWS::Serverless::Function"]


def _named_function(value: Any) -> str | None:
    """The function a FunctionName dimension names: ``!Ref F``, or ``!Sub "${F}"`` as the alarm loop writes it."""
    if isinstance(value, dict) and set(value) == {"Ref"}:
        return str(value["Ref"])
    named = re.fullmatch(r"\$\{(\w+)\}", value.get("Fn::Sub", "")) if isinstance(value, dict) else None
    return named[1] if named else None


def _metric_dimensions(alarm: dict[str, Any]) -> list[tuple[str, str, str | None]]:
    """(namespace, metric, function named by the FunctionName dimension) of every metric an alarm reads."""
    found = []
    for query in alarm.get("Metrics", []):
        metric = query.get("MetricStat", {}).get("Metric")
        if metric:
            dimensions = {d["Name"]: d["Value"] for d in metric.get("Dimensions", [])}
            found.append((metric["Namespace"], metric["MetricName"], _named_function(dimensions.get("FunctionName"))))
    return found


def _failures_alarms(document: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Each function's alarm on both its Errors and its Throttles, by function."""
    watched: dict[str, dict[str, Any]] = {}
    for resource in document["Resources"].values():
        if resource["Type"] == "AWS::CloudWatch::Alarm":
            metrics = _metric_dimensions(resource["Properties"])
            for function_id in {function_id for _, _, function_id in metrics}:
                if {("AWS/Lambda", "Errors", function_id), ("AWS/Lambda", "Throttles", function_id)} <= set(metrics):
                    watched[str(function_id)] = resource["Properties"]
    return watched


def functions_without_a_failures_alarm(document: dict[str, Any]) -> list[str]:
    watched = _failures_alarms(document)
    return [function_id for function_id in _functions(document) if function_id not in watched]


def _find_in_map(document: dict[str, Any], value: Any) -> Any:
    """``Fn::FindInMap`` with its language-extensions ``DefaultValue``, as CloudFormation resolves it."""
    if not (isinstance(value, dict) and "Fn::FindInMap" in value):
        return value
    mapping, top, second, *options = value["Fn::FindInMap"]
    found = document.get("Mappings", {}).get(mapping, {}).get(top, {}).get(second)
    return found if found is not None else options[0]["DefaultValue"]


def _cadence_seconds(function: dict[str, Any]) -> int:
    """How often a scheduled function runs (``rate(N minutes)``); 60 for any other function."""
    seconds = 60
    for event in function["Properties"].get("Events", {}).values():
        rate = (
            re.fullmatch(r"rate\((\d+) minutes?\)", event["Properties"].get("Schedule", ""))
            if event["Type"] == "Schedule"
            else None
        )
        if rate:
            seconds = max(seconds, int(rate[1]) * 60)
    return seconds


def failures_alarms_off_their_functions_cadence(document: dict[str, Any]) -> list[str]:
    """Functions whose failures alarm reads periods other than a minute, or their cadence if longer."""
    offenders = []
    for function_id, alarm in _failures_alarms(document).items():
        periods = {_find_in_map(document, q["MetricStat"]["Period"]) for q in alarm["Metrics"] if "MetricStat" in q}
        if periods != {_cadence_seconds(document["Resources"][function_id])}:
            offenders.append(function_id)
    return offenders


def _log_groups_of(document: dict[str, Any], function_id: str) -> list[dict[str, Any]]:
    return [
        r["Properties"]
        for r in document["Resources"].values()
        if r["Type"] == "AWS::Logs::LogGroup"
        and r["Properties"].get("LogGroupName") == {"Fn::Sub": f"/aws/lambda/${{{function_id}}}"}
    ]


def functions_without_one_log_group_with_retention(document: dict[str, Any]) -> list[str]:
    offenders = []
    for function_id in _functions(document):
        groups = _log_groups_of(document, function_id)
        retention = groups[0].get("RetentionInDays") if len(groups) == 1 else None
        if not (retention == {"Ref": "LogRetentionInDays"} or (isinstance(retention, int) and retention > 0)):
            offenders.append(function_id)
    return offenders


def functions_logging_without_the_stacks_key(document: dict[str, Any]) -> list[str]:
    return [
        function_id
        for function_id in _functions(document)
        if any(group.get("KmsKeyId") != STACK_KEY for group in _log_groups_of(document, function_id))
    ]


def scanner_skips(config: str) -> dict[str, str]:
    """The checks .checkov.yaml skips, each with its reason: the comment lines just above it."""
    listed = yaml.safe_load(config).get("skip-check", [])
    reasons: dict[str, str] = {}
    comment: list[str] = []
    for line in config.splitlines():
        stripped = line.strip()
        if stripped.startswith("#"):
            comment.append(stripped.lstrip("# "))
        elif stripped.startswith("- ") and stripped[2:] in listed:
            reasons[stripped[2:]] = " ".join(comment)
            comment = []
        else:
            comment = []
    return reasons


def skips_without_a_reason(document: dict[str, Any], config: str) -> list[str]:
    """Skipped checks (of .checkov.yaml, or of a resource's Metadata) without a specific reason."""
    skips = [(f".checkov.yaml {check}", reason) for check, reason in scanner_skips(config).items()]
    for name, resource in document["Resources"].items():
        for skip in resource.get("Metadata", {}).get("checkov", {}).get("skip", []):
            skips.append((f"{name} {skip['id']}", skip.get("comment", "")))
    return [where for where, reason in skips if len(reason) <= 40]


# ------------------------------------------------------------------------- every function, as a rule


def test_every_function_has_an_alarm_on_its_errors_and_throttles() -> None:
    assert functions_without_a_failures_alarm(DOCUMENT) == [], (
        f"add each function's name (without 'Function') to {ALARM_LOOP} in template.yaml"
    )


def test_every_failures_alarm_reads_periods_of_its_functions_cadence() -> None:
    assert failures_alarms_off_their_functions_cadence(DOCUMENT) == [], (
        "a function that runs less often than each minute needs its cadence in Mappings FailuresAlarmPeriods"
    )


def test_every_function_has_one_log_group_with_retention() -> None:
    assert functions_without_one_log_group_with_retention(DOCUMENT) == [], (
        "add a <Name>LogGroup line after each function (the other functions show it)"
    )


def test_every_function_log_group_is_encrypted_with_the_stacks_key() -> None:
    assert functions_logging_without_the_stacks_key(DOCUMENT) == [], "add KmsKeyId: !GetAtt LogsKey.Arn"


def test_every_scanner_finding_of_a_function_is_skipped_once_with_a_reason() -> None:
    config = SCANNER_CONFIG.read_text()
    missing = FUNCTION_FINDINGS - set(scanner_skips(config))
    assert not missing, f"skip {sorted(missing)} in .checkov.yaml, each with its reason"
    assert skips_without_a_reason(DOCUMENT, config) == []
    for function_id, function in FUNCTIONS.items():
        skips = {skip["id"] for skip in function.get("Metadata", {}).get("checkov", {}).get("skip", [])}
        assert not skips & FUNCTION_FINDINGS, f"{function_id}: .checkov.yaml already skips {skips & FUNCTION_FINDINGS}"


def test_function_environments_hold_references_names_and_flags_only() -> None:
    """The reason .checkov.yaml gives for skipping CKV_AWS_173 for every function; and checkov, which
    cannot merge Globals into the functions of a template with a loop, does not read Globals' variables."""
    environments = {"Globals": GLOBALS["Environment"]["Variables"]} | {
        function_id: function["Properties"].get("Environment", {}).get("Variables", {})
        for function_id, function in FUNCTIONS.items()
    }
    for owner, variables in environments.items():
        for name, value in variables.items():
            assert not re.search(r"SECRET|PASSWORD|TOKEN|CREDENTIAL|PRIVATE", name), f"{owner}: {name}"
            if isinstance(value, dict):
                assert set(value) <= {"Ref", "Fn::GetAtt"}, f"{owner}: {name} is {value}"
            else:
                assert re.fullmatch(r"[A-Za-z0-9_.-]{1,40}", str(value)), f"{owner}: {name} is {value!r}"


# The rules above catch a break: each is run on the template with one thing of one function broken.
BROKEN_FUNCTION = "StatsGetFunction"


def _broken(change: Any) -> dict[str, Any]:
    written = copy.deepcopy(parse())
    change(written)
    return dict(expand_loops(written))


def _drop_from_alarm_loop(written: dict[str, Any]) -> None:
    written["Resources"][ALARM_LOOP][1].remove(BROKEN_FUNCTION.removesuffix("Function"))


def _drop_cadence(written: dict[str, Any]) -> None:
    del written["Mappings"]["FailuresAlarmPeriods"]["PointsSettler"]


def _drop_log_group(written: dict[str, Any]) -> None:
    del written["Resources"][BROKEN_FUNCTION.replace("Function", "LogGroup")]


def _drop_log_group_key(written: dict[str, Any]) -> None:
    del written["Resources"][BROKEN_FUNCTION.replace("Function", "LogGroup")]["Properties"]["KmsKeyId"]


@pytest.mark.parametrize(
    ("break_rule", "rule", "offender"),
    [
        (_drop_from_alarm_loop, functions_without_a_failures_alarm, BROKEN_FUNCTION),
        (_drop_cadence, failures_alarms_off_their_functions_cadence, "PointsSettlerFunction"),
        (_drop_log_group, functions_without_one_log_group_with_retention, BROKEN_FUNCTION),
        (_drop_log_group_key, functions_logging_without_the_stacks_key, BROKEN_FUNCTION),
    ],
)
def test_each_rule_names_the_function_that_breaks_it(break_rule: Any, rule: Any, offender: str) -> None:
    assert rule(_broken(break_rule)) == [offender]


def test_a_scanner_skip_without_a_reason_is_named() -> None:
    config = (
        "skip-check:\n"
        "  # Reason enough for this check, and long enough to say why it is skipped\n"
        "  - CKV_AWS_1\n"
        "  - CKV_AWS_2\n"
    )
    assert scanner_skips(config) == {
        "CKV_AWS_1": "Reason enough for this check, and long enough to say why it is skipped",
        "CKV_AWS_2": "",
    }
    assert skips_without_a_reason({"Resources": {}}, config) == [".checkov.yaml CKV_AWS_2"]


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
