"""The `alerts` args of `SpeechContainersArgs` (re-exported by components/args.py, which keeps every public input
type importable from one place; this module only keeps args.py within the 400-line limit).

No `from __future__ import annotations` here: Pulumi's schema inference reads the annotations as objects.
"""

from typing import TypedDict


class AlertThresholdsArgs(TypedDict, total=False):
    """When the alerts fire (each has a default; see the README's runbook)."""

    billing_failures: int
    """Billing errors in the containers' logs tolerated in 15 minutes (default 0: the first one alerts)."""
    restarts: int
    """Container restarts tolerated in an hour (default 1); an OOM kill always alerts."""
    unready_minutes: int
    """Minutes a replica may stay unready (default: the kind's startup budget, 20; 80 with a custom model)."""
    at_max_minutes: int
    """Minutes the autoscaler (HPA) or the node pool may stay at its maximum (default 30)."""
    certificate_days: int
    """Days before a TLS certificate expires that the alert fires (default 30)."""


class AlertsArgs(TypedDict, total=False):
    """Alerts on the containers, the billing path, the key and the certificates, and a dashboard (a workbook)."""

    enabled: bool
    """Create the alert rules (default true); false removes them, and the dashboard with them."""
    emails: list[str]
    """Email addresses the stack's action group notifies."""
    webhooks: list[str]
    """HTTPS URLs the stack's action group calls (common alert schema)."""
    action_group_id: str
    """An existing action group's resource id, notified as well (or instead, without emails and webhooks)."""
    rotation_period_days: int
    """The key-age alert fires when the key the stack last deployed is older than this (default 90)."""
    dashboard: bool
    """Deploy the workbook (default true)."""
    thresholds: AlertThresholdsArgs
