"""The simulated world behind the fake cloud: the account's keys, the vault, the cluster's pods, the ACI groups.

Every running pod and container group knows the key value it holds, so the world can tell when one runs on a key
that no longer works (an outage), whoever caused it. Handlers hold `lock` while they read or write.
"""

from __future__ import annotations

import secrets
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

TENANT = "00000000-0000-0000-0000-00000000cafe"
SUBSCRIPTION = "11111111-2222-3333-4444-555555555555"
RESOURCE_GROUP = "speech-rg"
ACCOUNT = "speech-account"
ACCOUNT_ID = (
    f"/subscriptions/{SUBSCRIPTION}/resourceGroups/{RESOURCE_GROUP}"
    f"/providers/Microsoft.CognitiveServices/accounts/{ACCOUNT}"
)
SECRET_NAME = "speech-api-key"
LEASE_SECRET_NAME = f"{SECRET_NAME}-rotation-lease"
NAMESPACE = "speech"
KUBE_TOKEN = "kube-test-token"
#: Named deployments and their kinds. On AKS the name is the Deployment's; its pods' port named `http` is
#: numbered by kind (language identification listens on 5003).
AKS_DEPLOYMENTS = {"en-us": ("speech-to-text", 5000), "lid": ("language-identification", 5003)}
ACI_DEPLOYMENTS = {"en-us": "speech-to-text", "neural-text-to-speech": "neural-text-to-speech"}
#: ACI runs one container group per replica; each holds the key its last deployment injected.
ACI_INSTANCES = {name: [f"{name}-{n}" for n in (1, 2)] for name in ACI_DEPLOYMENTS}
ACI_GROUP_PREFIX = (
    f"/subscriptions/{SUBSCRIPTION}/resourceGroups/{RESOURCE_GROUP}"
    "/providers/Microsoft.ContainerInstance/containerGroups"
)
#: The cluster's clock starts here and moves 10 s per event, so every pod starts well after the sync before it.
CLUSTER_EPOCH = datetime(2026, 1, 1, tzinfo=UTC)
CLUSTER_TICK_S = 10

Json = dict[str, Any]


def cluster_time(seconds: int) -> str:
    """RFC 3339 at second precision, as Kubernetes writes times."""
    return (CLUSTER_EPOCH + timedelta(seconds=seconds)).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass(frozen=True)
class Fault:
    """Fail the `occurrence`-th request to `route` with `status` (0: drop the connection without answering);
    `after_effect` applies the request first (a lost reply)."""

    route: str
    occurrence: int = 1
    status: int = 500
    after_effect: bool = False


@dataclass
class Pod:
    """A running pod: the key its container read from the synced Secret when it started, and when that was."""

    name: str
    key: str
    started_at: int
    restart_mark: str | None
    #: Its /status cannot reach billing (e.g. egress blocked on its node): apiStatus Invalid whatever its key.
    billing_blocked: bool = False


@dataclass
class Deployment:
    """A Deployment rolling one pod at a time (maxSurge 1, maxUnavailable 0) onto its template's restart mark."""

    name: str
    kind: str
    port: int
    pods: list[Pod] = field(default_factory=list)
    replicas: int = 2
    generation: int = 1
    restart_mark: str | None = None
    polls_left: int = 0

    @property
    def outdated(self) -> list[Pod]:
        return [pod for pod in self.pods if pod.restart_mark != self.restart_mark]


@dataclass
class World:
    keys: dict[str, str] = field(default_factory=lambda: {"Key1": _new_key(), "Key2": _new_key()})
    #: Versions of each vault secret, oldest first: {version, value, tags}.
    secrets: dict[str, list[Json]] = field(default_factory=dict)
    #: Azure Policy "Key Vault secrets should have an expiration date" in Deny: a version without one is refused.
    secrets_must_expire: bool = False
    #: Azure Policy "Secrets should have more than the specified number of days before expiration" in Deny: a
    #: version written (added or updated) with less left is refused.
    secrets_min_days_left: int | None = None
    #: Entra ID refuses every sign-in with this AADSTS description (e.g. no federated credential matches).
    sign_in_refused: str | None = None
    clock: int = 0
    synced_value: str = ""
    synced_at: int = 0
    csi_syncs: bool = True
    sync_polls_left: int = 1
    #: Polls between two pod replacements of a rollout (each replacement is a poll too).
    rollout_polls: int = 0
    deployments: dict[str, Deployment] = field(default_factory=dict)
    pod_count: int = 0
    aci_instances: dict[str, list[str]] = field(
        default_factory=lambda: {name: list(instances) for name, instances in ACI_INSTANCES.items()}
    )
    aci_keys: dict[str, str] = field(default_factory=dict)
    #: Each group's `speech-key-name` tag, set with its key like the stack does (absent: an older stack's group).
    aci_key_tags: dict[str, str] = field(default_factory=dict)
    #: Instances that answer 503 on every path, as a container group that does not come up does.
    starting_aci_instances: set[str] = field(default_factory=set)
    #: Instances whose /status answers bytes that are not HTTP.
    garbage_status: set[str] = field(default_factory=set)
    #: How many readiness polls a restarted group answers 503 while its model loads (its /status answers
    #: meanwhile, as the real containers' may), and which groups are loading.
    restart_polls: int = 1
    restarting: dict[str, int] = field(default_factory=dict)
    #: Deployments whose every group was loading at once: downtime.
    downtime: list[str] = field(default_factory=list)
    #: `restart <instance>`, `ready <instance>` and `valid <instance>` (readiness and /status answers), in order.
    aci_log: list[str] = field(default_factory=list)
    regenerated: list[str] = field(default_factory=list)
    #: A pod or container group found running on a key that no longer works, once per pod or group and key.
    outages: list[str] = field(default_factory=list)
    every_key_value: set[str] = field(default_factory=set)
    routes: list[str] = field(default_factory=list)
    faults: list[Fault] = field(default_factory=list)
    #: The faults that were injected, in order.
    fired: list[Fault] = field(default_factory=list)
    forbidden_routes: set[str] = field(default_factory=set)
    #: Requests to these routes wait until another request to the same route arrives (or a second passes).
    rendezvous: dict[str, threading.Barrier] = field(default_factory=dict)
    host: str = "aks"
    account_exists: bool = True
    secret_exists: bool = True
    #: The resource the vault's auth challenge names; None: one that passes the SDK's domain check.
    vault_challenge_resource: str | None = None
    lock: threading.Lock = field(default_factory=threading.Lock)
    #: The ACI front's gateway (None: the stack has none): each deployment's pool of group IPs, what a PUT of the
    #: gateway must carry as If-Match, how many GETs it stays Updating after a PUT, the statuses (409, 429) the next
    #: PUTs answer before one succeeds, and how long a removed member drains.
    gateway_pools: dict[str, list[str]] | None = None
    gateway_etag: int = 1
    gateway_update_polls: int = 1
    gateway_updating: int = 0
    gateway_rejections: list[int] = field(default_factory=list)
    drain_seconds: float = 0.0
    #: A member another operator adds right after the next read of the gateway (a race on the whole-gateway PUT).
    concurrent_member: str | None = None
    #: When (time.monotonic) each address left its pool; each group's current address (a restart may change it).
    removed_at: dict[str, float] = field(default_factory=dict)
    aci_ips: dict[str, str] = field(default_factory=dict)
    #: Groups that restarted while the gateway still sent them streams (in a pool, or drained too briefly).
    undrained_restarts: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.every_key_value.update(self.keys.values())
        key1 = self.keys["Key1"]
        self.secrets[SECRET_NAME] = [{"version": "v0", "value": key1, "tags": {"speech-key-name": "Key1"}}]
        self.sync_now()
        self.aci_keys = {instance: key1 for instances in self.aci_instances.values() for instance in instances}
        self.aci_key_tags = dict.fromkeys(self.aci_keys, "Key1")
        for name, (kind, port) in AKS_DEPLOYMENTS.items():
            deployment = self.deployments[name] = Deployment(name, kind, port)
            deployment.pods = [self.start_pod(deployment) for _ in range(deployment.replicas)]

    @property
    def versions(self) -> list[Json]:
        return self.secrets[SECRET_NAME]

    @property
    def latest(self) -> Json:
        return self.versions[-1]

    @property
    def pods(self) -> list[Pod]:
        return [pod for deployment in self.deployments.values() for pod in deployment.pods]

    @property
    def untouched(self) -> bool:
        """No key, secret version or Deployment changed: a rerun would be a first run."""
        changed = self.regenerated or len(self.versions) > 1 or self.versions[0]["tags"] != {"speech-key-name": "Key1"}
        return not changed and all(deployment.restart_mark is None for deployment in self.deployments.values())

    def tick(self) -> int:
        self.clock += CLUSTER_TICK_S
        return self.clock

    def sync_now(self) -> None:
        """The CSI driver copies the vault's latest value into the Kubernetes Secret."""
        self.synced_value, self.synced_at = self.latest["value"], self.tick()

    def start_pod(self, deployment: Deployment) -> Pod:
        """A new pod's container reads the synced Secret as it starts."""
        self.pod_count += 1
        return Pod(f"{deployment.name}-{self.pod_count}", self.synced_value, self.tick(), deployment.restart_mark)

    def advance_rollout(self, deployment: Deployment) -> None:
        """One poll of a rollout: now and then a new pod replaces an outdated one."""
        if not deployment.outdated:
            return
        if deployment.polls_left > 0:
            deployment.polls_left -= 1
            return
        deployment.pods.remove(deployment.outdated[0])
        deployment.pods.append(self.start_pod(deployment))
        deployment.polls_left = self.rollout_polls

    def store_out_of_band(self, key_name: str) -> None:
        """What `az keyvault secret set` with the account's key does: a new latest version, tagged only with its key."""
        self.versions.append(
            {"version": f"v{len(self.versions)}", "value": self.keys[key_name], "tags": {"speech-key-name": key_name}}
        )

    def running_keys(self) -> dict[str, str]:
        """What each running pod (AKS) or container group (ACI) holds."""
        if self.host == "aci":
            return dict(self.aci_keys)
        return {pod.name: pod.key for pod in self.pods}

    def audit(self) -> None:
        """Records every pod or group running on an invalidated key (regenerated under it, or started on it)."""
        for name, key in self.running_keys().items():
            event = f"{name} runs on an invalidated key"
            if not self.key_valid(key) and event not in self.outages:
                self.outages.append(event)

    def regenerate(self, key_name: str) -> None:
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
                self.fired.append(fault)
                return fault
        return None

    def deploy_aci(self, key_name: str, instances: list[str] | None = None) -> None:
        """Restarts the groups (all, or `instances`) whose key changes, as any env change restarts an ACI group;
        the same update tags each group with the key's name."""
        value = self.keys[key_name]
        for instance in instances or list(self.aci_keys):
            self.aci_key_tags[instance] = key_name
            if self.aci_keys[instance] != value:
                self._check_drained(instance)
                self.aci_keys[instance] = value
                self.restarting[instance] = self.restart_polls
                self.aci_log.append(f"restart {instance}")
        self.downtime.extend(
            name for name, group in self.aci_instances.items() if all(i in self.restarting for i in group)
        )

    def enable_front(self, drain_seconds: float) -> None:
        """A gateway in front of every group, each group in its deployment's pool."""
        self.drain_seconds = drain_seconds
        self.aci_ips = {instance: f"10.0.0.{n}" for n, instance in enumerate(sorted(self.aci_keys), 10)}
        self.gateway_pools = {
            f"pool-{name}": [self.aci_ips[i] for i in instances] for name, instances in self.aci_instances.items()
        }

    def _check_drained(self, instance: str) -> None:
        """A restart cuts the group's open streams unless the gateway drained it for its full drain time; it
        comes back on a new address, as a restarted ACI group may."""
        if self.gateway_pools is None:
            return
        ip = self.aci_ips[instance]
        removed = self.removed_at.get(ip)
        serving = any(ip in pool for pool in self.gateway_pools.values())
        if serving or removed is None or time.monotonic() - removed < self.drain_seconds:
            self.undrained_restarts.append(instance)
        self.aci_ips[instance] = f"10.0.1.{len(self.aci_log) + 10}"

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
