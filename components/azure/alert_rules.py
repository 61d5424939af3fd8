"""What each alert watches, as data: its query or metric, threshold, window and severity. Pure functions, no
resources (components/azure/alerts.py creates them), so the plan and the tests read the same rules.

Signals and their sources (read 2026-12-02):
- Billing: the containers report usage "about every 10 to 15 minutes"; after 10 failed tries they stop serving
  (https://learn.microsoft.com/azure/ai-services/speech-service/speech-container-howto). Microsoft documents the
  `/status` values (`CouldNotConnect`, `OutOfQuota`, `BillingEndpointBusy`, `ContainerUseUnauthorized`, ...:
  https://learn.microsoft.com/azure/ai-services/containers/container-faq) but not the containers' log text. The one
  log line found is a user's, from an Azure AI container on the same runtime: `fail:
  Microsoft.CloudAI.Containers.Http.CloudClient[0] Endpoint connection failed with status 'Invalid'.`
  (https://github.com/Azure-Samples/cognitive-services-speech-sdk/issues/428). The query matches that phrase and the
  FAQ's status words; the unready alert is the symptom backstop when the text differs.
- Restarts and OOM kills: AKS `KubePodInventory.ContainerRestartCount`; ACI events `Killing ...` as ACI's instance
  view names them (`"name": "Killing", "message": "Killing container with id ..."`; the event text is not on the
  schema page, so treat it as observed, not documented).
- Unready: AKS metric `kube_pod_status_ready` (dimensions `namespace`, `pod`, `condition`) and autoscaler metric
  `cluster_autoscaler_unschedulable_pods_count`:
  https://learn.microsoft.com/azure/azure-monitor/reference/supported-metrics/microsoft-containerservice-managedclusters-metrics.
  ACI has no readiness metric; its events carry probe failures in kubelet's wording (`Readiness probe failed`,
  observed, not documented).
- ACI memory: metric `MemoryUsage` (bytes) with dimension `containerName`:
  https://learn.microsoft.com/azure/container-instances/container-instances-monitor.
- Log search alerts read at most two days back ("The alert time range is limited to a maximum of two days"):
  https://learn.microsoft.com/azure/azure-monitor/alerts/alerts-create-log-alert-rule. So a certificate's expiry
  and, on ACI, the key's age (every ACI key change is a `pulumi up`) are stamped into the query at deployment
  (`print`); on AKS a CronJob reports the vault secret version's age every 6 hours (components/aks/key_age.py).
- Key Vault certificate events `Microsoft.KeyVault.CertificateNearExpiry` (30 days before) and `CertificateExpired`,
  through an Event Grid system topic to an Azure Monitor alert (`MonitorAlert` destination):
  https://learn.microsoft.com/azure/event-grid/event-schema-key-vault.
- AKS Jobs (preflight, scheduled rotation): a pod in phase Failed, or a Warning in `KubeEvents` (log_tables.py). At
  activeDeadlineSeconds "all of its running Pods are terminated and the Job status will become type: Failed with
  reason: DeadlineExceeded" (https://kubernetes.io/docs/concepts/workloads/controllers/job/); the job controller
  records that reason (or `BackoffLimitExceeded`) as a Warning on the Job, and `FailedCreate` when it cannot create
  a pod (github.com/kubernetes/kubernetes: pkg/controller/job/job_controller.go `recordJobFinished`,
  pkg/controller/controller_utils.go). A failed pull is a Warning `Failed` on the pod ("Failed to pull image ...",
  then "Error: ErrImagePull" or "Error: ImagePullBackOff" at each retry; `InspectFailed`, `ErrImageNeverPull`); the
  "Back-off pulling image" `BackOff` event is Normal, so not collected, and ErrImagePull/ImagePullBackOff are
  container waiting reasons, not event reasons (pkg/kubelet/images/image_manager.go and types.go,
  pkg/kubelet/kuberuntime/kuberuntime_container.go, pkg/kubelet/events/event.go). The CronJob controller warns
  `MissSchedule` (not started within startingDeadlineSeconds), `TooManyMissedTimes` and `FailedCreate`, and names
  its Jobs `<cronjob>-<minutes>` (pkg/controller/cronjob/cronjob_controllerv2.go, utils.go).
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import dataclass
from enum import IntEnum
from typing import Final

from components import catalog
from components.azure.log_tables import ACI_EVENTS, ACI_LOGS, AKS_LOGS, INSIGHTS_METRICS, KUBE_EVENTS, NODES, PODS
from components.config.model import AlertsConfig, ContainerConfig

#: The FAQ's `/status` values that mean billing fails, and the one logged phrase found (see the module doc).
BILLING_WORDS: Final = ("CouldNotConnect", "OutOfQuota", "BillingEndpointBusy", "ContainerUseUnauthorized")
BILLING_PHRASE: Final = "Endpoint connection failed"
#: curl's message on any failure with `--show-error` (catalog.PREFLIGHT): "curl: (<exit code>) <reason>".
CURL_FAILURE: Final = "curl: ("
PREFLIGHT_JOB: Final = "speech-preflight"
#: The scheduled rotation's CronJob (components/aks/scheduled_rotation.py); its Jobs and their pods start "<name>-".
ROTATION_JOB: Final = "speech-key-rotation"
#: Warning event reasons that end a Job's run or keep it from running, by the kind of object (see the module doc).
JOB_WARNINGS: Final = ("DeadlineExceeded", "BackoffLimitExceeded", "FailedCreate")
POD_WARNINGS: Final = ("Failed", "InspectFailed", "ErrImageNeverPull")
CRON_JOB_WARNINGS: Final = ("MissSchedule", "TooManyMissedTimes", "FailedCreate")
#: The container of the AKS key-age CronJob (components/aks/key_age.py) whose lines the key-age alert reads.
KEY_AGE_CONTAINER: Final = "key-age"


class Severity(IntEnum):
    """Azure Monitor's severities (0 is the most severe)."""

    ERROR = 1
    WARNING = 2
    INFORMATIONAL = 3


@dataclass(frozen=True)
class LogRule:
    """A scheduled query rule: fires when the query returns more than `threshold` rows."""

    key: str
    title: str
    watches: str
    severity: Severity
    query: str
    frequency: str
    window: str
    threshold: int = 0
    query_range: str | None = None  # reads further back than the window (at most P2D)


@dataclass(frozen=True)
class MetricRule:
    """A metric alert on one resource (`target`: which): `aggregation` of `metric` over `window` vs `threshold`."""

    key: str
    title: str
    watches: str
    severity: Severity
    target: str
    namespace: str
    metric: str
    aggregation: str
    operator: str
    threshold: float
    window: str
    frequency: str
    dimensions: tuple[tuple[str, tuple[str, ...]], ...] = ()


@dataclass(frozen=True)
class EventRule:
    """Key Vault events of one object, raised as alerts through Event Grid."""

    key: str
    title: str
    watches: str
    severity: Severity
    event_types: tuple[str, ...]
    subject: str


@dataclass(frozen=True)
class Stamps:
    """What only the deployment knows: when the key was set, when a certificate expires (None: unknown yet)."""

    key_set_at: str | None = None
    certificate_not_after: str | None = None


def _strings(values: Sequence[str]) -> str:
    return ", ".join(json.dumps(v) for v in values)


def _minutes(minutes: int) -> str:
    return f"PT{minutes}M" if minutes % 60 else f"PT{minutes // 60}H"


def unready_minutes(containers: Sequence[ContainerConfig], settings: AlertsConfig) -> int:
    """How long a replica may stay unready: the override, else the longest startup budget (catalog)."""
    if settings.thresholds.unready_minutes is not None:
        return settings.thresholds.unready_minutes
    budgets = [c.spec.startup_budget_seconds for c in containers] or [catalog.STARTUP_BUDGET_SECONDS]
    return math.ceil(max(budgets) / 60)


def _billing(table: str, message: str, scope: str, by: str, settings: AlertsConfig) -> LogRule:
    return LogRule(
        key="billing",
        title="Speech containers cannot report usage to billing",
        watches=f"{table}: '{BILLING_PHRASE}' or {'/'.join(BILLING_WORDS)} in the Speech containers' logs",
        severity=Severity.ERROR,
        query=f"{table}\n| where {scope}\n| extend message = tostring({message})\n"
        f'| where message has "{BILLING_PHRASE}" or message has_any ({_strings(BILLING_WORDS)})\n'
        f"| summarize failures = count() by {by}\n| where failures > {settings.thresholds.billing_failures}",
        frequency="PT5M",
        window="PT15M",
    )


def _key_age(settings: AlertsConfig, stamps: Stamps) -> LogRule:
    days = settings.rotation_period_days
    # Until the stamp is known (preview) the query compares now() with itself: valid, and it never fires.
    set_at = f"datetime({stamps.key_set_at})" if stamps.key_set_at else "now()"
    return LogRule(
        key="key-age",
        title=f"The Speech key is older than {days} days",
        watches=f"the time this stack last changed speech.activeKey (a deployment stamp), against {days} days",
        severity=Severity.INFORMATIONAL,
        query=f'print keySetAt = {set_at}\n| extend ageDays = datetime_diff("day", now(), keySetAt)\n'
        f"| where ageDays > {days}",
        frequency="P1D",
        window="P1D",
    )


def _aks_key_age(settings: AlertsConfig, namespace: str, stamps: Stamps) -> LogRule:
    """The age of the vault's key secret version as the key-age CronJob reports it (components/aks/key_age.py);
    no report for a day (a day after the deployment) fires too: the check itself is broken."""
    days = settings.rotation_period_days
    since = f"datetime({stamps.key_set_at})" if stamps.key_set_at else "now()"
    return LogRule(
        key="key-age",
        title=f"The Speech key is older than {days} days, or its age is not reported",
        watches=f"{AKS_LOGS}: the key secret version's creation time from the {KEY_AGE_CONTAINER} CronJob, against "
        f"{days} days; or no report in a day",
        severity=Severity.INFORMATIONAL,
        query=f"{AKS_LOGS}\n| where PodNamespace == {json.dumps(namespace)} and ContainerName == "
        f'"{KEY_AGE_CONTAINER}"\n'
        "| extend report = iff(isnotnull(LogMessage.speechKeyCreated), LogMessage, parse_json(tostring(LogMessage)))\n"
        "| summarize reports = countif(isnotnull(report.speechKeyCreated)), "
        "created = max(todatetime(report.speechKeyCreated))\n"
        '| extend ageDays = datetime_diff("day", now(), created)\n'
        f"| where ageDays > {days} or (reports == 0 and now() > {since} + 1d)",
        frequency="PT6H",
        window="P1D",
    )


def _certificate(settings: AlertsConfig, stamps: Stamps) -> LogRule:
    days = settings.thresholds.certificate_days
    not_after = f"datetime({stamps.certificate_not_after})" if stamps.certificate_not_after else "now() + 36500d"
    return LogRule(
        key="certificate",
        title=f"The ACI TLS certificate expires within {days} days",
        watches=f"the TLS certificate's notAfter (a deployment stamp), against {days} days",
        severity=Severity.WARNING,
        query=f'print notAfter = {not_after}\n| extend daysLeft = datetime_diff("day", notAfter, now())\n'
        f"| where daysLeft < {days}",
        frequency="P1D",
        window="P1D",
    )


def aci_log_rules(
    containers: Sequence[ContainerConfig],
    groups: Sequence[str],
    preflight_group: str | None,
    settings: AlertsConfig,
    stamps: Stamps,
    tls: bool,
) -> list[LogRule]:
    """The ACI alerts over the groups' logs and events (`groups`: the Speech groups' names)."""
    names, deployments = _strings(groups), _strings([c.name for c in containers])
    scope = f"ContainerGroup_s in ({names})"
    speech = f"{scope} and ContainerName_s in ({deployments})"
    unready = unready_minutes(containers, settings)
    rules = [
        _billing(ACI_LOGS, "Message", scope, "ContainerGroup_s", settings),
        LogRule(
            key="restarts",
            title="Speech containers restarted or were OOM-killed",
            watches=f"{ACI_EVENTS}: 'Killing'/'BackOff'/OOM events of the Speech containers, more than "
            f"{settings.thresholds.restarts} an hour",
            severity=Severity.WARNING,
            query=f"{ACI_EVENTS}\n| where {speech}\n"
            '| where Message startswith "Killing" or Message has "BackOff" or Message has "OOM"\n'
            "| summarize restarts = count() by ContainerGroup_s, ContainerName_s\n"
            f"| where restarts > {settings.thresholds.restarts}",
            frequency="PT15M",
            window="PT1H",
        ),
        LogRule(
            key="unready",
            title=f"A Speech replica stayed unready over {unready} minutes",
            watches=f"{ACI_EVENTS}: readiness probe failures spanning more than {unready} minutes",
            severity=Severity.WARNING,
            query=f'{ACI_EVENTS}\n| where {speech}\n| where Message has "Readiness probe failed"\n'
            "| summarize firstSeen = min(TimeGenerated), lastSeen = max(TimeGenerated) by ContainerGroup_s\n"
            f'| where lastSeen > ago(15m) and datetime_diff("minute", lastSeen, firstSeen) >= {unready}',
            frequency="PT5M",
            window="PT15M",
            query_range=_minutes(min(unready + 15, 48 * 60)),
        ),
        LogRule(
            key="not-running",
            title="An ACI Speech container is not running",
            watches=f"{ACI_EVENTS}: a Speech container whose latest event (two days back) is not 'Started' for "
            "10 minutes",
            severity=Severity.ERROR,
            query=f"{ACI_EVENTS}\n| where {speech}\n"
            "| summarize arg_max(TimeGenerated, Message) by ContainerGroup_s, ContainerName_s\n"
            '| where Message !startswith "Started" and TimeGenerated < ago(10m)',
            frequency="PT5M",
            window="PT5M",
            query_range="P2D",
        ),
        _key_age(settings, stamps),
    ]
    if preflight_group:
        rules.append(
            LogRule(
                key="preflight",
                title="The billing preflight failed",
                watches=f"{ACI_LOGS}: curl's failure line from the preflight group",
                severity=Severity.ERROR,
                query=f"{ACI_LOGS}\n| where ContainerGroup_s == {json.dumps(preflight_group)}\n"
                f"| where Message has {json.dumps(CURL_FAILURE)}",
                frequency="PT15M",
                window="PT1H",
            )
        )
    if tls:
        rules.append(_certificate(settings, stamps))
    return rules


def aks_log_rules(
    containers: Sequence[ContainerConfig],
    namespace: str,
    pools: Sequence[tuple[str, int]],
    preflight: bool,
    settings: AlertsConfig,
    stamps: Stamps,
    scheduled_rotation: bool = False,
) -> list[LogRule]:
    """The AKS alerts over Container insights' tables (`pools`: the Speech pools' names and maximum nodes)."""
    deployments = _strings([c.name for c in containers])
    ns = json.dumps(namespace)
    limits, at_max = settings.thresholds, _minutes(settings.thresholds.at_max_minutes)
    pool_max = ", ".join(f"pool == {json.dumps(p)}, {n}" for p, n in pools)
    rules = [
        _billing(
            AKS_LOGS, "LogMessage", f"PodNamespace == {ns} and ContainerName in ({deployments})", "PodName", settings
        ),
        LogRule(
            key="restarts",
            title="Speech containers restarted or were OOM-killed",
            watches=f"{PODS}: restarts per pod over an hour above {limits.restarts}, or an OOMKilled status",
            severity=Severity.WARNING,
            query=f"{PODS}\n| where Namespace == {ns}\n"
            '| extend container = tostring(split(ContainerName, "/")[1])\n'
            f"| where container in ({deployments})\n"
            '| extend reason = strcat(columnifexists("ContainerStatusReason", ""), " ", '
            'tostring(columnifexists("ContainerLastStatus", dynamic({})).reason))\n'
            "| summarize restarts = max(ContainerRestartCount) - min(ContainerRestartCount), "
            'oomKilled = countif(reason has "OOMKilled") by Name, container\n'
            f"| where restarts > {limits.restarts} or oomKilled > 0",
            frequency="PT15M",
            window="PT1H",
        ),
        LogRule(
            key="hpa-at-max",
            title=f"An autoscaler stayed at its maximum for {limits.at_max_minutes} minutes",
            watches=f"{INSIGHTS_METRICS}: kube_hpa_status_current_replicas desired >= max replicas throughout",
            severity=Severity.WARNING,
            query=f'{INSIGHTS_METRICS}\n| where Name == "kube_hpa_status_current_replicas"\n'
            f"| extend tags = todynamic(Tags)\n| where tostring(tags.k8sNamespace) == {ns}\n"
            "| extend hpa = tostring(tags.targetName), desired = toint(tags.status_desired_replicas), "
            "maxReplicas = toint(tags.spec_max_replicas)\n"
            "| summarize samples = count(), atMax = countif(desired >= maxReplicas) by hpa\n"
            "| where samples > 1 and atMax == samples",
            frequency="PT5M",
            window=at_max,
        ),
        LogRule(
            key="pool-at-max",
            title=f"A Speech node pool stayed at its maximum for {limits.at_max_minutes} minutes",
            watches=f"{NODES}: nodes per Speech pool >= the pool's maxCount throughout",
            severity=Severity.WARNING,
            query=f"{NODES}\n| extend pool = tostring(todynamic(Labels)[0].agentpool)\n"
            f"| where pool in ({_strings([p for p, _ in pools])})\n"
            "| summarize nodes = dcount(Computer) by pool, bin(TimeGenerated, 5m)\n"
            f"| summarize samples = count(), atMax = countif(nodes >= case({pool_max}, 100000)) by pool\n"
            "| where samples > 1 and atMax == samples",
            frequency="PT5M",
            window=at_max,
        ),
        _aks_key_age(settings, namespace, stamps),
    ]
    if preflight:
        rules.append(_failed_job("preflight", "The billing preflight failed", PREFLIGHT_JOB, ns, Severity.ERROR))
    if scheduled_rotation:
        title = "The scheduled key rotation failed"
        rules.append(_failed_job("rotation", title, ROTATION_JOB, ns, Severity.WARNING, scheduled=True))
    return rules


def _failed_job(key: str, title: str, job: str, namespace: str, severity: Severity, scheduled: bool = False) -> LogRule:
    """The Job `job` (`scheduled`: the CronJob `job` and its Jobs) failed or cannot run: a pod in phase Failed, or a
    Warning event of the Job(s), their pods or the CronJob with one of the reasons above."""
    pods = f"Name startswith {json.dumps(job + '-')}"
    kinds = [("Job", pods if scheduled else f"Name == {json.dumps(job)}", JOB_WARNINGS), ("Pod", pods, POD_WARNINGS)]
    if scheduled:
        kinds.append(("CronJob", f"Name == {json.dumps(job)}", CRON_JOB_WARNINGS))
    events = "\n    or ".join(f'(ObjectKind == "{k}" and {name} and Reason in ({_strings(r)}))' for k, name, r in kinds)
    return LogRule(
        key=key,
        title=title,
        watches=f"{PODS}: a {job} pod in phase Failed; {KUBE_EVENTS}: Warning "
        + "; ".join(f"{k} {'/'.join(r)}" for k, _, r in kinds),
        severity=severity,
        query=f'union\n({PODS}\n| where Namespace == {namespace} and {pods}\n| where PodStatus == "Failed"\n'
        '| project objectKind = "Pod", Name, reason = "PodStatus Failed"),\n'
        f'({KUBE_EVENTS}\n| where Namespace == {namespace} and KubeEventType == "Warning"\n| where {events}\n'
        "| project objectKind = ObjectKind, Name, reason = Reason)\n| distinct objectKind, Name, reason",
        frequency="PT15M",
        window="PT1H",
    )


def certificate_rule(certificate_name: str) -> EventRule:
    """The AKS ingress certificate in the stack's vault (Key Vault raises these 30 days before expiry)."""
    return EventRule(
        key="certificate",
        title=f"The ingress certificate {certificate_name} is near expiry or expired",
        watches=f"Key Vault events CertificateNearExpiry/CertificateExpired for {certificate_name} (Event Grid)",
        severity=Severity.WARNING,
        event_types=("Microsoft.KeyVault.CertificateNearExpiry", "Microsoft.KeyVault.CertificateExpired"),
        subject=certificate_name,
    )
