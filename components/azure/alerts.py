"""`SpeechAlerts`: the alert rules of components/azure/alert_rules.py as Azure resources, the action group they
notify, and the deployment stamps their queries compare against (when the key was set, when a certificate ends).

Log search alerts are scheduled query rules on the workspace; metric alerts sit on the cluster or a container
group; the AKS ingress certificate's Key Vault events reach Azure Monitor through an Event Grid system topic on the
vault. Every rule auto-resolves when its condition clears.
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import pulumi
import pulumi_azure_native.eventgrid as eventgrid
import pulumi_azure_native.monitor as monitor
import pulumiverse_time as time

from components.azure import alert_rules, metric_rules
from components.azure.alert_rules import EventRule, LogRule, MetricRule, Stamps
from components.config.model import AlertsConfig, ContainerConfig
from components.hosting import WorkspaceRef

TYPE_TOKEN = "speech-containers:monitoring:SpeechAlerts"
#: Action groups are global resources.
ACTION_GROUP_LOCATION = "Global"


@dataclass(frozen=True)
class AciTargets:
    """What ACI alerts watch: each deployment's group ids by replica, every Speech group's name, the preflight."""

    group_ids: dict[str, list[pulumi.Output[str]]]
    group_names: pulumi.Output[list[str]]
    preflight_group: pulumi.Output[str] | None = None
    #: The TLS certificate the sidecars serve (PEM), for its expiry.
    certificate: pulumi.Output[str] | None = None
    #: The front's Application Gateway (aci.front), whose unhealthy pool members alert.
    gateway_id: pulumi.Output[str] | None = None


@dataclass(frozen=True)
class AksTargets:
    """What AKS alerts watch: the cluster, the Speech namespace and pools, the ingress certificate."""

    cluster_id: pulumi.Output[str]
    namespace: str
    #: (pool name, maximum nodes) of each Speech pool.
    pools: tuple[tuple[str, int], ...]
    preflight: bool
    ingress_certificate: str | None = None
    #: The scheduled rotation CronJob runs (its failures alert).
    scheduled_rotation: bool = False
    vault_id: pulumi.Output[str] | None = None


@dataclass(frozen=True)
class AlertInputs:
    resource_group_name: pulumi.Output[str]
    location: str
    tags: dict[str, str]
    workspace: WorkspaceRef
    containers: tuple[ContainerConfig, ...]
    #: The key the stack deploys (`Key1`/`Key2`): the key-age stamp moves when it changes.
    active_key_name: str
    settings: AlertsConfig
    host: AciTargets | AksTargets


def not_after(pem: str | None) -> str | None:
    """A PEM certificate's expiry as RFC 3339 (None when it cannot be read, e.g. offline placeholders)."""
    if not pem:
        return None
    try:
        from cryptography import x509  # loaded only where a certificate is checked

        certificate = x509.load_pem_x509_certificate(pem.encode())
    except (ValueError, TypeError):
        return None
    return certificate.not_valid_after_utc.astimezone(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


class SpeechAlerts(pulumi.ComponentResource):
    """The stack's alert rules and their action group."""

    #: Every rule created, for the plan and the dashboard.
    rules: list[LogRule | MetricRule | EventRule]
    action_group_ids: pulumi.Output[list[str]]
    #: The deployment stamps the queries compare against (the dashboard shows the key's age from them).
    stamps: pulumi.Output[Stamps]

    def __init__(self, name: str, inputs: AlertInputs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__(TYPE_TOKEN, name, None, opts)
        self._inputs = inputs
        self._name = name
        actions = self._action_groups(inputs.settings)
        self.action_group_ids = pulumi.Output.all(*actions)
        stamp = time.Static(
            f"{name}-key-set-at",
            triggers={"activeKey": inputs.active_key_name},
            opts=pulumi.ResourceOptions(parent=self),
        )
        certificate = inputs.host.certificate if isinstance(inputs.host, AciTargets) else None
        self.stamps = pulumi.Output.all(stamp.rfc3339, certificate if certificate is not None else "").apply(
            lambda v: Stamps(key_set_at=v[0] or None, certificate_not_after=not_after(v[1]))
        )
        self.rules = []
        if inputs.containers:
            self._log_rules(self.stamps)
            self._metric_rules()
            self._event_rules()
        self.register_outputs({"rules": [r.key for r in self.rules], "actionGroups": self.action_group_ids})

    def _action_groups(self, settings: AlertsConfig) -> list[pulumi.Input[str]]:
        ids: list[pulumi.Input[str]] = []
        if settings.emails or settings.webhooks:
            group = monitor.ActionGroup(
                f"{self._name}-action-group",
                resource_group_name=self._inputs.resource_group_name,
                location=ACTION_GROUP_LOCATION,
                group_short_name="speech",
                enabled=True,
                email_receivers=[
                    monitor.MicrosoftCommonEmailReceiverArgs(
                        name=f"email-{i}", email_address=address, use_common_alert_schema=True
                    )
                    for i, address in enumerate(settings.emails)
                ],
                webhook_receivers=[
                    monitor.WebhookReceiverArgs(
                        name=f"webhook-{i}", service_uri=pulumi.Output.secret(url), use_common_alert_schema=True
                    )
                    for i, url in enumerate(settings.webhooks)
                ],
                tags=self._inputs.tags,
                opts=pulumi.ResourceOptions(parent=self),
            )
            ids.append(group.id)
        if settings.action_group_id:
            ids.append(settings.action_group_id)
        return ids

    def _specs(self, stamps: Stamps, groups: Sequence[str], preflight: str | None) -> list[LogRule]:
        inputs, host = self._inputs, self._inputs.host
        if isinstance(host, AciTargets):
            tls = host.certificate is not None
            return alert_rules.aci_log_rules(inputs.containers, groups, preflight, inputs.settings, stamps, tls)
        return alert_rules.aks_log_rules(
            inputs.containers,
            host.namespace,
            host.pools,
            host.preflight,
            inputs.settings,
            stamps,
            host.scheduled_rotation,
        )

    def _log_rules(self, stamps: pulumi.Output[Stamps]) -> None:
        host = self._inputs.host
        groups = host.group_names if isinstance(host, AciTargets) else pulumi.Output.from_input([])
        preflight = host.preflight_group if isinstance(host, AciTargets) else None
        resolved = pulumi.Output.all(stamps, groups, preflight if preflight is not None else "")
        # The rule set is static (queries only differ in names and stamps): the placeholders give the structure.
        shapes = self._specs(Stamps(), ["group"], "preflight" if preflight is not None else None)
        for index, shape in enumerate(shapes):

            def query(values: list[Any], i: int = index) -> str:
                return self._specs(values[0], values[1], values[2] or None)[i].query

            self.rules.append(shape)
            self._scheduled_query(shape, resolved.apply(query))

    def _scheduled_query(self, rule: LogRule, query: pulumi.Output[str]) -> None:
        inputs = self._inputs
        monitor.ScheduledQueryRule(
            f"{self._name}-{rule.key}",
            resource_group_name=inputs.resource_group_name,
            location=inputs.location,
            kind="LogAlert",
            display_name=f"speech: {rule.title}",
            description=f"{rule.watches}. Runbook: README.md#alerts-runbook ({rule.key}).",
            severity=int(rule.severity),
            enabled=True,
            scopes=[inputs.workspace.id],
            evaluation_frequency=rule.frequency,
            window_size=rule.window,
            override_query_time_range=rule.query_range,
            auto_mitigate=True,
            criteria=monitor.ScheduledQueryRuleCriteriaArgs(
                all_of=[
                    monitor.ConditionArgs(
                        query=query,
                        time_aggregation="Count",
                        operator="GreaterThan",
                        threshold=rule.threshold,
                        failing_periods=monitor.ConditionFailingPeriodsArgs(
                            number_of_evaluation_periods=1, min_failing_periods_to_alert=1
                        ),
                    )
                ]
            ),
            actions=monitor.ActionsArgs(action_groups=self.action_group_ids),
            tags=inputs.tags,
            opts=pulumi.ResourceOptions(parent=self),
        )

    def _metric_rules(self) -> None:
        inputs, host = self._inputs, self._inputs.host
        if isinstance(host, AksTargets):
            for rule in metric_rules.aks_metric_rules(inputs.containers, host.namespace, inputs.settings):
                self._metric_alert(rule, host.cluster_id)
            return
        for container in inputs.containers:
            for replica, group_id in enumerate(host.group_ids.get(container.name, [])):
                self._metric_alert(metric_rules.aci_memory_rule(container, replica), group_id)
        if host.gateway_id is not None:
            self._metric_alert(metric_rules.front_unhealthy_rule(inputs.containers, inputs.settings), host.gateway_id)

    def _metric_alert(self, rule: MetricRule, scope: pulumi.Input[str]) -> None:
        inputs = self._inputs
        self.rules.append(rule)
        monitor.MetricAlert(
            f"{self._name}-{rule.key}",
            resource_group_name=inputs.resource_group_name,
            location="global",
            description=f"{rule.watches}. Runbook: README.md#alerts-runbook ({rule.key}).",
            severity=int(rule.severity),
            enabled=True,
            scopes=[scope],
            evaluation_frequency=rule.frequency,
            window_size=rule.window,
            auto_mitigate=True,
            criteria=monitor.MetricAlertSingleResourceMultipleMetricCriteriaArgs(
                odata_type="Microsoft.Azure.Monitor.SingleResourceMultipleMetricCriteria",
                all_of=[
                    monitor.MetricCriteriaArgs(
                        criterion_type="StaticThresholdCriterion",
                        name=rule.key,
                        metric_name=rule.metric,
                        metric_namespace=rule.namespace,
                        operator=rule.operator,
                        threshold=rule.threshold,
                        time_aggregation=rule.aggregation,
                        dimensions=[
                            monitor.MetricDimensionArgs(name=n, operator="Include", values=list(values))
                            for n, values in rule.dimensions
                        ],
                    )
                ],
            ),
            actions=self.action_group_ids.apply(
                lambda ids: [monitor.MetricAlertActionArgs(action_group_id=i) for i in ids]
            ),
            tags=inputs.tags,
            opts=pulumi.ResourceOptions(parent=self),
        )

    def _event_rules(self) -> None:
        """The ingress certificate's expiry events (AKS: the certificate lives in the stack's vault)."""
        host = self._inputs.host
        if not isinstance(host, AksTargets) or host.ingress_certificate is None or host.vault_id is None:
            return
        rule = alert_rules.certificate_rule(host.ingress_certificate)
        self.rules.append(rule)
        inputs = self._inputs
        topic = eventgrid.SystemTopic(
            f"{self._name}-vault-events",
            resource_group_name=inputs.resource_group_name,
            location=inputs.location,
            source=host.vault_id,
            topic_type="Microsoft.KeyVault.vaults",
            tags=inputs.tags,
            opts=pulumi.ResourceOptions(parent=self),
        )
        eventgrid.SystemTopicEventSubscription(
            f"{self._name}-{rule.key}",
            resource_group_name=inputs.resource_group_name,
            system_topic_name=topic.name,
            event_delivery_schema="CloudEventSchemaV1_0",
            destination=eventgrid.MonitorAlertEventSubscriptionDestinationArgs(
                endpoint_type="MonitorAlert",
                severity=f"Sev{int(rule.severity)}",
                description=f"{rule.watches}. Runbook: README.md#alerts-runbook ({rule.key}).",
                action_groups=self.action_group_ids,
            ),
            filter=eventgrid.EventSubscriptionFilterArgs(
                included_event_types=list(rule.event_types),
                subject_begins_with=rule.subject,
                subject_ends_with=rule.subject,
            ),
            opts=pulumi.ResourceOptions(parent=self),
        )
