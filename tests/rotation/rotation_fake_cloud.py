"""A local fake of everything the rotation talks to, over real HTTP(S) on 127.0.0.1.

It speaks the Key Vault secrets REST API (with the 401 challenge handshake), the ARM Cognitive Services account and
container group APIs, an Entra ID token endpoint, the Kubernetes API parts the rotation uses, and the containers'
/status and readiness paths. The simulated pods and container groups know which key they hold, so the world records
every one that runs on an invalidated key (`World.outages`), and two rotations can run against it at once.
"""

from __future__ import annotations

import re
import ssl
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from tests.rotation import fake_azure, fake_kube
from tests.rotation.fake_http import REQUEST_TIMEOUT_S, FakeCloudServer, Route
from tests.rotation.fake_world import (
    ACCOUNT_ID,
    ACI_DEPLOYMENTS,
    ACI_GROUP_PREFIX,
    KUBE_TOKEN,
    LEASE_SECRET_NAME,
    NAMESPACE,
    SECRET_NAME,
    TENANT,
    Fault,
    World,
)

__all__ = [
    "ACCOUNT_ID",
    "ACI_DEPLOYMENTS",
    "ACI_GROUP_PREFIX",
    "KUBE_TOKEN",
    "LEASE_SECRET_NAME",
    "NAMESPACE",
    "SECRET_NAME",
    "TENANT",
    "FakeCloudServer",
    "FakeServers",
    "Fault",
    "World",
    "running",
]

_ARM_ACCOUNT = (
    r"/subscriptions/(?P<sub>[^/]+)/resourceGroups/[^/]+"
    r"/providers/Microsoft\.CognitiveServices/accounts/(?P<name>[^/]+)"
)
_ARM_CONTAINER_GROUP = (
    r"/subscriptions/(?P<sub>[^/]+)/resourceGroups/[^/]+"
    r"/providers/Microsoft\.ContainerInstance/containerGroups/(?P<name>[^/]+)"
)
_ARM_GATEWAY = (
    r"/subscriptions/(?P<sub>[^/]+)/resourceGroups/[^/]+"
    r"/providers/Microsoft\.Network/applicationGateways/(?P<name>[^/]+)"
)
_KUBE_NS = r"/(?:api|apis/apps)/v1/namespaces/(?P<ns>[^/]+)"
#: The lease secret's requests are routes of their own, so tests can fail them apart from the key's secret.
_LEASE = rf"/secrets/(?P<name>{LEASE_SECRET_NAME})"
ROUTES: list[Route] = [
    (method, re.compile(pattern), name, handler)
    for method, pattern, name, handler in (
        (
            "GET",
            r"/(?P<tenant>[^/]+)/v2\.0/\.well-known/openid-configuration",
            "aad.openid",
            fake_azure.openid_configuration,
        ),
        ("POST", r"/(?P<tenant>[^/]+)/oauth2/v2\.0/token", "aad.token", fake_azure.token),
        ("PUT", _LEASE, "lease.set", fake_azure.set_secret),
        ("GET", _LEASE + r"/versions", "lease.list", fake_azure.list_secret_versions),
        ("PATCH", _LEASE + r"/(?P<version>[^/]+)", "lease.update", fake_azure.update_secret),
        ("GET", r"/secrets/(?P<name>[^/]+)/?", "kv.get", fake_azure.get_secret),
        ("PUT", r"/secrets/(?P<name>[^/]+)", "kv.set", fake_azure.set_secret),
        ("PATCH", r"/secrets/(?P<name>[^/]+)/(?P<version>[^/]+)", "kv.update", fake_azure.update_secret),
        ("GET", _ARM_ACCOUNT, "arm.get", fake_azure.get_account),
        ("POST", _ARM_ACCOUNT + "/listKeys", "arm.listKeys", fake_azure.list_keys),
        ("POST", _ARM_ACCOUNT + "/regenerateKey", "arm.regenerateKey", fake_azure.regenerate_key),
        ("GET", _ARM_CONTAINER_GROUP, "arm.getContainerGroup", fake_azure.get_container_group),
        ("GET", _ARM_GATEWAY, "arm.getGateway", fake_azure.get_gateway),
        ("PUT", _ARM_GATEWAY, "arm.putGateway", fake_azure.put_gateway),
        ("GET", _KUBE_NS + r"/deployments", "kube.listDeployments", fake_kube.list_deployments),
        ("PATCH", _KUBE_NS + r"/deployments/(?P<name>[^/]+)", "kube.patchDeployment", fake_kube.patch_deployment),
        ("GET", _KUBE_NS + r"/pods", "kube.listPods", fake_kube.list_pods),
        ("GET", _KUBE_NS + r"/secrets/(?P<name>[^/]+)", "kube.readSecret", fake_kube.read_secret),
        (
            "GET",
            _KUBE_NS + r"/pods/(?P<pod>[^/:]+):(?P<port>[^/]+)/proxy/status",
            "kube.podProxyStatus",
            fake_kube.pod_proxy_status,
        ),
        ("GET", r"/aci/(?P<instance>[^/]+)/status", "aci.status", fake_azure.aci_status),
        ("GET", r"/aci/(?P<instance>[^/]+)(?P<path>/ready|/synthesize/health)", "aci.ready", fake_azure.aci_ready),
        ("POST", r"/_fake/aci/deploy", "fake.deploy", fake_azure.aci_deploy),
    )
]


@dataclass(frozen=True)
class FakeServers:
    """The fake cloud, plus the ACI containers' /status over plain HTTP and behind TLS; all serve one World."""

    cloud: FakeCloudServer
    containers: FakeCloudServer
    tls_containers: FakeCloudServer

    def serve(self, world: World) -> None:
        for server in (self.cloud, self.containers, self.tls_containers):
            server.world = world


@contextmanager
def running(cloud_tls: ssl.SSLContext, containers_tls: ssl.SSLContext) -> Iterator[FakeServers]:
    """Serves on daemon threads until the block ends; tests give the servers a fresh World each."""
    world = World()
    servers = [FakeCloudServer(world, tls, ROUTES) for tls in (cloud_tls, None, containers_tls)]
    threads = [
        threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True) for server in servers
    ]
    for thread in threads:
        thread.start()
    try:
        yield FakeServers(*servers)
    finally:
        for server, thread in zip(servers, threads, strict=True):
            server.shutdown()
            server.server_close()
            thread.join(timeout=REQUEST_TIMEOUT_S)
