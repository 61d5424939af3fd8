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

from dataclasses import dataclass
from typing import Any

import pulumi

from components import catalog
from components.args import Host, OutputArgs, ProxyArgs
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


def output(raw: dict[str, Any] | None) -> OutputConfig | None:
    """The output volume, if the stack asks for one."""
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
