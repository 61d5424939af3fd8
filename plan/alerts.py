"""The ALERTS section of the offline plan: each alert rule and the dashboard, read back from the registrations."""

from __future__ import annotations

from plan.offline import Plan

#: Registration type -> what the plan calls it.
KINDS = {
    "azure-native:monitor:ScheduledQueryRule": "log query",
    "azure-native:monitor:MetricAlert": "metric",
    "azure-native:eventgrid:SystemTopicEventSubscription": "Key Vault event",
    "azure-native:applicationinsights:Workbook": "dashboard",
}
RUNBOOK = ". Runbook:"


def alert_rows(plan: Plan) -> list[list[str]]:
    """NAME, KIND, SEVERITY, EVERY/WINDOW, WATCHES for every alert rule and the workbook."""
    rows = []
    for r in plan.registrations:
        kind = KINDS.get(r.type)
        if kind is None:
            continue
        if kind == "dashboard":
            rows.append([r.name, kind, "-", "-", f"workbook '{r.get('displayName')}': per deployment, see README"])
            continue
        if kind == "Key Vault event":
            severity = str(r.get("destination.severity"))
            timing, text = "on event", str(r.get("destination.description"))
        else:
            severity = f"Sev{r.get('severity'):g}"
            timing = f"{r.get('evaluationFrequency')}/{r.get('windowSize')}"
            text = str(r.get("description"))
        rows.append([r.name, kind, severity, timing, text.split(RUNBOOK)[0]])
    return sorted(rows)
