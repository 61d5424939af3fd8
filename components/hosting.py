"""What every host (ACI, AKS) is given and gives back, so the program can treat them alike."""

from __future__ import annotations

from dataclasses import dataclass

import pulumi

from components import catalog
from components.args import DeploymentOutput
from components.config.lockdown import ProxyConfig, RegistryConfig, pulled
from components.config.model import ContainerConfig, Principal


@dataclass(frozen=True)
class VaultRef:
    """The Key Vault that holds the Speech key and billing endpoint, and the names of those secrets."""

    id: pulumi.Output[str]
    name: pulumi.Output[str]
    uri: pulumi.Output[str]
    tenant_id: pulumi.Output[str]
    api_key_secret_name: str
    billing_endpoint_secret_name: str


@dataclass(frozen=True)
class WorkspaceRef:
    """The Log Analytics workspace that receives container logs and diagnostics."""

    id: pulumi.Output[str]
    customer_id: pulumi.Output[str]
    #: A Pulumi secret.
    shared_key: pulumi.Output[str]


@dataclass(frozen=True)
class HostInputs:
    resource_group_name: pulumi.Output[str]
    location: str
    containers: tuple[ContainerConfig, ...]
    tags: dict[str, str]
    billing_endpoint: pulumi.Output[str]
    #: The active Speech key as a Pulumi secret (ACI injects it; AKS reads the vault instead).
    api_key: pulumi.Output[str]
    #: Which key that is (`Key1`/`Key2`), tagged on what holds it so rotation can check.
    active_key_name: str
    vault: VaultRef
    workspace: WorkspaceRef
    #: Run the diagnostic container once to prove billing connectivity.
    preflight: bool
    #: What must exist before a container first calls billing or the vault: the private endpoints' DNS records.
    network_ready: tuple[pulumi.Resource, ...] = ()
    #: How long one stream may last (proxy timeouts, draining a stopping pod).
    stream_budget_seconds: int = 3600
    #: The Speech account's ARM id (what the rotation regenerates keys of).
    speech_account_id: pulumi.Output[str] | None = None
    #: Who runs the rotation command (AKS binds them to its Kubernetes Role).
    rotation_operators: tuple[Principal, ...] = ()
    #: Days each version of the key secret lives (0: no expiry); the scheduled rotation keeps it.
    api_key_expiry_days: int = 0
    #: The HTTP proxy the containers and the preflight go through (None: none).
    proxy: ProxyConfig | None = None
    #: The private registry every image is pulled from (None: MCR), its id, and what must exist before a pull.
    registry: RegistryConfig | None = None
    registry_id: pulumi.Output[str] | None = None
    registry_ready: tuple[pulumi.Resource, ...] = ()
    #: Disconnected mode: the license renewal round (its change runs every license download again).
    license_round: pulumi.Output[str] | None = None

    def pull(self, image: str) -> str:
        """Where the host pulls `image` from (the private registry, or MCR)."""
        return pulled(image, self.registry)

    @property
    def preflight_command(self) -> list[str]:
        """The preflight's check, with the proxy's credentials when it has some."""
        facts = catalog.PREFLIGHT
        return facts.command_with_proxy_user if self.proxy and self.proxy.credentials else facts.command


def endpoint(container: ContainerConfig, hosts: list[str], tls: bool = False) -> DeploymentOutput:
    """How clients reach a deployment served at these host names (the first one is the SDK's).

    Behind TLS the SDK uses wss:// or https:// on 443; inside a network it reaches port 5000 directly.
    """
    spec = container.spec
    port = catalog.TLS_PORT if tls else spec.port
    scheme = f"{spec.protocol}s" if tls else spec.protocol.value
    web = "https" if tls else "http"
    status = [f"{web}://{h}:{port}{catalog.STATUS_PATH}" for h in hosts]
    found = DeploymentOutput(
        kind=container.kind.value,
        url=f"{scheme}://{hosts[0]}:{port}",
        statusUrl=status[0],
        instances=[f"{scheme}://{h}:{port}" for h in hosts],
        statusUrls=status,
    )
    if container.ssml_voice:
        found["voice"] = container.ssml_voice
    return found
