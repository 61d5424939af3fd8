"""The `output` and `proxy` settings (locked-down environments), checked against each other and the network.

Choices:
- `output` is stack-wide: every deployment gets the volume, so the troubleshooting advice ("look in the output
  mount") holds for all of them. Its logs are JSON files (`Logging:Disk:Format=json`), which the containers refuse
  without an output mount: the package sets one only with the other.
- `proxy` sets `HTTP_PROXY` and `HTTPS_PROXY` (billing is an https:// URL), `HTTP_PROXY_CREDS` as a secret, and a
  `NO_PROXY` that always starts with `localhost,127.0.0.1` (catalog.PROXY): without it the container's processes
  call each other through the proxy and fail. On AKS the in-cluster names bypass it too. With private endpoints,
  billing (`.cognitiveservices.azure.com`) bypasses the proxy and takes its private path; without them it must go
  through the proxy, so a `noProxy` entry that would send billing around the proxy is an error.
- The proxy settings belong to the package: `env` may not set them (it would bypass these checks).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import pulumi

from components import catalog
from components.args import (
    CommitmentArgs,
    DisconnectedArgs,
    Host,
    OutputArgs,
    ProxyArgs,
    RegistryArgs,
    RegistryFill,
    RegistrySku,
    SpeechSku,
)
from components.catalog import Kind
from components.config.fields import Problems
from components.config.rules import default

#: Settings `env` may not set, by normalized name (lowercase, no underscores), and the key that sets them.
OWNED_SETTINGS = {
    "httpproxy": "proxy.url",
    "httpsproxy": "proxy.url",
    "httpproxycreds": "proxy.credentials",
    "noproxy": "proxy.noProxy",
    "mountsoutput": "output",
    "loggingdiskformat": "output.diskLogs",
}


@dataclass(frozen=True)
class OutputConfig:
    """The output volume of every deployment."""

    storage_gb: int = 16
    disk_logs: bool = True
    max_file_size_mb: int | None = None


@dataclass(frozen=True)
class ProxyConfig:
    """The proxy every container and the preflight use."""

    url: str
    #: `user:password`, a Pulumi secret (None: the proxy needs none).
    credentials: pulumi.Input[str] | None
    #: What bypasses it: localhost and 127.0.0.1 first, then the host's own, then the stack's.
    no_proxy: tuple[str, ...]

    @property
    def port(self) -> int:
        """The proxy's port (the URL rule requires one): pods must be allowed to reach it."""
        return int(self.url.rstrip("/").rsplit(":", 1)[1])


def output(raw: dict[str, Any] | None, required: bool = False) -> OutputConfig | None:
    """The output volume, if the stack asks for one (or `required`: disconnected containers need it)."""
    if raw is None and required:
        raw = {}
    if raw is None or not raw.get("enabled", default(OutputArgs, "enabled")):
        return None
    return OutputConfig(
        storage_gb=raw.get("storage_gb", default(OutputArgs, "storage_gb")),
        disk_logs=raw.get("disk_logs", default(OutputArgs, "disk_logs")),
        max_file_size_mb=raw.get("max_file_size_mb"),
    )


def proxy(
    raw: dict[str, Any] | None, host: Host, private_billing: bool, secret: bool, problems: Problems
) -> ProxyConfig | None:
    """The proxy, if any, with its NO_PROXY; problems for settings that would break the containers or billing."""
    if raw is None or "url" not in raw:
        return None
    facts = catalog.PROXY
    given = tuple(raw.get("no_proxy", default(ProxyArgs, "no_proxy")))
    billing = facts.billing_domain
    for entry in given:
        if not private_billing and (billing.endswith(entry if entry.startswith(".") else f".{entry}")):
            problems.add(
                "proxy.noProxy",
                f"{entry!r} sends billing ({billing}) around the proxy, but it has no private path: remove it, or "
                "set privateEndpoints so billing goes to the account's private endpoint",
            )
    credentials = raw.get("credentials")
    if credentials is not None and not secret and not isinstance(credentials, pulumi.Output):
        problems.add(
            "proxy.credentials",
            "must be a secret: pulumi config set --secret --path 'speech-containers:proxy.credentials' user:password",
        )
    bypassed = [
        *facts.always_bypassed,
        *(facts.cluster_bypassed if host is Host.AKS else ()),
        *((billing,) if private_billing else ()),
    ]
    no_proxy = tuple(dict.fromkeys([*bypassed, *given]))
    return ProxyConfig(
        url=raw["url"],
        credentials=pulumi.Output.secret(credentials) if credentials is not None else None,
        no_proxy=no_proxy,
    )


def check_env(name: str, path: str, problems: Problems) -> bool:
    """Whether an `env` entry may stay: the proxy and output settings are the package's (False, with a problem)."""
    normalized = name.lower().replace("_", "")
    if normalized not in OWNED_SETTINGS:
        return True
    problems.add(path, f"is set by the package (use {OWNED_SETTINGS[normalized]}); remove it from env")
    return False


@dataclass(frozen=True)
class RegistryConfig:
    """The Azure Container Registry every image is pulled from, under MCR's repository paths."""

    #: `<name>.azurecr.io`
    login_server: str
    fill: RegistryFill
    #: The registry the stack creates (None: `existing_id`).
    create_name: str | None = None
    existing_id: str | None = None
    sku: RegistrySku = RegistrySku.PREMIUM
    public_network_access: bool = True

    def pull(self, image: str) -> str:
        """`mcr.microsoft.com/<path>[:tag][@digest]` -> `<login server>/<path>[:tag][@digest]`: the same tag and
        digest (a cached image is MCR's manifest, so a pinned digest still names it)."""
        upstream = f"{catalog.REGISTRY.upstream}/"
        return f"{self.login_server}/{image.removeprefix(upstream)}" if image.startswith(upstream) else image

    @property
    def name(self) -> str:
        return self.create_name or (self.existing_id or "").rsplit("/", 1)[-1]


def repository(image: str) -> str:
    """An image's repository path on MCR: `mcr.microsoft.com/a/b:tag@sha256:...` -> `a/b`."""
    path = image.split("@", 1)[0].removeprefix(f"{catalog.REGISTRY.upstream}/")
    last = path.rsplit("/", 1)
    return "/".join([*last[:-1], last[-1].split(":", 1)[0]])


def pulled(image: str, registry: RegistryConfig | None) -> str:
    """Where an image is pulled from: the private registry, if any, or MCR."""
    return registry.pull(image) if registry else image


def registry(
    raw: dict[str, Any] | None, host: Host, images: dict[str, str], problems: Problems
) -> RegistryConfig | None:
    """The private registry, if any; problems for one that nothing fills, a tier that cannot serve the host, and
    configured images that are not on MCR (`images`: config key -> image)."""
    if raw is None:
        return None
    name, existing = raw.get("name"), raw.get("existing_id")
    fill: RegistryFill = raw.get("fill", default(RegistryArgs, "fill"))
    sku: RegistrySku = raw.get("sku", default(RegistryArgs, "sku"))
    public = raw.get("public_network_access", default(RegistryArgs, "public_network_access"))
    if (name is None) == (existing is None):
        problems.add("registry", "set exactly one of name (the stack creates the registry) or existingId")
        return None
    if name is not None and fill is RegistryFill.PREFILLED:
        problems.add(
            "registry.fill",
            "is prefilled, but the stack creates this registry empty and nothing would fill it; use fill: cache "
            "(ACR cache rules for MCR), or existingId for a registry you fill yourself",
        )
    if existing is not None and ("sku" in raw or "public_network_access" in raw):
        problems.add("registry", "sku and publicNetworkAccess apply to a registry the stack creates, not existingId")
    if name is not None and not public and sku is not RegistrySku.PREMIUM:
        problems.add("registry.sku", f"is {sku}; a registry without public access needs Premium (private endpoints)")
    if name is not None and host is Host.ACI and sku is not RegistrySku.PREMIUM:
        problems.add("registry.sku", f"is {sku}; ACI's managed-identity pulls need a Premium registry")
    upstream = f"{catalog.REGISTRY.upstream}/"
    for key, image in images.items():
        if not image.startswith(upstream):
            problems.add(
                key,
                f"{image!r} is not on {catalog.REGISTRY.upstream}; with a registry every image comes "
                "from MCR through it: use an MCR image or remove registry",
            )
    login = f"{(name or existing or '').rsplit('/', 1)[-1].lower()}{catalog.REGISTRY.login_suffix}"
    return RegistryConfig(login, fill, name, existing, sku, public)


@dataclass(frozen=True)
class DisconnectedConfig:
    """Disconnected containers: the commitment plan, and how often each license is downloaded again."""

    plan_type: str
    tier: str
    count: int = 1
    auto_renew: bool = False
    renew_days: int = 30


def disconnected(
    raw: dict[str, Any] | None,
    speech_sku: Any,
    kinds: dict[str, Kind],
    output_raw: dict[str, Any] | None,
    problems: Problems,
) -> DisconnectedConfig | None:
    """Disconnected mode, if asked for; problems for what it cannot run with: language identification (not offered
    disconnected), an explicit Speech tier other than DC0, and an output volume turned off (usage records need it)."""
    if raw is None or "commitment" not in raw:
        return None
    for name, kind in kinds.items():
        if kind is Kind.LANGUAGE_IDENTIFICATION:
            problems.add(
                f"containers.{name}",
                "is language identification, which is not available as a disconnected container; remove it or "
                "remove disconnected",
            )
        elif kind is Kind.CUSTOM_SPEECH_TO_TEXT:
            # catalog.CUSTOM_DISCONNECTED: the model comes through a second, S0 Speech resource.
            problems.add(
                f"containers.{name}",
                "is custom speech-to-text, whose disconnected model download needs a second Speech resource on S0 "
                "besides the DC0 one; this package manages one Speech resource: remove it or remove disconnected",
            )
    if speech_sku is not None and speech_sku is not SpeechSku.DC0:
        problems.add("speech.sku", f"is {speech_sku}; disconnected puts the account on DC0: remove speech.sku")
    if output_raw is not None and output_raw.get("enabled") is False:
        problems.add(
            "output.enabled", "is false; disconnected containers must write usage records to the output volume"
        )
    commitment = raw["commitment"]
    return DisconnectedConfig(
        plan_type=commitment["plan_type"],
        tier=commitment["tier"],
        count=commitment.get("count", default(CommitmentArgs, "count")),
        auto_renew=commitment.get("auto_renew", default(CommitmentArgs, "auto_renew")),
        renew_days=raw.get("renew_days", default(DisconnectedArgs, "renew_days")),
    )


@dataclass(frozen=True)
class Lockdown:
    """The locked-down settings of a stack (each None when not asked for)."""

    output: OutputConfig | None
    proxy: ProxyConfig | None
    registry: RegistryConfig | None
    disconnected: DisconnectedConfig | None


def read(
    values: dict[str, Any], host: Host, deployments: Sequence[Any], proxy_secret: bool, problems: Problems
) -> Lockdown:
    """`output`, `proxy`, `registry` and `disconnected` from checked values, with the checks across them."""
    offline = disconnected(
        values.get("disconnected"),
        values.get("speech", {}).get("sku"),
        {c.name: c.kind for c in deployments},
        values.get("output"),
        problems,
    )
    raw_aci = values.get("aci", {})
    images = {
        "aci.tls.proxyImage": raw_aci.get("tls", {}).get("proxy_image"),
        "aci.avx2CheckImage": raw_aci.get("avx2_check_image"),
    }
    return Lockdown(
        output=output(values.get("output"), required=offline is not None),
        proxy=proxy(values.get("proxy"), host, values.get("private_endpoints") is not None, proxy_secret, problems),
        registry=registry(
            values.get("registry"), host, {k: v for k, v in images.items() if isinstance(v, str)}, problems
        ),
        disconnected=offline,
    )
