"""The pack's checks as plain functions: each takes what pulumi-policy gives a resource validation and yields one
message per violation, naming the resource and the fix.

Facts (AVX2 families, minimum sizes, image repositories, the container port) come from `components.catalog`, so
the pack and the program cannot disagree about them.
"""

from __future__ import annotations

import functools
import importlib
import inspect
import re
from collections.abc import Callable, Iterator, Mapping
from typing import Any, Final, Protocol

from components import catalog
from policy.values import at, has_key, mapping, named, quantity, sequence

AGENT_POOL: Final = "azure-native:containerservice:AgentPool"
MANAGED_CLUSTER: Final = "azure-native:containerservice:ManagedCluster"
CONTAINER_GROUP: Final = "azure-native:containerinstance:ContainerGroup"
VAULT: Final = "azure-native:keyvault:Vault"

#: Where each Kubernetes workload kind keeps its pod spec.
POD_SPEC_PATHS: Final[dict[str, tuple[str, ...]]] = {
    **{kind: ("spec", "template", "spec") for kind in ("Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "Job")},
    "CronJob": ("spec", "jobTemplate", "spec", "template", "spec"),
    "Pod": ("spec",),
}
AVX2_HINT: Final = f"an AVX2 size ({', '.join(catalog.AVX2_FAMILY_NAMES)})"
SPEECH_IMAGES: Final = {spec.repository: spec for spec in catalog.CONTAINERS.values()}
API_KEY_SETTING: Final = "ApiKey"

DEFAULT_REQUIRED_TAGS: Final = ("managed-by", "app", "stack")
DEFAULT_TLS_PORTS: Final = (443,)
#: Environments (the `environment` tag) whose vaults may be purged; any other value, or none, counts as prod-like.
DEFAULT_PURGEABLE_ENVIRONMENTS: Final = ("dev", "test")


class ResourceArgs(Protocol):
    """What the checks read from `pulumi_policy.ResourceValidationArgs`."""

    resource_type: str
    name: str
    props: Mapping[str, Any]

    def get_config(self) -> Mapping[str, Any]: ...


Check = Callable[[ResourceArgs], Iterator[str]]


def subject(args: ResourceArgs) -> str:
    return f"{args.resource_type} '{args.name}'"


def azure_type(resource_type: str) -> str:
    """The token without an explicit API version (`azure-native:keyvault/v20230701:Vault` -> `...keyvault:Vault`),
    so pinning an API version does not slip past a check."""
    if not resource_type.startswith("azure-native:"):
        return resource_type
    return re.sub(r"/v[^:]+:", ":", resource_type)


def kubernetes_kind(resource_type: str) -> str | None:
    """`Deployment` for `kubernetes:apps/v1:Deployment`; None for anything not a Kubernetes object."""
    return resource_type.rsplit(":", 1)[-1] if resource_type.startswith("kubernetes:") else None


def _config_list(args: ResourceArgs, key: str, default: tuple[Any, ...]) -> tuple[Any, ...]:
    configured = args.get_config().get(key)
    return tuple(sequence(configured)) if configured is not None else default


# --- AVX2 ----------------------------------------------------------------------------------------------------


def avx2_node_pools(args: ResourceArgs) -> Iterator[str]:
    """Speech containers do not start without AVX2: every AKS pool, separate or inline, must be an AVX2 size."""
    kind = azure_type(args.resource_type)
    if kind == AGENT_POOL:
        pools = [(at(args.props, "agentPoolName") or args.name, args.props)]
    elif kind == MANAGED_CLUSTER:
        pools = [(at(p, "name"), mapping(p)) for p in sequence(at(args.props, "agentPoolProfiles"))]
    else:
        return
    for pool_name, pool in pools:
        size = at(pool, "vmSize")
        if not size:
            yield (
                f"{subject(args)}: node pool '{pool_name}' sets no vmSize, so Azure picks one that may lack AVX2; "
                f"set {AVX2_HINT}"
            )
            continue
        try:
            catalog.vm_size(str(size))
        except catalog.UnknownVmSizeError as error:
            yield (
                f"{subject(args)}: node pool '{pool_name}' uses {error}; choose {AVX2_HINT}, e.g. with "
                "aks.pool.vmSize or aks.cluster.systemVmSize"
            )


# --- Speech container sizes ----------------------------------------------------------------------------------


def image_repository(image: str) -> str:
    """`registry/path/name` of an image reference, without its tag or digest."""
    name = image.split("@", 1)[0]
    return name.rsplit(":", 1)[0] if ":" in name.rsplit("/", 1)[-1] else name


def _speech_spec(container: Mapping[str, Any]) -> catalog.ContainerSpec | None:
    return SPEECH_IMAGES.get(image_repository(str(at(container, "image") or "")))


def _size_message(args: ResourceArgs, container: Mapping[str, Any], spec: catalog.ContainerSpec, got: str) -> str:
    minimum = spec.minimum
    return (
        f"{subject(args)}: container '{at(container, 'name')}' runs {spec.kind} with {got}, below its minimum of "
        f"{minimum.cpu:g} cores / {minimum.memory_gb:g} GB (WebSocket 1011 errors and OOM kills follow); "
        f"raise containers.{spec.kind}.cpu / memoryGb"
    )


def _aci_sizes(args: ResourceArgs) -> Iterator[str]:
    for container in sequence(at(args.props, "containers")):
        spec = _speech_spec(container)
        if spec is None:
            continue
        requests = at(container, "resources", "requests")
        cpu, memory = quantity(at(requests, "cpu")) or 0.0, quantity(at(requests, "memoryInGB")) or 0.0
        if not spec.minimum.fits_in(catalog.Size(cpu, memory)):
            yield _size_message(args, container, spec, f"{cpu:g} cores / {memory:g} GB requested")


def _kubernetes_amount(resources: Mapping[str, Any], name: str, unit: float) -> float:
    """The smaller of request (defaulted from the limit, as Kubernetes does) and limit, in `unit`s."""
    request = quantity(at(resources, "requests", name))
    limit = quantity(at(resources, "limits", name))
    amounts = [a for a in (request if request is not None else limit, limit) if a is not None]
    return min(amounts) / unit if amounts else 0.0


def _kubernetes_sizes(args: ResourceArgs, pod: Mapping[str, Any]) -> Iterator[str]:
    for container in sequence(at(pod, "containers")):
        spec = _speech_spec(container)
        if spec is None:
            continue
        resources = mapping(at(container, "resources"))
        cpu = _kubernetes_amount(resources, "cpu", 1.0)
        memory = _kubernetes_amount(resources, "memory", 1024.0**3)
        if not spec.minimum.fits_in(catalog.Size(cpu, memory)):
            yield _size_message(args, container, spec, f"{cpu:g} cores / {memory:g} Gi (request or limit)")


def pod_spec(args: ResourceArgs) -> Mapping[str, Any] | None:
    kind = kubernetes_kind(args.resource_type)
    path = POD_SPEC_PATHS.get(kind or "")
    return mapping(at(args.props, *path)) if path else None


def speech_container_sizes(args: ResourceArgs) -> Iterator[str]:
    """Below the documented minimum the Speech containers fail under load, so no container may ask for less."""
    if azure_type(args.resource_type) == CONTAINER_GROUP:
        yield from _aci_sizes(args)
    elif (pod := pod_spec(args)) is not None:
        yield from _kubernetes_sizes(args, pod)


# --- ApiKey only from secrets --------------------------------------------------------------------------------


def api_key_from_secret(args: ResourceArgs) -> Iterator[str]:
    """The key must never be a plain value: ACI returns `value` from its API, Kubernetes shows it in the manifest."""
    if azure_type(args.resource_type) == CONTAINER_GROUP:
        for container in [*sequence(at(args.props, "initContainers")), *sequence(at(args.props, "containers"))]:
            for setting in named(at(container, "environmentVariables"), API_KEY_SETTING):
                if has_key(setting, "value") or not has_key(setting, "secureValue"):
                    yield (
                        f"{subject(args)}: container '{at(container, 'name')}' must set {API_KEY_SETTING} with "
                        "secureValue (never returned by the ACI API), not value"
                    )
    elif (pod := pod_spec(args)) is not None:
        for container in [*sequence(at(pod, "initContainers")), *sequence(at(pod, "containers"))]:
            for setting in named(at(container, "env"), API_KEY_SETTING):
                if has_key(setting, "value") or at(setting, "valueFrom", "secretKeyRef") is None:
                    yield (
                        f"{subject(args)}: container '{at(container, 'name')}' must read {API_KEY_SETTING} from a "
                        "Secret (valueFrom.secretKeyRef, e.g. the Key Vault-synced speech-credentials), not value"
                    )


# --- Key Vault -----------------------------------------------------------------------------------------------


def key_vault_protection(args: ResourceArgs) -> Iterator[str]:
    """Access policies bypass Azure RBAC, and a purgeable vault loses the key for good: prod-like vaults need both.

    Prod-like means the vault's `environment` tag is not one of `purgeableEnvironments` (untagged vaults count).
    """
    if azure_type(args.resource_type) != VAULT:
        return
    properties = mapping(at(args.props, "properties"))
    if at(properties, "enableRbacAuthorization") is not True:
        yield (
            f"{subject(args)}: set properties.enableRbacAuthorization to true; access policies bypass Azure RBAC "
            "and its audit trail"
        )
    environment = str(at(args.props, "tags", "environment") or "")
    purgeable = {str(e).lower() for e in _config_list(args, "purgeableEnvironments", DEFAULT_PURGEABLE_ENVIRONMENTS)}
    if environment.lower() not in purgeable and at(properties, "enablePurgeProtection") is not True:
        yield (
            f"{subject(args)}: environment '{environment or 'untagged'}' is prod-like (purgeable: "
            f"{', '.join(sorted(purgeable)) or 'none'}), so set properties.enablePurgeProtection to true "
            "(stack config keyVault.purgeProtection: true)"
        )


# --- No public endpoint without TLS --------------------------------------------------------------------------


def _aci_public_ports(args: ResourceArgs) -> Iterator[str]:
    address = mapping(at(args.props, "ipAddress"))
    if str(at(address, "type") or "").lower() != "public":
        return
    tls_ports = {int(p) for p in _config_list(args, "tlsPorts", DEFAULT_TLS_PORTS)}
    ports = {int(p) for p in (quantity(at(port, "port")) for port in sequence(at(address, "ports"))) if p}
    if plain := sorted(ports - tls_ports):
        yield (
            f"{subject(args)}: public IP exposes port(s) {', '.join(map(str, plain))} but only TLS port(s) "
            f"{', '.join(map(str, sorted(tls_ports)))} may be public; put a TLS sidecar in front of "
            "the Speech container or use a private subnet (aci.subnetId)"
        )


def _load_balancer_ports(args: ResourceArgs) -> Iterator[str]:
    if at(args.props, "spec", "type") != "LoadBalancer":
        return
    for port in sequence(at(args.props, "spec", "ports")):
        plain = sorted(
            int(p)
            for p in (quantity(at(port, "port")), quantity(at(port, "targetPort")))
            if p in catalog.CONTAINER_PORTS
        )
        if plain:
            yield (
                f"{subject(args)}: a LoadBalancer Service exposes the containers' plain port "
                f"{plain[0]}; use a ClusterIP Service behind an Ingress with tls"
            )


def _ingress_tls(args: ResourceArgs) -> Iterator[str]:
    tls = sequence(at(args.props, "spec", "tls"))
    if not tls:
        yield f"{subject(args)}: an Ingress must terminate TLS; add spec.tls with a certificate Secret"
        return
    covered = {str(host) for entry in tls for host in sequence(at(entry, "hosts"))}
    hosts = {str(at(rule, "host")) for rule in sequence(at(args.props, "spec", "rules")) if at(rule, "host")}
    if missing := sorted(hosts - covered):
        yield f"{subject(args)}: host(s) {', '.join(missing)} have no spec.tls entry; add them to spec.tls[].hosts"


def no_public_endpoint_without_tls(args: ResourceArgs) -> Iterator[str]:
    """The containers speak plain HTTP/WS with no authentication: anything reachable from outside must be TLS."""
    kind = kubernetes_kind(args.resource_type)
    if azure_type(args.resource_type) == CONTAINER_GROUP:
        yield from _aci_public_ports(args)
    elif kind == "Service":
        yield from _load_balancer_ports(args)
    elif kind == "Ingress":
        yield from _ingress_tls(args)


# --- Required tags -------------------------------------------------------------------------------------------


@functools.cache
def sdk_takes_tags(resource_type: str) -> bool | None:
    """Whether the ARM resource accepts tags, read from the azure-native SDK's `<Kind>Args` (so no list of
    taggable types to keep up to date); None when this SDK does not know the type."""
    _, module, kind = resource_type.split(":")
    try:
        sdk = importlib.import_module(f"pulumi_azure_native.{module.replace('/', '.')}")
    except ImportError:
        return None
    args_class = getattr(sdk, f"{kind}Args", None)
    return None if args_class is None else "tags" in inspect.signature(args_class.__init__).parameters


def required_tags(args: ResourceArgs) -> Iterator[str]:
    """Cost reports and clean-up find resources by tag; every taggable Azure resource carries the required ones."""
    if not args.resource_type.startswith("azure-native:"):
        return
    taggable = sdk_takes_tags(args.resource_type)
    if not (has_key(args.props, "tags") if taggable is None else taggable):
        return
    tags = mapping(at(args.props, "tags"))
    required = _config_list(args, "requiredTags", DEFAULT_REQUIRED_TAGS)
    if missing := [str(tag) for tag in required if not at(tags, str(tag))]:
        yield (
            f"{subject(args)}: missing tag(s) {', '.join(missing)}; pass the stack's common tags "
            f"({', '.join(map(str, required))}) to this resource"
        )
