"""Alerts and the dashboard: every rule's query or metric and threshold, the queries parsed as KQL and checked
against the tables the hosts' diagnostics produce, receivers and switches from config."""

from __future__ import annotations

import datetime
import json
import re
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from components.aks import key_age
from components.azure import alert_rules, log_tables
from components.azure.alert_rules import Stamps
from components.azure.alerts import not_after
from components.azure.log_tables import (
    ACI_EVENTS,
    ACI_LOGS,
    AKS_LOGS,
    INSIGHTS_METRICS,
    KUBE_EVENTS,
    NODES,
    PERF,
    PODS,
)
from components.config.model import AlertsConfig
from plan import offline
from plan.command import own_values, read_stack, render
from tests.kql_check import syntax_errors
from tests.sample_stacks import ACI_STACK, AKS_INGRESS_STACK, AKS_STACK, plan_program, with_changes

QUERY_RULE = "azure-native:monitor:ScheduledQueryRule"
METRIC_ALERT = "azure-native:monitor:MetricAlert"
WORKBOOK = "azure-native:applicationinsights:Workbook"
ACI_TABLES = {ACI_LOGS, ACI_EVENTS}
AKS_TABLES = {AKS_LOGS, PODS, NODES, INSIGHTS_METRICS, PERF, KUBE_EVENTS}

#: key -> (severity, frequency, window, query time range, tables read, what the query must say)
ACI_RULES: dict[str, tuple[int, str, str, str | None, set[str], tuple[str, ...]]] = {
    "billing": (1, "PT5M", "PT15M", None, {ACI_LOGS}, ('"Endpoint connection failed"', "CouldNotConnect", "> 0")),
    "restarts": (2, "PT15M", "PT1H", None, {ACI_EVENTS}, ('startswith "Killing"', "restarts > 1")),
    "unready": (2, "PT5M", "PT15M", "PT35M", {ACI_EVENTS}, ('"Readiness probe failed"', ">= 20")),
    "not-running": (1, "PT5M", "PT5M", "P2D", {ACI_EVENTS}, ('!startswith "Started"', "ago(10m)")),
    "preflight": (1, "PT15M", "PT1H", None, {ACI_LOGS}, ('"speech-aci-preflight"', '"curl: ("')),
    "key-age": (3, "P1D", "P1D", None, set(), ("ageDays > 90",)),
    "certificate": (2, "P1D", "P1D", None, set(), ("daysLeft < 30",)),
}
AKS_RULES: dict[str, tuple[int, str, str, str | None, set[str], tuple[str, ...]]] = {
    "billing": (1, "PT5M", "PT15M", None, {AKS_LOGS}, ('PodNamespace == "speech"', "CouldNotConnect")),
    "restarts": (2, "PT15M", "PT1H", None, {PODS}, ("ContainerRestartCount", '"OOMKilled"', "restarts > 1")),
    "hpa-at-max": (2, "PT5M", "PT30M", None, {INSIGHTS_METRICS}, ('"kube_hpa_status_current_replicas"',)),
    "pool-at-max": (2, "PT5M", "PT30M", None, {NODES}, ('pool == "speech"', "atMax == samples")),
    "preflight": (
        1,
        "PT15M",
        "PT1H",
        None,
        {PODS, KUBE_EVENTS},
        ('startswith "speech-preflight-"', 'PodStatus == "Failed"', 'KubeEventType == "Warning"', '"DeadlineExceeded"'),
    ),
    "key-age": (3, "PT6H", "P1D", None, {AKS_LOGS}, ('ContainerName == "key-age"', "ageDays > 90", "reports == 0")),
}


def _rules(plan: offline.Plan) -> dict[str, offline.Registration]:
    return {r.name.removeprefix("speech-alerts-"): r for r in plan.of_type(QUERY_RULE)}


def _metrics(plan: offline.Plan) -> dict[str, offline.Registration]:
    return {r.name.removeprefix("speech-alerts-"): r for r in plan.of_type(METRIC_ALERT)}


def _workbook_queries(plan: offline.Plan) -> list[str]:
    (book,) = plan.of_type(WORKBOOK)
    items = json.loads(book.get("serializedData"))["items"]
    return [item["content"]["query"] for item in items if item["type"] == 3]


@pytest.mark.parametrize(("stack", "expected"), [(ACI_STACK, ACI_RULES), (AKS_STACK, AKS_RULES)], ids=["aci", "aks"])
def test_each_log_alert_has_its_query_threshold_window_and_severity(stack: dict[str, Any], expected: Any) -> None:
    rules = _rules(plan_program(stack))
    assert set(rules) == set(expected)
    for key, (severity, frequency, window, query_range, tables, phrases) in expected.items():
        rule = rules[key]
        query = rule.get("criteria.allOf.0.query")
        assert (rule.get("severity"), rule.get("evaluationFrequency"), rule.get("windowSize")) == (
            severity,
            frequency,
            window,
        ), key
        assert rule.get("overrideQueryTimeRange") == query_range, key
        assert rule.get("criteria.allOf.0.operator") == "GreaterThan" and rule.get("criteria.allOf.0.threshold") == 0
        assert rule.get("autoMitigate") is True and rule.get("kind") == "LogAlert"
        assert log_tables.tables_of(query) == tables, key
        for phrase in phrases:
            assert phrase in query, (key, phrase)


@pytest.mark.parametrize(("stack", "allowed"), [(ACI_STACK, ACI_TABLES), (AKS_STACK, AKS_TABLES)], ids=["aci", "aks"])
def test_queries_parse_as_kql_and_use_only_documented_columns_of_the_hosts_tables(
    stack: dict[str, Any], allowed: set[str]
) -> None:
    plan = plan_program(stack)
    queries = [r.get("criteria.allOf.0.query") for r in plan.of_type(QUERY_RULE)] + _workbook_queries(plan)
    for query in queries:
        assert syntax_errors(query) == (), query
        assert log_tables.check_columns(query) == [], query
        assert log_tables.tables_of(query) <= allowed, query


def test_the_checks_catch_a_typo() -> None:
    assert syntax_errors("ContainerLogV2 | where x = = 1") != ()
    assert log_tables.check_columns('ContainerLogV2 | where PodNamspace == "speech"') == ["PodNamspace"]
    assert log_tables.check_columns('KubePodInventory | where Message has "x"') == ["Message"]


#: `(ObjectKind == "<kind>" and Name <op> "<name>" and Reason in (<reasons>))` in a failed-Job query.
_EVENT_CLAUSE = re.compile(r'\(ObjectKind == "(\w+)" and (Name (?:==|startswith) "[^"]+") and Reason in \(([^)]*)\)\)')


def _event_clauses(query: str) -> dict[str, tuple[str, set[str]]]:
    """Per involved object kind: the name condition and the event reasons the query matches."""
    return {kind: (name, set(json.loads(f"[{reasons}]"))) for kind, name, reasons in _EVENT_CLAUSE.findall(query)}


def test_failed_job_alerts_also_fire_on_warning_events_of_the_jobs_their_pods_and_the_cron_job() -> None:
    """A run stopped at its deadline (the pod is terminated, never Failed), an image that cannot be pulled (the pod
    stays Pending) or a schedule the CronJob missed leaves no Failed pod: the Kubernetes Warning events say so."""
    rules = {
        r.key: r for r in alert_rules.aks_log_rules((), "speech", [("speech", 3)], True, AlertsConfig(), Stamps(), True)
    }
    rotation, preflight = rules["rotation"].query, rules["preflight"].query
    pod_reasons = {"Failed", "InspectFailed", "ErrImageNeverPull"}
    job_reasons = {"DeadlineExceeded", "BackoffLimitExceeded", "FailedCreate"}
    assert _event_clauses(rotation) == {
        "Job": ('Name startswith "speech-key-rotation-"', job_reasons),  # <cronjob>-<minutes>
        "Pod": ('Name startswith "speech-key-rotation-"', pod_reasons),
        "CronJob": ('Name == "speech-key-rotation"', {"MissSchedule", "TooManyMissedTimes", "FailedCreate"}),
    }
    assert _event_clauses(preflight) == {
        "Job": ('Name == "speech-preflight"', job_reasons),
        "Pod": ('Name startswith "speech-preflight-"', pod_reasons),
    }
    for query, job in ((rotation, "speech-key-rotation"), (preflight, "speech-preflight")):
        assert log_tables.tables_of(query) == {PODS, KUBE_EVENTS}
        assert f'{KUBE_EVENTS}\n| where Namespace == "speech" and KubeEventType == "Warning"\n' in query
        # The pod-phase signal stays: a run that exits non-zero.
        assert (
            f'{PODS}\n| where Namespace == "speech" and Name startswith "{job}-"\n| where PodStatus == "Failed"'
            in query
        )
        assert query.startswith("union\n(") and query.endswith("| distinct objectKind, Name, reason")
        assert syntax_errors(query) == () and log_tables.check_columns(query) == [], query
    # BackOff ("Back-off pulling image") is a Normal event, which Container insights does not collect by default.
    assert "BackOff" not in rotation
    assert rules["rotation"].watches.startswith(f"{PODS}: a speech-key-rotation pod in phase Failed; {KUBE_EVENTS}")


def test_aks_metric_alerts_watch_readiness_past_the_budget_and_unschedulable_pods(aks_plan: offline.Plan) -> None:
    metrics = _metrics(aks_plan)
    unready = metrics["unready"]
    (criterion,) = unready.get("criteria.allOf")
    assert criterion["metricName"] == "kube_pod_status_ready"
    assert criterion["metricNamespace"] == "Microsoft.ContainerService/managedClusters"
    assert {d["name"]: d["values"] for d in criterion["dimensions"]} == {
        "namespace": ["speech"],
        "condition": ["false"],
        "pod": ["*"],
    }
    # 20 minutes of the 30-minute window: unready longer than the startup budget.
    assert (criterion["timeAggregation"], criterion["operator"], criterion["threshold"]) == (
        "Average",
        "GreaterThan",
        0.667,
    )
    assert (unready.get("windowSize"), unready.get("severity")) == ("PT30M", 2)
    assert unready.get("scopes.0").endswith(
        "/providers/Microsoft.ContainerService/managedClusters/speech-aks-cluster-cluster"
    )
    (pending,) = metrics["unschedulable"].get("criteria.allOf")
    assert (pending["metricName"], pending["threshold"]) == ("cluster_autoscaler_unschedulable_pods_count", 0)
    assert metrics["unschedulable"].get("windowSize") == "PT30M"


EXISTING_GROUP = "/subscriptions/0/resourceGroups/ops/providers/microsoft.insights/actionGroups/oncall"
#: Receivers, threshold overrides and no dashboard, in one ACI plan.
ALERTS_MIX = with_changes(
    ACI_STACK,
    alerts={
        "emails": ["ops@contoso.com"],
        "webhooks": ["https://hooks.contoso.com/t0ken"],
        "actionGroupId": EXISTING_GROUP,
        "thresholds": {"unreadyMinutes": 45, "restarts": 3},
        "dashboard": False,
    },
)


def test_custom_models_widen_the_unready_budget_and_overrides_win() -> None:
    custom = {"kind": "custom-speech-to-text", "modelId": "0123abcd-4567-89ef-0123-456789abcdef"}
    plan = plan_program(with_changes(AKS_STACK, containers={"custom": custom}))
    (criterion,) = _metrics(plan)["unready"].get("criteria.allOf")
    assert _metrics(plan)["unready"].get("windowSize") == "PT6H" and criterion["threshold"] == round(80 / 360, 3)
    plan = plan_program(ALERTS_MIX)
    assert ">= 45" in _rules(plan)["unready"].get("criteria.allOf.0.query")
    assert "restarts > 3" in _rules(plan)["restarts"].get("criteria.allOf.0.query")


def test_aci_memory_alerts_per_group_at_90_percent_of_the_request(aci_plan: offline.Plan) -> None:
    metrics = _metrics(aci_plan)
    assert set(metrics) == {"memory-speech-to-text-0", "memory-neural-text-to-speech-0"}
    (criterion,) = metrics["memory-speech-to-text-0"].get("criteria.allOf")
    group = next(
        g for g in aci_plan.of_type("azure-native:containerinstance:ContainerGroup") if "speech-to-text-0" in g.name
    )
    memory_gb = group.get("containers.0.resources.requests.memoryInGB")
    assert (criterion["metricName"], criterion["metricNamespace"]) == (
        "MemoryUsage",
        "Microsoft.ContainerInstance/containerGroups",
    )
    assert criterion["threshold"] == round(0.9 * memory_gb * 1024**3)
    assert criterion["dimensions"] == [{"name": "containerName", "operator": "Include", "values": ["speech-to-text"]}]
    assert metrics["memory-speech-to-text-0"].get("scopes.0").endswith("/containerGroups/speech-aci-speech-to-text-0")


def test_the_ingress_certificate_alert_is_a_key_vault_event_subscription() -> None:
    plan = plan_program(AKS_INGRESS_STACK)
    topic = plan.one("azure-native:eventgrid:SystemTopic")
    assert topic.get("topicType") == "Microsoft.KeyVault.vaults" and "/vaults/" in topic.get("source")
    subscription = plan.one("azure-native:eventgrid:SystemTopicEventSubscription")
    assert subscription.get("filter.includedEventTypes") == [
        "Microsoft.KeyVault.CertificateNearExpiry",
        "Microsoft.KeyVault.CertificateExpired",
    ]
    assert (
        subscription.get("filter.subjectBeginsWith") == subscription.get("filter.subjectEndsWith") == "speech-wildcard"
    )
    assert subscription.get("destination.endpointType") == "MonitorAlert"
    assert subscription.get("destination.severity") == "Sev2"
    assert plan_program(AKS_STACK).of_type("azure-native:eventgrid:SystemTopic") == []


def test_stamps_make_the_key_age_and_certificate_queries_fire_on_time() -> None:
    settings = AlertsConfig(enabled=True, rotation_period_days=30)
    stamps = Stamps(key_set_at="2026-09-01T00:00:00Z", certificate_not_after="2027-01-01T00:00:00Z")
    rules = {r.key: r for r in alert_rules.aci_log_rules((), ["g"], None, settings, stamps, tls=True)}
    assert "print keySetAt = datetime(2026-09-01T00:00:00Z)" in rules["key-age"].query
    assert rules["key-age"].query.endswith("where ageDays > 30")
    assert "datetime(2027-01-01T00:00:00Z)" in rules["certificate"].query
    for key in ("key-age", "certificate"):
        assert syntax_errors(rules[key].query) == (), rules[key].query


def test_on_aks_a_cron_job_reports_the_key_secret_versions_age_from_the_vault(aks_plan: offline.Plan) -> None:
    job = aks_plan.one("kubernetes:batch/v1:CronJob")
    assert (job.get("metadata.name"), job.get("spec.schedule")) == ("speech-key-age", key_age.SCHEDULE)
    pod = job.get("spec.jobTemplate.spec.template")
    assert pod["metadata"]["labels"]["azure.workload.identity/use"] == "true"
    (container,) = pod["spec"]["containers"]
    assert container["name"] == key_age.CONTAINER == alert_rules.KEY_AGE_CONTAINER
    script = container["command"][-1]
    assert "az keyvault secret show" in script and "--name speech-api-key" in script
    assert "speechKeyCreated: attributes.created" in script and 'tags."speech-key-name"' in script
    assert pod["spec"]["serviceAccountName"] == "speech-containers" and pod["spec"]["restartPolicy"] == "Never"
    off = plan_program(with_changes(AKS_STACK, alerts={"enabled": False}))
    assert off.of_type("kubernetes:batch/v1:CronJob") == []


def test_a_certificate_expiry_is_read_from_its_pem() -> None:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "speech")])
    end = datetime.datetime(2027, 3, 4, 5, 6, 7, tzinfo=datetime.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(1)
        .not_valid_before(end - datetime.timedelta(days=365))
        .not_valid_after(end)
        .sign(key, hashes.SHA256())
    )
    assert not_after(certificate.public_bytes(serialization.Encoding.PEM).decode()) == "2027-03-04T05:06:07Z"
    assert not_after("-----BEGIN CERTIFICATE-----\nmock\n-----END CERTIFICATE-----") is None


def test_receivers_come_from_config_and_webhooks_stay_secret() -> None:
    existing = EXISTING_GROUP
    plan = plan_program(ALERTS_MIX)
    group = plan.one("azure-native:monitor:ActionGroup")
    assert group.get("emailReceivers") == [
        {"name": "email-0", "emailAddress": "ops@contoso.com", "useCommonAlertSchema": True}
    ]
    assert isinstance(group.raw("webhookReceivers.0.serviceUri"), offline.Secret)
    assert group.get("location") == "Global"
    for rule in plan.of_type(QUERY_RULE):
        assert rule.get("actions.actionGroups") == [group.id, existing]
    for rule in plan.of_type(METRIC_ALERT):
        assert [a["actionGroupId"] for a in rule.get("actions")] == [group.id, existing]
    assert plan_program(ACI_STACK).of_type("azure-native:monitor:ActionGroup") == []


def test_alerts_and_the_dashboard_can_be_turned_off() -> None:
    off = plan_program(with_changes(ACI_STACK, alerts={"enabled": False}))
    assert [r for r in off.registrations if "monitoring:Speech" in r.type] == []
    no_book = plan_program(ALERTS_MIX)
    assert no_book.of_type(WORKBOOK) == [] and no_book.of_type(QUERY_RULE) != []


def test_the_workbook_has_a_section_per_deployment_and_the_key_age(aks_plan: offline.Plan) -> None:
    (book,) = aks_plan.of_type(WORKBOOK)
    document = json.loads(book.get("serializedData"))
    assert document["version"] == "Notebook/1.0" and book.get("kind") == "shared"
    titles = [i["content"].get("json", i["content"].get("title", "")) for i in document["items"]]
    for deployment in ("speech-to-text", "neural-text-to-speech"):
        assert any(t.startswith(f"## {deployment}") for t in titles)
    assert any("CPU (cores) against the request" in t for t in titles)
    assert any("Memory (GB) against the request" in t for t in titles)
    assert titles[-1].startswith("Speech key age")
    assert len(book.get("resourceName")) == 36  # a GUID, as Azure requires


def test_created_clusters_send_container_logs_to_container_log_v2() -> None:
    (config_map,) = plan_program(AKS_STACK).of_type("kubernetes:core/v1:ConfigMap")
    assert config_map.get("metadata") == {"name": "container-azm-ms-agentconfig", "namespace": "kube-system"}
    assert 'containerlog_schema_version = "v2"' in config_map.get("data.log-data-collection-settings")
    existing = with_changes(AKS_STACK, aks={"existingCluster": {"name": "shared", "resourceGroupName": "rg"}})
    assert plan_program(existing).of_type("kubernetes:core/v1:ConfigMap") == []


def test_bad_alert_settings_name_their_key() -> None:
    from components import config

    with pytest.raises(config.ConfigError) as raised:
        config.parse({**ACI_STACK, "alerts": {"enabled": False, "emails": ["not-an-address", "a@b.io", "A@b.io"]}})
    problems = raised.value.problems
    assert any(p.startswith("alerts.emails[0]:") for p in problems)
    assert any(p.startswith("alerts.emails: lists one entry twice") for p in problems)
    assert any(p.startswith("alerts.enabled: is false but receivers") for p in problems)


def test_the_plan_lists_alerts_and_the_dashboard() -> None:
    values, _ = read_stack("dev")
    from components import config

    settings = config.parse(own_values(values))
    text = render("dev", settings, plan_program(own_values(values), stack="dev"), 0.1)
    section = text.split("ALERTS\n", 1)[1]
    for name in ("speech-alerts-billing", "speech-alerts-key-age", "speech-dashboard-workbook"):
        assert name in section
    assert "ContainerInstanceLog_CL" in section
