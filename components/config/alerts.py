"""The `alerts` settings: who is notified, the thresholds, the key's rotation period and the dashboard."""

from __future__ import annotations

from typing import Any

from components.args import AlertsArgs, AlertThresholdsArgs
from components.config.fields import Problems
from components.config.model import AlertsConfig, AlertThresholds
from components.config.rules import default


def alerts(raw: dict[str, Any], problems: Problems) -> AlertsConfig:
    """The alerts of a stack (on by default). Receivers are optional: without any, alerts still show in the
    portal's alert list, which is what a dev stack may want."""
    limits = raw.get("thresholds", {})
    thresholds = AlertThresholds(
        billing_failures=limits.get("billing_failures", default(AlertThresholdsArgs, "billing_failures")),
        restarts=limits.get("restarts", default(AlertThresholdsArgs, "restarts")),
        unready_minutes=limits.get("unready_minutes"),
        at_max_minutes=limits.get("at_max_minutes", default(AlertThresholdsArgs, "at_max_minutes")),
        certificate_days=limits.get("certificate_days", default(AlertThresholdsArgs, "certificate_days")),
    )
    config = AlertsConfig(
        enabled=raw.get("enabled", default(AlertsArgs, "enabled")),
        emails=tuple(raw.get("emails", ())),
        webhooks=tuple(raw.get("webhooks", ())),
        action_group_id=raw.get("action_group_id"),
        rotation_period_days=raw.get("rotation_period_days", default(AlertsArgs, "rotation_period_days")),
        dashboard=raw.get("dashboard", default(AlertsArgs, "dashboard")),
        thresholds=thresholds,
    )
    for key, values in (("emails", config.emails), ("webhooks", config.webhooks)):
        if len({v.lower() for v in values}) != len(values):
            problems.add(f"alerts.{key}", "lists one entry twice; list each once")
    if not config.enabled and (config.emails or config.webhooks or config.action_group_id):
        problems.add(
            "alerts.enabled",
            "is false but receivers are configured; remove emails/webhooks/actionGroupId or enable the alerts",
        )
    return config
