"""The plan's GATEWAY section: what each host routes to, how long a stream may last, how the backend is probed, and
the DNS record that points the host at the gateway."""

from __future__ import annotations

from plan.offline import Plan

ROUTE = "kubernetes:gateway.networking.k8s.io/v1:HTTPRoute"
HEALTH = "kubernetes:alb.networking.azure.io/v1:HealthCheckPolicy"
RECORD = "azure-native:dns:RecordSet"


def gateway_rows(plan: Plan) -> list[list[str]]:
    """One row per HTTPRoute: host, backend Service:port, request timeout, health probe path, CNAME."""
    probes = {h.get("spec.targetRef.name"): h.get("spec.default.http.path") for h in plan.of_type(HEALTH)}
    records = {
        f"{r.get('relativeRecordSetName')}.{r.get('zoneName')}": f"CNAME {r.get('cnameRecord.cname')}"
        for r in plan.of_type(RECORD)
    }
    rows = []
    for route in plan.of_type(ROUTE):
        name = str(route.get("metadata.name"))
        (host,) = route.get("spec.hostnames")
        backend = route.get("spec.rules.0.backendRefs.0")
        rows.append(
            [
                host,
                f"{backend['name']}:{backend['port']:g}",
                str(route.get("spec.rules.0.timeouts.request") or "60s (AGC default)"),
                str(probes.get(name, "-")),
                records.get(host, "- (no dnsZoneId: point it at gatewayAddress yourself)"),
            ]
        )
    return rows
