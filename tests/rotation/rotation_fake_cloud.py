"""A local fake of everything the rotation talks to, over real HTTP(S) on 127.0.0.1.

It speaks the Key Vault secrets REST API (with the 401 challenge handshake), the ARM Cognitive Services account
APIs, an Entra ID token endpoint, the Kubernetes API parts the rotation uses, and the containers' /status. The
simulated containers know which key they hold, so tests can assert that no key in use is ever regenerated.
"""

from __future__ import annotations

import base64
import json
import re
import secrets
import socket
import ssl
import sys
import threading
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, unquote, urlparse

from components.catalog import AKS

TENANT = "00000000-0000-0000-0000-00000000cafe"
SUBSCRIPTION = "11111111-2222-3333-4444-555555555555"
RESOURCE_GROUP = "speech-rg"
ACCOUNT = "speech-account"
ACCOUNT_ID = (
    f"/subscriptions/{SUBSCRIPTION}/resourceGroups/{RESOURCE_GROUP}"
    f"/providers/Microsoft.CognitiveServices/accounts/{ACCOUNT}"
)
SECRET_NAME = "speech-api-key"
NAMESPACE = "speech"
KUBE_TOKEN = "kube-test-token"
#: Named deployments and their kinds. On AKS the name is the Deployment's and its Service's (port named `http`,
#: numbered by kind: language identification listens on 5003).
AKS_DEPLOYMENTS = {"en-us": ("speech-to-text", 5000), "lid": ("language-identification", 5003)}
ACI_DEPLOYMENTS = {"en-us": "speech-to-text", "neural-text-to-speech": "neural-text-to-speech"}
#: ACI runs one container group per replica; each holds the key its last deployment injected.
ACI_INSTANCES = {name: [f"{name}-{n}" for n in (1, 2)] for name in ACI_DEPLOYMENTS}
ACI_GROUP_PREFIX = (
    f"/subscriptions/{SUBSCRIPTION}/resourceGroups/{RESOURCE_GROUP}"
    "/providers/Microsoft.ContainerInstance/containerGroups"
)
REQUEST_TIMEOUT_S = 5.0

Json = dict[str, Any]


@dataclass(frozen=True)
class Fault:
    """Fail the `occurrence`-th request to `route` with `status`; `after_effect` applies it first (lost reply)."""

    route: str
    occurrence: int = 1
    status: int = 500
    after_effect: bool = False


@dataclass
class Deployment:
    name: str
    kind: str
    port: int
    pod_key: str
    generation: int = 1
    restart_mark: str | None = None
    rollout_key: str | None = None  # the key of the pods being rolled out
    rollout_polls_left: int = 0


@dataclass
class World:
    """The mutable state of the fake cloud and cluster; every handler holds `lock` while it reads or writes."""

    keys: dict[str, str] = field(default_factory=lambda: {"Key1": _new_key(), "Key2": _new_key()})
    versions: list[Json] = field(default_factory=list)
    synced_value: str = ""
    csi_syncs: bool = True
    sync_polls_left: int = 1
    rollout_polls: int = 1
    deployments: dict[str, Deployment] = field(default_factory=dict)
    aci_instances: dict[str, list[str]] = field(
        default_factory=lambda: {name: list(instances) for name, instances in ACI_INSTANCES.items()}
    )
    aci_keys: dict[str, str] = field(default_factory=dict)
    #: Each group's `speech-key-name` tag, set with its key like the stack does (absent: an older stack's group).
    aci_key_tags: dict[str, str] = field(default_factory=dict)
    #: Instances whose /status answers 503, as a container group that does not come up does.
    starting_aci_instances: set[str] = field(default_factory=set)
    #: How many /status polls a restarted group answers 503 while its model loads, and which are loading.
    restart_polls: int = 1
    restarting: dict[str, int] = field(default_factory=dict)
    #: Deployments whose every group was restarting at once: downtime.
    downtime: list[str] = field(default_factory=list)
    #: `restart <instance>` and `valid <instance>` (a /status answer), in order.
    aci_log: list[str] = field(default_factory=list)
    regenerated: list[str] = field(default_factory=list)
    outages: list[str] = field(default_factory=list)
    every_key_value: set[str] = field(default_factory=set)
    routes: list[str] = field(default_factory=list)
    faults: list[Fault] = field(default_factory=list)
    forbidden_routes: set[str] = field(default_factory=set)
    host: str = "aks"
    account_exists: bool = True
    secret_exists: bool = True
    #: The resource the vault's auth challenge names; None: one that passes the SDK's domain check.
    vault_challenge_resource: str | None = None
    lock: threading.Lock = field(default_factory=threading.Lock)

    def __post_init__(self) -> None:
        self.every_key_value.update(self.keys.values())
        key1 = self.keys["Key1"]
        self.versions.append({"version": "v0", "value": key1, "tags": {"speech-key-name": "Key1"}})
        self.synced_value = key1
        self.aci_keys = {instance: key1 for instances in self.aci_instances.values() for instance in instances}
        self.aci_key_tags = dict.fromkeys(self.aci_keys, "Key1")
        for name, (kind, port) in AKS_DEPLOYMENTS.items():
            self.deployments[name] = Deployment(name=name, kind=kind, port=port, pod_key=key1)

    @property
    def latest(self) -> Json:
        return self.versions[-1]

    @property
    def untouched(self) -> bool:
        """No key, secret version or Deployment changed: a rerun would be a first run."""
        changed = self.regenerated or len(self.versions) > 1 or self.versions[0]["tags"] != {"speech-key-name": "Key1"}
        return not changed and all(deployment.restart_mark is None for deployment in self.deployments.values())

    def keys_in_use(self) -> set[str]:
        if self.host == "aci":
            return set(self.aci_keys.values())
        in_use = set()
        for deployment in self.deployments.values():
            in_use.add(deployment.pod_key)
            if deployment.rollout_key is not None:
                in_use.add(deployment.rollout_key)
        return in_use

    def regenerate(self, key_name: str) -> None:
        old = self.keys[key_name]
        if old in self.keys_in_use():
            self.outages.append(f"{key_name} regenerated while containers used it")
        self.keys[key_name] = _new_key()
        self.every_key_value.add(self.keys[key_name])
        self.regenerated.append(key_name)

    def key_valid(self, value: str) -> bool:
        return value in self.keys.values()

    def take_fault(self, route: str) -> Fault | None:
        self.routes.append(route)
        count = Counter(self.routes)[route]
        for fault in self.faults:
            if fault.route == route and fault.occurrence == count:
                return fault
        return None

    def deploy_aci(self, key_name: str, instances: list[str] | None = None) -> None:
        """Restarts the groups (all, or `instances`) whose key changes, as any env change restarts an ACI group;
        the same update tags each group with the key's name."""
        value = self.keys[key_name]
        for instance in instances or list(self.aci_keys):
            self.aci_key_tags[instance] = key_name
            if self.aci_keys[instance] != value:
                self.aci_keys[instance] = value
                self.restarting[instance] = self.restart_polls
                self.aci_log.append(f"restart {instance}")
        self.downtime.extend(
            name for name, group in self.aci_instances.items() if all(i in self.restarting for i in group)
        )

    def finish_restarts(self) -> None:
        """Every restarting group has loaded its model (what a person waiting for /status sees)."""
        self.restarting.clear()

    def single_replica(self, name: str) -> None:
        for instance in self.aci_instances[name][1:]:
            del self.aci_keys[instance]
            del self.aci_key_tags[instance]
        del self.aci_instances[name][1:]


def _new_key() -> str:
    return secrets.token_hex(16)


class FakeCloudHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: FakeCloudServer

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: the tests assert on behaviour, not on access logs."""

    def setup(self) -> None:
        super().setup()
        self.connection.settimeout(REQUEST_TIMEOUT_S)
        # Headers and body go out in two writes: without this, Nagle's algorithm delays each reply by ~40 ms.
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def do_GET(self) -> None:
        self._dispatch("GET")

    def do_POST(self) -> None:
        self._dispatch("POST")

    def do_PUT(self) -> None:
        self._dispatch("PUT")

    def do_PATCH(self) -> None:
        self._dispatch("PATCH")

    def _dispatch(self, method: str) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        url = urlparse(self.path)
        for route_method, pattern, name, handler in ROUTES:
            match = pattern.fullmatch(unquote(url.path))
            if route_method == method and match:
                request = Request(self, name, match.groupdict(), parse_qs(url.query), body)
                status, reply = self.server.handle(request, handler)
                self._reply(status, reply, request.reply_headers)
                return
        self._reply(404, {"error": {"code": "NoRoute", "message": f"{method} {url.path}"}}, {})

    def _reply(self, status: int, reply: Json | bytes, headers: dict[str, str]) -> None:
        payload = reply if isinstance(reply, bytes) else json.dumps(reply).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        for name, value in headers.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(payload)


@dataclass
class Request:
    handler: FakeCloudHandler
    route: str
    params: dict[str, str]
    query: dict[str, list[str]]
    body: bytes
    reply_headers: dict[str, str] = field(default_factory=dict)

    def json(self) -> Json:
        document: Json = json.loads(self.body or b"{}")
        return document

    def header(self, name: str) -> str:
        return self.handler.headers.get(name) or ""


Handler = Callable[["FakeCloudServer", Request], tuple[int, Json | bytes]]


class FakeCloudServer(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False

    def __init__(self, world: World, tls: ssl.SSLContext | None) -> None:
        super().__init__(("127.0.0.1", 0), FakeCloudHandler)
        if tls is not None:
            self.socket = tls.wrap_socket(self.socket, server_side=True, do_handshake_on_connect=False)
        self.world = world
        self.scheme = "https" if tls is not None else "http"

    def handle_error(self, request: Any, client_address: Any) -> None:
        """Quiet about clients that refuse the certificate: they abort the handshake on purpose."""
        if not isinstance(sys.exc_info()[1], ssl.SSLError | ConnectionError):
            super().handle_error(request, client_address)

    @property
    def vault_challenge_resource(self) -> str:
        # Key Vault checks that the vault's host ends with ".<challenge resource>": "127.0.0.1:<port>" ends with
        # ".0.0.1:<port>", so this challenge passes the SDK's verification as a real vault.azure.net one would.
        return self.world.vault_challenge_resource or f"https://0.0.1:{self.server_address[1]}"

    @property
    def base_url(self) -> str:
        return f"{self.scheme}://127.0.0.1:{self.server_address[1]}"

    def handle(self, request: Request, handler: Handler) -> tuple[int, Json | bytes]:
        with self.world.lock:
            if request.route in self.world.forbidden_routes:
                return 403, _error("Forbidden", f"caller lacks permission for {request.route}")
            fault = self.world.take_fault(request.route)
            if fault is not None and not fault.after_effect:
                return fault.status, _error("InjectedFault", f"injected failure of {request.route}")
            status, reply = handler(self, request)
            if fault is not None:
                return fault.status, _error("InjectedFault", f"injected failure after {request.route}")
            return status, reply


def _error(code: str, message: str) -> Json:
    return {"error": {"code": code, "message": message}}


# ---- Entra ID ---------------------------------------------------------------------------------------------


def openid_configuration(server: FakeCloudServer, request: Request) -> tuple[int, Json]:
    base = f"{server.base_url}/{request.params['tenant']}"
    return 200, {
        "token_endpoint": f"{base}/oauth2/v2.0/token",
        "authorization_endpoint": f"{base}/oauth2/v2.0/authorize",
        "device_authorization_endpoint": f"{base}/oauth2/v2.0/devicecode",
        "issuer": f"{base}/v2.0",
        "tenant_region_scope": None,
    }


def token(server: FakeCloudServer, request: Request) -> tuple[int, Json]:
    form = parse_qs(request.body.decode())
    scope = form.get("scope", [""])[0]
    return 200, {"token_type": "Bearer", "expires_in": 3600, "ext_expires_in": 3600, "access_token": f"t|{scope}"}


# ---- Key Vault ----------------------------------------------------------------------------------------------


def _vault_authorized(server: FakeCloudServer, request: Request) -> bool:
    if request.header("Authorization").startswith("Bearer t|"):
        return True
    request.reply_headers["WWW-Authenticate"] = (
        f'Bearer authorization="{server.base_url}/{TENANT}", resource="{server.vault_challenge_resource}"'
    )
    return False


def _secret_bundle(server: FakeCloudServer, version: Json) -> Json:
    return {
        "value": version["value"],
        "id": f"{server.base_url}/secrets/{SECRET_NAME}/{version['version']}",
        "attributes": {"enabled": True, "created": 1700000000, "updated": 1700000000, "recoveryLevel": "Recoverable"},
        "tags": dict(version["tags"]),
    }


def _secret_missing(name: str) -> tuple[int, Json]:
    return 404, _error("SecretNotFound", f"A secret with (name/id) {name} was not found in this key vault.")


def get_secret(server: FakeCloudServer, request: Request) -> tuple[int, Json]:
    world = server.world
    if not _vault_authorized(server, request):
        return 401, _error("Unauthorized", "AKV10000: Request is missing a Bearer or PoP token.")
    if request.params["name"] != SECRET_NAME or not world.secret_exists:
        return _secret_missing(request.params["name"])
    return 200, _secret_bundle(server, world.latest)


def set_secret(server: FakeCloudServer, request: Request) -> tuple[int, Json]:
    world = server.world
    if not _vault_authorized(server, request):
        return 401, _error("Unauthorized", "AKV10000: Request is missing a Bearer or PoP token.")
    body = request.json()
    world.versions.append({"version": f"v{len(world.versions)}", "value": body["value"], "tags": body.get("tags", {})})
    world.secret_exists = True
    return 200, _secret_bundle(server, world.latest)


def update_secret(server: FakeCloudServer, request: Request) -> tuple[int, Json]:
    world = server.world
    if not _vault_authorized(server, request):
        return 401, _error("Unauthorized", "AKV10000: Request is missing a Bearer or PoP token.")
    matching = [v for v in world.versions if v["version"] == request.params["version"]]
    if request.params["name"] != SECRET_NAME or not matching:
        return _secret_missing(request.params["name"])
    matching[0]["tags"] = request.json().get("tags", {})
    bundle = _secret_bundle(server, matching[0])
    del bundle["value"]
    return 200, bundle


# ---- ARM ----------------------------------------------------------------------------------------------------


def _arm_checked(
    server: FakeCloudServer, request: Request, resource_type: str, exists: bool
) -> tuple[int, Json] | None:
    if request.header("Authorization") != f"Bearer t|{server.base_url}/.default":
        return 401, _error("AuthenticationFailed", "missing or wrong ARM token")
    if request.params["sub"] != SUBSCRIPTION or not exists:
        return 404, _error(
            "ResourceNotFound", f"The Resource '{resource_type}/{request.params['name']}' was not found."
        )
    return None


def _account_checked(server: FakeCloudServer, request: Request) -> tuple[int, Json] | None:
    exists = request.params["name"] == ACCOUNT and server.world.account_exists
    return _arm_checked(server, request, "Microsoft.CognitiveServices/accounts", exists)


def get_account(server: FakeCloudServer, request: Request) -> tuple[int, Json]:
    return _account_checked(server, request) or (
        200,
        {"id": ACCOUNT_ID, "name": ACCOUNT, "kind": "SpeechServices", "location": "westeurope", "properties": {}},
    )


def list_keys(server: FakeCloudServer, request: Request) -> tuple[int, Json]:
    keys = server.world.keys
    return _account_checked(server, request) or (200, {"key1": keys["Key1"], "key2": keys["Key2"]})


def regenerate_key(server: FakeCloudServer, request: Request) -> tuple[int, Json]:
    problem = _account_checked(server, request)
    if problem is not None:
        return problem
    server.world.regenerate(request.json()["keyName"])
    return list_keys(server, request)


# ---- Kubernetes ---------------------------------------------------------------------------------------------


def _kube_checked(request: Request) -> tuple[int, Json] | None:
    if request.header("Authorization") != f"Bearer {KUBE_TOKEN}":
        return 401, {"kind": "Status", "apiVersion": "v1", "status": "Failure", "reason": "Unauthorized", "code": 401}
    if request.params["ns"] != NAMESPACE:
        return 404, {"kind": "Status", "apiVersion": "v1", "status": "Failure", "reason": "NotFound", "code": 404}
    return None


def _advance_rollout(world: World, deployment: Deployment) -> None:
    if deployment.rollout_key is None:
        return
    if deployment.rollout_polls_left > 0:
        deployment.rollout_polls_left -= 1
        return
    deployment.pod_key, deployment.rollout_key = deployment.rollout_key, None


def _deployment_json(deployment: Deployment) -> Json:
    labels = {
        "app.kubernetes.io/part-of": AKS.part_of,
        "app.kubernetes.io/name": deployment.name,
        "app.kubernetes.io/component": deployment.kind,
    }
    rolling = deployment.rollout_key is not None
    annotations = {AKS.restarted_at_annotation: deployment.restart_mark} if deployment.restart_mark else {}
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {
            "name": deployment.name,
            "namespace": NAMESPACE,
            "generation": deployment.generation,
            "labels": labels,
        },
        "spec": {
            "replicas": 2,
            "selector": {"matchLabels": labels},
            "template": {
                "metadata": {"labels": labels, "annotations": annotations},
                "spec": {
                    "containers": [
                        {
                            "name": deployment.name,
                            "ports": [{"name": AKS.service_port_name, "containerPort": deployment.port}],
                        }
                    ]
                },
            },
        },
        "status": {
            "observedGeneration": deployment.generation - 1 if rolling else deployment.generation,
            "replicas": 3 if rolling else 2,
            "updatedReplicas": 1 if rolling else 2,
            "readyReplicas": 2,
            "availableReplicas": 2,
            "conditions": [{"type": "Progressing", "status": "True", "reason": "NewReplicaSetAvailable"}],
        },
    }


def list_deployments(server: FakeCloudServer, request: Request) -> tuple[int, Json]:
    problem = _kube_checked(request)
    if problem is not None:
        return problem
    assert request.query.get("labelSelector") == [f"app.kubernetes.io/part-of={AKS.part_of}"]
    for deployment in server.world.deployments.values():
        _advance_rollout(server.world, deployment)
    items = [_deployment_json(d) for d in server.world.deployments.values()]
    return 200, {"apiVersion": "apps/v1", "kind": "DeploymentList", "metadata": {}, "items": items}


def patch_deployment(server: FakeCloudServer, request: Request) -> tuple[int, Json]:
    problem = _kube_checked(request)
    if problem is not None:
        return problem
    assert request.header("Content-Type") == "application/strategic-merge-patch+json"
    world = server.world
    deployment = world.deployments[request.params["name"]]
    mark = request.json()["spec"]["template"]["metadata"]["annotations"][AKS.restarted_at_annotation]
    if mark != deployment.restart_mark:
        deployment.restart_mark = mark
        deployment.generation += 1
        deployment.rollout_key = world.synced_value
        deployment.rollout_polls_left = world.rollout_polls
    return 200, _deployment_json(deployment)


def read_secret(server: FakeCloudServer, request: Request) -> tuple[int, Json]:
    problem = _kube_checked(request)
    if problem is not None:
        return problem
    world = server.world
    if world.csi_syncs and world.synced_value != world.latest["value"]:
        # The CSI driver syncs on its own schedule: the first read after a change still shows the old value.
        world.sync_polls_left -= 1
        if world.sync_polls_left < 0:
            world.synced_value, world.sync_polls_left = world.latest["value"], 1
    data = {
        AKS.api_key_data_key: base64.b64encode(world.synced_value.encode()).decode(),
        AKS.billing_endpoint_data_key: "aHR0cHM6Ly9iaWxsaW5n",
    }
    return 200, {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": request.params["name"]}, "data": data}


def _status_of(world: World, keys: set[str]) -> Json:
    valid = all(world.key_valid(key) for key in keys)
    return {"apiStatus": "Valid" if valid else "Invalid", "apiStatusMessage": "fake"}


def proxy_status(server: FakeCloudServer, request: Request) -> tuple[int, Json]:
    problem = _kube_checked(request)
    if problem is not None:
        return problem
    deployment = server.world.deployments[request.params["service"]]
    keys = {deployment.pod_key} | ({deployment.rollout_key} if deployment.rollout_key else set())
    return 200, _status_of(server.world, keys)


# ---- ACI containers and the fake Pulumi's deployment --------------------------------------------------------


def aci_status(server: FakeCloudServer, request: Request) -> tuple[int, Json]:
    world, instance = server.world, request.params["instance"]
    loading = world.restarting.pop(instance, 0)
    if loading > 1:
        world.restarting[instance] = loading - 1
    if loading or instance in world.starting_aci_instances:
        return 503, _error("Starting", "the container is starting")
    status = _status_of(world, {world.aci_keys[instance]})
    world.aci_log.append(f"{status['apiStatus'].lower()} {instance}")
    return 200, status


def get_container_group(server: FakeCloudServer, request: Request) -> tuple[int, Json]:
    name, world = request.params["name"], server.world
    assert request.query.get("api-version") == ["2023-05-01"]
    problem = _arm_checked(server, request, "Microsoft.ContainerInstance/containerGroups", name in world.aci_keys)
    tag = world.aci_key_tags.get(name)
    return problem or (
        200,
        {"id": f"{ACI_GROUP_PREFIX}/{name}", "name": name, "tags": {"speech-key-name": tag} if tag else {}},
    )


def aci_deploy(server: FakeCloudServer, request: Request) -> tuple[int, Json]:
    body = request.json()
    server.world.deploy_aci(body["activeKey"], body["instances"])
    return 200, {}


_ARM_ACCOUNT = (
    r"/subscriptions/(?P<sub>[^/]+)/resourceGroups/[^/]+"
    r"/providers/Microsoft\.CognitiveServices/accounts/(?P<name>[^/]+)"
)
_ARM_CONTAINER_GROUP = (
    r"/subscriptions/(?P<sub>[^/]+)/resourceGroups/[^/]+"
    r"/providers/Microsoft\.ContainerInstance/containerGroups/(?P<name>[^/]+)"
)
_KUBE_NS = r"/(?:api|apis/apps)/v1/namespaces/(?P<ns>[^/]+)"
ROUTES: list[tuple[str, re.Pattern[str], str, Handler]] = [
    (method, re.compile(pattern), name, handler)
    for method, pattern, name, handler in (
        ("GET", r"/(?P<tenant>[^/]+)/v2\.0/\.well-known/openid-configuration", "aad.openid", openid_configuration),
        ("POST", r"/(?P<tenant>[^/]+)/oauth2/v2\.0/token", "aad.token", token),
        ("GET", r"/secrets/(?P<name>[^/]+)/?", "kv.get", get_secret),
        ("PUT", r"/secrets/(?P<name>[^/]+)", "kv.set", set_secret),
        ("PATCH", r"/secrets/(?P<name>[^/]+)/(?P<version>[^/]+)", "kv.update", update_secret),
        ("GET", _ARM_ACCOUNT, "arm.get", get_account),
        ("POST", _ARM_ACCOUNT + "/listKeys", "arm.listKeys", list_keys),
        ("POST", _ARM_ACCOUNT + "/regenerateKey", "arm.regenerateKey", regenerate_key),
        ("GET", _ARM_CONTAINER_GROUP, "arm.getContainerGroup", get_container_group),
        ("GET", _KUBE_NS + r"/deployments", "kube.listDeployments", list_deployments),
        ("PATCH", _KUBE_NS + r"/deployments/(?P<name>[^/]+)", "kube.patchDeployment", patch_deployment),
        ("GET", _KUBE_NS + r"/secrets/(?P<name>[^/]+)", "kube.readSecret", read_secret),
        (
            "GET",
            _KUBE_NS + rf"/services/(?P<service>[^/:]+):{AKS.service_port_name}/proxy/status",
            "kube.proxyStatus",
            proxy_status,
        ),
        ("GET", r"/aci/(?P<instance>[^/]+)/status", "aci.status", aci_status),
        ("POST", r"/_fake/aci/deploy", "fake.deploy", aci_deploy),
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
    servers = [FakeCloudServer(world, cloud_tls), FakeCloudServer(world, None), FakeCloudServer(world, containers_tls)]
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
