"""Stopping a Speech pod without cutting its calls: it keeps serving its open streams, takes no new ones, and
stops when the last stream ends or the stream budget is spent.

A terminating pod leaves its Service's endpoints, so new streams go to other pods, but it gets SIGTERM once its
preStop hook returns, and a speech call can last an hour. The hook must so wait until no stream is open. The Speech
images may have no shell (not published), so the waiting runs in a busybox sidecar (a native sidecar: an init
container with `restartPolicy: Always`, which Kubernetes stops after the Speech container): its httpd answers
`/cgi-bin/drain` only when no TCP connection to the Speech port is ESTABLISHED (read from /proc/net/tcp, which
the pod's containers share) or when the budget is spent. The Speech container's preStop is an httpGet of that
page. `terminationGracePeriodSeconds` covers the budget and a margin, so the kubelet never kills it first.
"""

from __future__ import annotations

from typing import Final

import pulumi_kubernetes as k8s

from components import catalog
from components.aks.pods import CONTAINER_SECURITY

DRAIN_PORT: Final = 8099
DRAIN_PATH: Final = "/cgi-bin/drain"
#: Time for the pod's removal from the endpoints to reach every client path before the drain starts counting.
ENDPOINT_DELAY_SECONDS: Final = 10
#: Past the budget: the drain page's answer, then SIGTERM and the container's own shutdown.
SHUTDOWN_MARGIN_SECONDS: Final = 60


def grace_period_seconds(stream_budget_seconds: int) -> int:
    """terminationGracePeriodSeconds: the delay, the budget and the margin, so the drain always finishes first."""
    return ENDPOINT_DELAY_SECONDS + stream_budget_seconds + SHUTDOWN_MARGIN_SECONDS


def drain_script(port: int, stream_budget_seconds: int) -> str:
    """The CGI script: wait while a connection to `port` is ESTABLISHED (state 01), at most the budget."""
    pattern = f"^ *[0-9]+: [0-9A-F]+:{port:04X} [0-9A-F]+:[0-9A-F]+ 01 "
    return (
        "#!/bin/sh\n"
        f"sleep {ENDPOINT_DELAY_SECONDS}\n"
        f"end=$(( $(date +%s) + {stream_budget_seconds} ))\n"
        f"while [ $(date +%s) -lt $end ] && grep -qE '{pattern}' /proc/net/tcp /proc/net/tcp6; do sleep 5; done\n"
        "printf 'Content-Type: text/plain\\r\\n\\r\\ndrained\\n'\n"
    )


def drain_sidecar(port: int, stream_budget_seconds: int) -> k8s.core.v1.ContainerArgsDict:
    """The busybox sidecar serving the drain page on DRAIN_PORT (the network policy admits only Speech ports)."""
    start = (
        'mkdir -p /www/cgi-bin && printf "%s" "$DRAIN_SCRIPT" > /www/cgi-bin/drain && chmod +x /www/cgi-bin/drain'
        f" && exec httpd -f -p {DRAIN_PORT} -h /www"
    )
    return {
        "name": "drain",
        "image": catalog.BUSYBOX_IMAGE,
        "restart_policy": "Always",
        "command": ["/bin/sh", "-c", start],
        "env": [{"name": "DRAIN_SCRIPT", "value": drain_script(port, stream_budget_seconds)}],
        "resources": {
            "requests": {
                "cpu": f"{catalog.POD_SIDECARS.cpu * 1000:g}m",
                "memory": f"{catalog.POD_SIDECARS.memory_gb * 1024:g}Mi",
            },
            "limits": {"memory": "32Mi"},
        },
        "security_context": CONTAINER_SECURITY,
    }


def pre_stop() -> k8s.core.v1.LifecycleArgsDict:
    """The Speech container's hook: returns when the sidecar says its streams are done."""
    return {"pre_stop": {"http_get": {"path": DRAIN_PATH, "port": DRAIN_PORT}}}
