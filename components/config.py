"""Stack config -> frozen typed objects, validated once, before any resource is registered.

Every problem is reported with the config key that holds it and what is allowed, all at once, as a
`ConfigError` (a `pulumi.RunError`, so Pulumi prints the message without a Python traceback).
"""

from __future__ import annotations

import ipaddress
import json
import math
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Final, TypeVar, cast

import pulumi
from pulumi.runtime import config as pulumi_runtime_config

from components import catalog, sizing
from components.catalog import ContainerSpec, Kind, Size, VmSize

NAMESPACE: Final = "speech-containers"
#: Top-level keys of the namespace; anything else is a typo worth reporting.
TOP_LEVEL_KEYS: Final = (
    "eula",
    "host",
    "location",
    "resourceGroupName",
    "tags",
    "speech",
    "keyVault",
    "containers",
    "logAnalytics",
    "privateEndpoints",
    "preflight",
    "aci",
    "aks",
)

T = TypeVar("T")


class ConfigError(pulumi.RunError):
    """Invalid stack config; the message lists every problem with its key."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        lines = "\n".join(f"  - {NAMESPACE}:{p}" for p in problems)
        super().__init__(f"Invalid stack configuration ({len(problems)} problem(s)):\n{lines}")


class Host(StrEnum):
    ACI = "aci"
    AKS = "aks"


class KeyName(StrEnum):
    """The two keys of a Speech resource, spelled as ARM's regenerateKey expects them."""

    KEY1 = "Key1"
    KEY2 = "Key2"


class PrincipalType(StrEnum):
    USER = "User"
    GROUP = "Group"
    SERVICE_PRINCIPAL = "ServicePrincipal"


@dataclass(frozen=True)
class Principal:
    """An Entra ID object that is granted a role (object id, and its type so ARM need not look it up)."""

    object_id: str
    type: PrincipalType


@dataclass(frozen=True)
class NetworkRules:
    """Public network access and the IP ranges allowed through it (deny by default when ranges are given)."""

    public_access: bool
    allowed_ip_ranges: tuple[str, ...]


@dataclass(frozen=True)
class SpeechConfig:
    sku: str
    account_name: str | None
    custom_subdomain: str | None
    network: NetworkRules
    #: The key the stack injects where it must (ACI env, the vault secret's first version); rotation flips it.
    active_key: KeyName


@dataclass(frozen=True)
class KeyVaultConfig:
    name: str | None
    purge_protection: bool
    soft_delete_retention_days: int
    network: NetworkRules
    api_key_secret_name: str
    billing_endpoint_secret_name: str
    #: Read the secrets (Key Vault Secrets User).
    secret_readers: tuple[Principal, ...]
    #: Run key rotation (Key Vault Secrets Officer on the vault, Cognitive Services Contributor on the account).
    rotation_operators: tuple[Principal, ...]


@dataclass(frozen=True)
class ContainerConfig:
    kind: Kind
    tag: str
    replicas: int
    max_replicas: int
    size: Size
    model_id: str | None
    model_storage_gb: int
    decoder_max_count: int | None
    env: tuple[tuple[str, str], ...]
    #: `sha256:...`: pins the image so a re-pushed tag cannot change what runs.
    digest: str | None = None
    #: The `env` values came from secret config (`pulumi config set --secret`), so hosts keep them secret.
    env_secret: bool = False

    @property
    def spec(self) -> ContainerSpec:
        return catalog.CONTAINERS[self.kind]

    @property
    def image(self) -> str:
        image = self.spec.image(self.tag)
        return f"{image}@{self.digest}" if self.digest else image


class TlsMode(StrEnum):
    """How ACI groups terminate TLS: a generated self-signed certificate, yours, or none (private groups only)."""

    SELF_SIGNED = "self-signed"
    CERTIFICATE = "certificate"
    NONE = "none"


@dataclass(frozen=True)
class AciTlsConfig:
    mode: TlsMode
    #: PEM, from secret config (`pulumi config set --secret --path aci.tls.certificate < cert.pem`).
    certificate_pem: str | None
    private_key_pem: str | None
    proxy_image: str


@dataclass(frozen=True)
class AciConfig:
    dns_name_label_prefix: str | None
    subnet_id: str | None
    restart_policy: str
    regional_core_quota: int
    tls: AciTlsConfig

    def dns_label(self, kind: Kind, replica: int) -> str | None:
        """The public DNS label of one replica's group (`<prefix>-<kind>-<replica>`), if the groups have labels."""
        return f"{self.dns_name_label_prefix}-{kind}-{replica}" if self.dns_name_label_prefix else None


@dataclass(frozen=True)
class LogAnalyticsConfig:
    """An existing workspace to use, or the retention of the one the stack creates."""

    workspace_id: str | None
    retention_days: int


@dataclass(frozen=True)
class ExistingCluster:
    name: str
    resource_group_name: str


@dataclass(frozen=True)
class NewCluster:
    kubernetes_version: str | None
    sku_tier: str
    system_vm_size: str
    system_node_count: int
    secret_rotation_poll_interval: str
    #: API server reachable only inside the VNet (private cluster).
    private_api_server: bool
    #: With a public API server: the only source ranges it accepts (empty: any).
    api_server_authorized_ip_ranges: tuple[str, ...]


@dataclass(frozen=True)
class NodePoolConfig:
    name: str
    vm_size: VmSize
    min_count: int
    max_count: int
    zones: tuple[str, ...]
    os_disk_size_gb: int
    #: Why this size and count, shown by the offline plan.
    sizing_reason: str


@dataclass(frozen=True)
class IngressConfig:
    """HTTPS/WSS in front of the Services: `<kind>.<domain>`, certificate from the stack's Key Vault."""

    domain: str
    #: A Key Vault certificate (in the stack's vault) covering `*.<domain>`.
    certificate_name: str
    #: An internal load balancer (VNet only) instead of a public one.
    internal: bool


@dataclass(frozen=True)
class AksConfig:
    existing_cluster: ExistingCluster | None
    new_cluster: NewCluster | None
    pool: NodePoolConfig
    namespace: str
    ingress: IngressConfig | None


@dataclass(frozen=True)
class PrivateEndpointsConfig:
    """Private endpoints for the Speech account and the vault in this subnet, optionally with DNS zone groups."""

    subnet_id: str
    speech_dns_zone_id: str | None
    vault_dns_zone_id: str | None


@dataclass(frozen=True)
class StackConfig:
    eula_accepted: bool
    host: Host
    location: str
    resource_group_name: str | None
    tags: tuple[tuple[str, str], ...]
    speech: SpeechConfig
    key_vault: KeyVaultConfig
    containers: tuple[ContainerConfig, ...]
    log_analytics: LogAnalyticsConfig
    private_endpoints: PrivateEndpointsConfig | None
    #: Run the diagnostic container once to check billing connectivity before relying on the containers.
    preflight: bool
    aci: AciConfig | None
    aks: AksConfig | None


def _shown(value: Any, secret: bool) -> str:
    """How a bad value appears in an error: never, for secrets (errors end up in CI logs)."""
    return "(a secret value, not shown)" if secret else repr(value)


class _Reader:
    """Reads one mapping of raw config, tracking the key path and collecting problems instead of raising."""

    def __init__(self, raw: Any, path: str, problems: list[str]) -> None:
        self.path = path
        self.problems = problems
        if raw is None:
            raw = {}
        if not isinstance(raw, Mapping):
            self.fail(f"must be an object, got {type(raw).__name__}")
            raw = {}
        self.raw: Mapping[str, Any] = raw

    def key(self, name: str) -> str:
        return f"{self.path}.{name}" if self.path else name

    def fail(self, message: str, name: str | None = None) -> None:
        self.problems.append(f"{self.key(name) if name else self.path}: {message}")

    def only(self, allowed: tuple[str, ...]) -> None:
        for name in self.raw:
            if name not in allowed:
                self.fail(f"unknown key; allowed keys: {', '.join(allowed)}", name)

    def child(self, name: str) -> _Reader:
        return _Reader(self.raw.get(name), self.key(name), self.problems)

    def _typed(self, name: str, default: T, kind: type | tuple[type, ...], label: str, secret: bool = False) -> T:
        value: Any = self.raw.get(name, default)
        if value is None or isinstance(value, bool) != (kind is bool) or not isinstance(value, kind):
            if value is not default:
                self.fail(f"must be {label}, got {_shown(value, secret)}", name)
            return default
        return cast(T, value)

    def string(
        self,
        name: str,
        default: str | None = None,
        pattern: str | None = None,
        hint: str = "",
        secret: bool = False,
    ) -> str | None:
        value = self._typed(name, default, str, "a string", secret)
        if value is not None and pattern and not re.fullmatch(pattern, value):
            self.fail(f"{_shown(value, secret)} is not allowed; {hint or 'expected ' + pattern}", name)
            return default
        return value

    def choice(self, name: str, choices: tuple[str, ...], default: str | None) -> str | None:
        value = self.raw.get(name, default)
        if value is not None and value not in choices:
            self.fail(f"{value!r} is not allowed; allowed: {', '.join(choices)}", name)
            return default
        return value  # type: ignore[no-any-return]

    def boolean(self, name: str, default: bool) -> bool:
        return self._typed(name, default, bool, "true or false")

    def integer(self, name: str, default: int, low: int, high: int) -> int:
        value = self._typed(name, default, int, f"a whole number from {low} to {high}")
        if not low <= value <= high:
            self.fail(f"{value} is out of range; allowed: {low} to {high}", name)
            return default
        return value

    def number(self, name: str, default: float, low: float, high: float, unit: str, why: str = "") -> float:
        value = self._typed(name, default, (int, float), f"a number of {unit}")
        if not low <= value <= high:
            allowed = f"at least {low:g}" if high == math.inf else f"{low:g} to {high:g}"
            self.fail(f"{value} {unit} is out of range; allowed: {allowed} {unit}{why}", name)
            return default
        return float(value)

    def strings(self, name: str, pattern: str, hint: str) -> tuple[str, ...]:
        values: list[Any] = self._typed(name, [], list, "a list of strings")
        good = []
        for i, value in enumerate(values):
            if isinstance(value, str) and re.fullmatch(pattern, value):
                good.append(value)
            else:
                self.fail(f"{value!r} is not allowed; {hint}", f"{name}[{i}]")
        return tuple(good)

    def ipv4_ranges(self, name: str) -> tuple[str, ...]:
        """IPv4 addresses or CIDR ranges, checked as networks (`999.1.1.1/99` is not one)."""
        values: list[Any] = self._typed(name, [], list, "a list of IPv4 addresses or CIDR ranges")
        good = []
        for i, value in enumerate(values):
            try:
                valid = isinstance(value, str) and ipaddress.ip_network(value, strict=False).version == 4
            except ValueError:
                valid = False
            if valid:
                good.append(value)
            else:
                self.fail(f"{value!r} is not allowed; expected an IPv4 address or CIDR range", f"{name}[{i}]")
        return tuple(good)

    def items(self, name: str) -> Iterator[tuple[str, _Reader]]:
        value: Mapping[str, Any] = self._typed(name, {}, Mapping, "an object")
        for key in value:
            yield key, self.child(name).child(key)

    def objects(self, name: str) -> Iterator[_Reader]:
        values: list[Any] = self._typed(name, [], list, "a list of objects")
        for i, value in enumerate(values):
            yield _Reader(value, f"{self.key(name)}[{i}]", self.problems)


_GUID: Final = r"[0-9a-fA-F]{8}-([0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}"
_ARM_ID: Final = r"/subscriptions/[^/]+/resourceGroups/[^/]+/providers/.+"
_DNS_LABEL: Final = r"[a-z][a-z0-9-]{1,40}[a-z0-9]"
DNS_LABEL_MAX: Final = 63
_SECRET_NAME: Final = r"[0-9a-zA-Z-]{1,127}"
_K8S_NAME: Final = r"[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?"
_ENV_NAME: Final = r"[A-Za-z_][A-Za-z0-9_]*"


def _network(r: _Reader, default_public: bool) -> NetworkRules:
    return NetworkRules(
        public_access=r.boolean("publicNetworkAccess", default_public),
        allowed_ip_ranges=r.ipv4_ranges("allowedIpRanges"),
    )


def _principals(r: _Reader, name: str) -> tuple[Principal, ...]:
    found = []
    for p in r.objects(name):
        p.only(("objectId", "type"))
        object_id = p.string("objectId", pattern=_GUID, hint="expected an Entra ID object id (GUID)")
        kind = (
            p.choice("type", tuple(PrincipalType), PrincipalType.SERVICE_PRINCIPAL.value)
            or PrincipalType.SERVICE_PRINCIPAL
        )
        if object_id is None:
            p.fail("objectId is required", "objectId")
            continue
        found.append(Principal(object_id, PrincipalType(kind)))
    return tuple(found)


def _speech(r: _Reader) -> SpeechConfig:
    r.only(("sku", "accountName", "customSubdomain", "publicNetworkAccess", "allowedIpRanges", "activeKey"))
    config = SpeechConfig(
        sku=r.choice("sku", ("S0", "F0"), "S0") or "S0",
        account_name=r.string("accountName", pattern=r"[a-zA-Z0-9][a-zA-Z0-9_.-]{1,62}", hint="2-64 letters/digits"),
        custom_subdomain=r.string(
            "customSubdomain",
            pattern=_DNS_LABEL,
            hint="lowercase letters, digits and hyphens (3-42), globally unique",
        ),
        network=_network(r, default_public=True),
        active_key=KeyName(r.choice("activeKey", tuple(KeyName), KeyName.KEY1.value) or KeyName.KEY1),
    )
    if config.account_name and not config.custom_subdomain and not re.fullmatch(_DNS_LABEL, config.account_name):
        r.fail(
            "is also the custom subdomain unless speech.customSubdomain is set, so it must be a lowercase DNS label "
            "(letters, digits, hyphens, 3-42)",
            "accountName",
        )
    return config


def _key_vault(r: _Reader) -> KeyVaultConfig:
    r.only(
        (
            "name",
            "purgeProtection",
            "softDeleteRetentionDays",
            "publicNetworkAccess",
            "allowedIpRanges",
            "apiKeySecretName",
            "billingEndpointSecretName",
            "secretReaders",
            "rotationOperators",
        )
    )
    hint = "letters, digits and hyphens, up to 127"
    return KeyVaultConfig(
        name=r.string(
            "name",
            pattern=r"(?!.*--)[a-zA-Z][a-zA-Z0-9-]{1,22}[a-zA-Z0-9]",
            hint="3-24 letters, digits, single hyphens",
        ),
        purge_protection=r.boolean("purgeProtection", True),
        soft_delete_retention_days=r.integer("softDeleteRetentionDays", 90, 7, 90),
        network=_network(r, default_public=True),
        api_key_secret_name=r.string("apiKeySecretName", "speech-api-key", _SECRET_NAME, hint) or "speech-api-key",
        billing_endpoint_secret_name=r.string(
            "billingEndpointSecretName", "speech-billing-endpoint", _SECRET_NAME, hint
        )
        or "speech-billing-endpoint",
        secret_readers=_principals(r, "secretReaders"),
        rotation_operators=_principals(r, "rotationOperators"),
    )


def _tag(r: _Reader, spec: ContainerSpec) -> str:
    form = spec.tag
    explicit = r.string("tag", pattern=form.pattern.pattern, hint=f"expected a tag like {form.example!r}")
    if explicit is not None:
        for name in ("version", "locale", "voice"):
            if name in r.raw:
                r.fail("give either tag or version/locale/voice, not both", name)
        return explicit
    version = r.string("version", spec.default_version, r"\d+\.\d+\.\d+", "expected a version like 5.1.0")
    locale = r.string("locale", spec.default_locale, r"[a-z]{2,3}-[a-z]{2,4}", "expected a lowercase locale like en-us")
    voice = r.string("voice", spec.default_voice, r"[a-z]+", "expected a lowercase voice name like aria")
    for name, needed in (("locale", form.needs_locale), ("voice", form.needs_voice)):
        if name in r.raw and not needed:
            r.fail(f"{spec.kind} takes no {name} (its tag form is {form.example!r})", name)
    return form.build(version or spec.default_version, locale, voice)


def _size(r: _Reader, spec: ContainerSpec, limit: Size) -> Size:
    default = spec.default_size
    why = f" (minimum for {spec.kind}; recommended {spec.recommended.cpu:g})"
    cpu = r.number("cpu", default.cpu, spec.minimum.cpu, limit.cpu, "cores", why)
    why = f" (minimum for {spec.kind}; recommended {default.memory_gb:g} with the model)"
    memory = r.number("memoryGb", default.memory_gb, spec.minimum.memory_gb, limit.memory_gb, "GB", why)
    return Size(cpu, memory)


def _container(kind: Kind, r: _Reader, host_limit: Size, env_secret: bool) -> ContainerConfig:
    spec = catalog.CONTAINERS[kind]
    r.only(
        (
            "tag",
            "version",
            "locale",
            "voice",
            "replicas",
            "maxReplicas",
            "cpu",
            "memoryGb",
            "modelId",
            "modelStorageGb",
            "decoderMaxCount",
            "env",
            "digest",
        )
    )
    tag = _tag(r, spec)
    replicas = r.integer("replicas", 1, 1, 50)
    max_replicas = r.integer("maxReplicas", replicas, 1, 100)
    if max_replicas < replicas:
        r.fail(f"{max_replicas} is below replicas ({replicas}); allowed: {replicas} to 100", "maxReplicas")
    size = _size(r, spec, host_limit)
    model_id = r.string("modelId", pattern=r"[0-9a-fA-F-]{8,64}", hint="expected the custom model id (a GUID)")
    if spec.needs_model_id and model_id is None and "modelId" not in r.raw:
        r.fail(f"is required for {kind}: the id of your Custom Speech model", "modelId")
    if not spec.needs_model_id and "modelId" in r.raw:
        r.fail(f"only {Kind.CUSTOM_SPEECH_TO_TEXT} takes a modelId", "modelId")
    decoders = r.raw.get("decoderMaxCount")
    if decoders is not None and not spec.supports_decoder_count:
        r.fail(f"only speech-to-text kinds take decoderMaxCount, not {kind}", "decoderMaxCount")
        decoders = None
    elif decoders is not None:
        decoders = r.integer("decoderMaxCount", 1, 1, max(1, int(size.cpu)))
    env = []
    raw_env: Mapping[str, Any] = r._typed("env", {}, Mapping, "an object of NAME: value")
    for name, value in raw_env.items():
        if not re.fullmatch(_ENV_NAME, name) or name.lower().replace("_", "") in catalog.RESERVED_SETTINGS:
            r.fail(
                f"{name!r} is not allowed; use __ for ':' and leave Eula/Billing/ApiKey/ModelId to the package",
                f"env.{name}",
            )
        elif not isinstance(value, str | int | float | bool):
            r.fail("must be a string", f"env.{name}")
        else:
            env.append((name, str(value)))
    return ContainerConfig(
        kind=kind,
        tag=tag,
        replicas=replicas,
        max_replicas=max_replicas,
        size=size,
        model_id=model_id,
        model_storage_gb=r.integer("modelStorageGb", 32, 8, 1024),
        decoder_max_count=decoders,
        env=tuple(sorted(env)),
        digest=r.string("digest", pattern=r"sha256:[0-9a-f]{64}", hint="expected sha256:<64 hex digits>"),
        env_secret=env_secret and bool(env),
    )


def _containers(r: _Reader, host_limit: Size, secret: bool) -> tuple[ContainerConfig, ...]:
    found = []
    allowed = tuple(Kind)
    for name, child in r.items("containers"):
        if name not in allowed:
            r.fail(f"unknown container kind; allowed: {', '.join(allowed)}", f"containers.{name}")
            continue
        found.append(_container(Kind(name), child, host_limit, secret))
    return tuple(found)


def _aci_tls(r: _Reader, private: bool) -> AciTlsConfig:
    r.only(("mode", "certificate", "privateKey", "proxyImage"))
    default = TlsMode.NONE if private else TlsMode.SELF_SIGNED
    mode = TlsMode(r.choice("mode", tuple(TlsMode), default.value) or default)
    if mode is TlsMode.NONE and not private:
        r.fail(
            "a public container group must terminate TLS (port 5000 is never exposed publicly); "
            "allowed: self-signed, certificate, or set aci.subnetId for private groups",
            "mode",
        )
    pem = r"(?s)\s*-----BEGIN [A-Z ]+-----.+-----END [A-Z ]+-----\s*"
    certificate = r.string("certificate", pattern=pem, hint="expected a PEM certificate chain", secret=True)
    private_key = r.string("privateKey", pattern=pem, hint="expected a PEM private key", secret=True)
    if mode is TlsMode.CERTIFICATE and not (certificate and private_key):
        for name, value in (("certificate", certificate), ("privateKey", private_key)):
            if value is None and name not in r.raw:
                r.fail("is required with mode: certificate (set it with pulumi config set --secret --path)", name)
    elif mode is not TlsMode.CERTIFICATE:
        for name in ("certificate", "privateKey"):
            if name in r.raw:
                r.fail(f"is only used with mode: certificate, not {mode}", name)
    return AciTlsConfig(
        mode=mode,
        certificate_pem=certificate,
        private_key_pem=private_key,
        proxy_image=r.string("proxyImage", catalog.TLS_PROXY_IMAGE, r"[\w.\-/:@]+", "an image reference")
        or catalog.TLS_PROXY_IMAGE,
    )


def _aci(r: _Reader, containers: tuple[ContainerConfig, ...], preflight: bool) -> AciConfig:
    r.only(
        (
            "tls",
            "dnsNameLabelPrefix",
            "subnetId",
            "restartPolicy",
            "regionalCoreQuota",
        )
    )
    config = AciConfig(
        dns_name_label_prefix=r.string("dnsNameLabelPrefix", pattern=_DNS_LABEL, hint="lowercase DNS label, 3-42"),
        subnet_id=r.string("subnetId", pattern=_ARM_ID + "/subnets/.+", hint="expected a subnet resource id"),
        restart_policy=r.choice("restartPolicy", ("Always", "OnFailure", "Never"), "Always") or "Always",
        regional_core_quota=r.integer("regionalCoreQuota", catalog.ACI.default_regional_cores, 1, 10_000),
        tls=_aci_tls(r.child("tls"), private=r.raw.get("subnetId") is not None),
    )
    if config.subnet_id and config.dns_name_label_prefix:
        r.fail(
            "a VNet-injected group (subnetId) has no public IP or DNS label; set one of them",
            "dnsNameLabelPrefix",
        )
    sidecar = catalog.TLS_PROXY_SIZE if config.tls.mode is not TlsMode.NONE else Size(0, 0)
    limit = catalog.ACI.max_group
    for c in containers:
        group = Size(c.size.cpu + sidecar.cpu, c.size.memory_gb + sidecar.memory_gb)
        if not group.fits_in(limit):
            r.problems.append(
                f"containers.{c.kind}: with the TLS sidecar its group needs {group.cpu:g} cores / {group.memory_gb:g} "
                f"GB, over ACI's {limit.cpu:g} cores / {limit.memory_gb:g} GB per group; lower cpu or memoryGb"
            )
        label = config.dns_label(c.kind, c.replicas - 1)
        if label and len(label) > DNS_LABEL_MAX:
            r.fail(
                f"makes the DNS label {label!r} {len(label)} characters long (max {DNS_LABEL_MAX})",
                "dnsNameLabelPrefix",
            )
    cores = sum((c.size.cpu + sidecar.cpu) * c.replicas for c in containers)
    cores += catalog.PREFLIGHT.size.cpu if preflight and containers else 0
    if cores > config.regional_core_quota:
        r.fail(
            f"the groups need {cores:g} cores (TLS sidecars and the preflight included), over the regional ACI "
            f"quota of {config.regional_core_quota}; lower cpu/replicas or raise the quota in Azure and set this key",
            "regionalCoreQuota",
        )
    return config


def _private_endpoints(r: _Reader) -> PrivateEndpointsConfig | None:
    r.only(("subnetId", "speechDnsZoneId", "vaultDnsZoneId"))
    subnet = r.string("subnetId", pattern=_ARM_ID + "/subnets/[^/]+", hint="expected a subnet resource id")
    zone = _ARM_ID + "/privateDnsZones/[^/]+"
    speech_zone = r.string("speechDnsZoneId", pattern=zone, hint="the privatelink.cognitiveservices.azure.com zone id")
    vault_zone = r.string("vaultDnsZoneId", pattern=zone, hint="the privatelink.vaultcore.azure.net zone id")
    if subnet is None:
        if "subnetId" not in r.raw:
            r.fail("is required for private endpoints", "subnetId")
        return None
    return PrivateEndpointsConfig(subnet, speech_zone, vault_zone)


def _log_analytics(r: _Reader) -> LogAnalyticsConfig:
    r.only(("workspaceId", "retentionDays"))
    return LogAnalyticsConfig(
        workspace_id=r.string(
            "workspaceId", pattern=_ARM_ID + "/workspaces/[^/]+", hint="a Log Analytics workspace resource id"
        ),
        retention_days=r.integer("retentionDays", 30, 30, 730),
    )


def _aks(r: _Reader, containers: tuple[ContainerConfig, ...]) -> AksConfig:
    r.only(("existingCluster", "cluster", "pool", "namespace", "ingress"))
    existing: ExistingCluster | None = None
    new: NewCluster | None = None
    if "existingCluster" in r.raw:
        e = r.child("existingCluster")
        e.only(("name", "resourceGroupName"))
        name = e.string("name", pattern=r"[a-zA-Z0-9][a-zA-Z0-9_-]{0,62}", hint="an AKS cluster name")
        group = e.string("resourceGroupName", pattern=r"[\w.()-]{1,90}", hint="a resource group name")
        if not name or not group:
            e.fail("needs both name and resourceGroupName of the existing cluster")
        else:
            existing = ExistingCluster(name, group)
        if "cluster" in r.raw:
            r.fail("give either existingCluster or cluster (to create one), not both", "cluster")
    else:
        c = r.child("cluster")
        c.only(
            (
                "kubernetesVersion",
                "skuTier",
                "systemVmSize",
                "systemNodeCount",
                "secretRotationPollInterval",
                "privateCluster",
                "apiServerAuthorizedIpRanges",
            )
        )
        new = NewCluster(
            kubernetes_version=c.string("kubernetesVersion", pattern=r"\d+\.\d+(\.\d+)?", hint="like 1.33"),
            sku_tier=c.choice("skuTier", ("Free", "Standard", "Premium"), "Standard") or "Standard",
            system_vm_size=c.string("systemVmSize", "Standard_D4s_v5", r"Standard_\w+", "a VM size name")
            or "Standard_D4s_v5",
            system_node_count=c.integer("systemNodeCount", 2, 1, 10),
            secret_rotation_poll_interval=c.string(
                "secretRotationPollInterval", "2m", r"\d+[smh]", "a duration like 2m"
            )
            or "2m",
            private_api_server=c.boolean("privateCluster", False),
            api_server_authorized_ip_ranges=c.ipv4_ranges("apiServerAuthorizedIpRanges"),
        )
        if new.private_api_server and new.api_server_authorized_ip_ranges:
            c.fail(
                "authorized IP ranges apply to a public API server only; remove them or privateCluster",
                "apiServerAuthorizedIpRanges",
            )
    return AksConfig(
        existing_cluster=existing,
        new_cluster=new,
        pool=_pool(r.child("pool"), containers),
        namespace=r.string("namespace", "speech", _K8S_NAME, "a Kubernetes namespace name") or "speech",
        ingress=_ingress(r.child("ingress")) if "ingress" in r.raw else None,
    )


def _ingress(r: _Reader) -> IngressConfig | None:
    r.only(("domain", "certificateName", "internal"))
    domain = r.string(
        "domain", pattern=r"([a-z0-9]([a-z0-9-]*[a-z0-9])?\.)+[a-z]{2,}", hint="a DNS domain like speech.contoso.com"
    )
    certificate = r.string("certificateName", pattern=r"[0-9a-zA-Z-]{1,127}", hint="a Key Vault certificate name")
    for name, value in (("domain", domain), ("certificateName", certificate)):
        if value is None and name not in r.raw:
            r.fail("is required for an ingress", name)
    if domain is None or certificate is None:
        return None
    return IngressConfig(domain=domain, certificate_name=certificate, internal=r.boolean("internal", False))


def _pool(r: _Reader, containers: tuple[ContainerConfig, ...]) -> NodePoolConfig:
    r.only(("name", "vmSize", "minCount", "maxCount", "zones", "osDiskSizeGb"))
    requested = r.string("vmSize", pattern=r"\w+", hint="a VM size name like Standard_D16s_v5")
    try:
        plan = sizing.plan_pool(containers, requested)
    except sizing.SizingError as error:
        r.fail(str(error), "vmSize")
        plan = sizing.PoolPlan(catalog.vm_size(catalog.DEFAULT_VM_SIZES[-1]), 1, 1, "invalid")
    min_count = r.integer("minCount", plan.min_count, 0, 1000)
    max_count = r.integer("maxCount", max(plan.max_count, min_count), 1, 1000)
    if min_count > max_count:
        r.fail(f"{min_count} is above maxCount ({max_count})", "minCount")
    if containers and max_count < plan.min_count:
        r.fail(
            f"{max_count} nodes of {plan.vm_size.name} cannot hold the minimum replicas; need {plan.min_count}",
            "maxCount",
        )
    return NodePoolConfig(
        name=r.string("name", "speech", r"[a-z][a-z0-9]{0,11}", "lowercase letters and digits, up to 12") or "speech",
        vm_size=plan.vm_size,
        min_count=min_count,
        max_count=max_count,
        zones=r.strings("zones", r"[1-3]", "zones are 1, 2 or 3"),
        os_disk_size_gb=r.integer("osDiskSizeGb", 128, 64, 2048),
        sizing_reason=plan.reason,
    )


def parse(raw: Mapping[str, Any], secret_keys: frozenset[str] = frozenset()) -> StackConfig:
    """Validate the namespace's raw values (already JSON-decoded); raise ConfigError listing every problem.

    `secret_keys` are the top-level keys set as secrets; their values are kept secret downstream.
    """
    problems: list[str] = []
    r = _Reader(raw, "", problems)
    r.only(TOP_LEVEL_KEYS)
    host = Host(r.choice("host", tuple(Host), None) or Host.ACI)
    if "host" not in raw:
        r.fail(f"is required; allowed: {', '.join(Host)}", "host")
    location = r.string("location", pattern=r"[a-z0-9]+", hint="an Azure region name like eastus")
    if location is None:
        r.fail("is required: the Azure region, like eastus", "location")
    host_limit = catalog.ACI.max_group if host is Host.ACI else Size(math.inf, math.inf)
    # Pulumi marks a whole top-level key secret when any value under it is, so all env values count as secret.
    containers = _containers(r, host_limit, secret="containers" in secret_keys)
    eula = r.raw.get("eula")
    if containers and eula != "accept":
        r.fail(
            f"must be 'accept' to deploy Speech containers (you accept Microsoft's license for them); got {eula!r}",
            "eula",
        )
    raw_tags: Mapping[str, Any] = r._typed("tags", {}, Mapping, "an object of tag: value")
    tags = [(k, str(v)) for k, v in raw_tags.items()]
    preflight = r.boolean("preflight", True)
    aci = _aci(r.child("aci"), containers, preflight) if host is Host.ACI else None
    aks = _aks(r.child("aks"), containers) if host is Host.AKS else None
    for other, unused in (("aci", host is not Host.ACI), ("aks", host is not Host.AKS)):
        if unused and other in raw:
            r.fail(f"is set but host is {host}; remove it or set host: {other}", other)
    config = StackConfig(
        eula_accepted=eula == "accept",
        host=host,
        location=location or "",
        resource_group_name=r.string("resourceGroupName", pattern=r"[\w.()-]{1,90}", hint="a resource group name"),
        tags=tuple(sorted(tags)),
        speech=_speech(r.child("speech")),
        key_vault=_key_vault(r.child("keyVault")),
        containers=containers,
        log_analytics=_log_analytics(r.child("logAnalytics")),
        private_endpoints=_private_endpoints(r.child("privateEndpoints")) if "privateEndpoints" in raw else None,
        preflight=preflight,
        aci=aci,
        aks=aks,
    )
    _check_billing_reachable(r, config)
    if problems:
        raise ConfigError(problems)
    return config


def _check_billing_reachable(r: _Reader, config: StackConfig) -> None:
    """Isolation must not cut the containers off billing (outbound 443) or the AKS CSI driver off the vault."""
    private_links = config.private_endpoints is not None
    if not config.speech.network.public_access and config.containers:
        if not private_links:
            r.fail(
                "the containers report usage to the Speech endpoint over 443; with public access off they need "
                "privateEndpoints (with a DNS zone linked to their VNet)",
                "speech.publicNetworkAccess",
            )
        elif config.aci is not None and config.aci.subnet_id is None:
            r.fail(
                "public ACI groups reach billing over the internet; set aci.subnetId (a VNet that resolves the "
                "private endpoint) or keep public access with allowedIpRanges",
                "speech.publicNetworkAccess",
            )
    if not config.key_vault.network.public_access and not private_links:
        r.fail(
            "with public access off the vault is reachable only through privateEndpoints (the AKS CSI driver "
            "and the rotation command read it)",
            "keyVault.publicNetworkAccess",
        )


def load() -> StackConfig:
    """Read every `speech-containers:*` key of the running stack (unknown ones included) and parse them."""
    prefix = f"{NAMESPACE}:"
    values = {**pulumi.runtime.get_config_env(), **pulumi_runtime_config.CONFIG.get()}
    raw: dict[str, Any] = {}
    for full_key, value in values.items():
        if full_key.startswith(prefix):
            raw[full_key[len(prefix) :]] = _decode(value)
    secret = set(pulumi_runtime_config.get_config_secret_keys_env()) | pulumi_runtime_config._SECRET_KEYS.get()
    return parse(raw, frozenset(key.removeprefix(prefix) for key in secret if key.startswith(prefix)))


def _decode(value: Any) -> Any:
    """Structured config arrives JSON-encoded; plain strings do not."""
    if not isinstance(value, str):
        return value
    try:
        return json.loads(value)
    except ValueError:
        return value
