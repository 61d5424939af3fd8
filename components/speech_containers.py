"""`SpeechContainers`: the one component users compose. It checks its args, then builds the Azure-wide pieces
(resource group, logs, Speech account, vault, private links) and the host (ACI or AKS) for every deployment.

No `from __future__ import annotations` here: Pulumi infers the component's schema from these annotations.

Upgrading stacks made before this component existed: its children used to sit at the stack's root, so each
direct child carries an alias to its old parent (the root); the engine extends a parent's aliases to its
descendants, so nothing is replaced (tests/test_upgrade.py checks every URN of the old sample stacks).
"""

from typing import Any, Optional

import pulumi
import pulumi_azure_native.resources as resources

from components import config
from components.args import DeploymentOutput, Host, SpeechContainersArgs
from components.azure.account import SpeechAccount
from components.azure.disconnected import DisconnectedPlan
from components.azure.monitoring import LogAnalytics
from components.azure.private_link import PrivateLink
from components.azure.registry import SpeechRegistry
from components.azure.vault import SpeechKeyVault
from components.config.model import StackConfig
from components.front_args import FrontOutput
from components.hosting import HostInputs
from components.lockdown import stack_images
from components.observability import observe

TYPE_TOKEN = "speech-containers:index:SpeechContainers"


class SpeechContainers(pulumi.ComponentResource):
    """Azure AI Speech containers (speech-to-text, custom speech-to-text, language identification, neural
    text-to-speech) on Azure Container Instances or AKS, with the Speech resource and its keys in Key Vault."""

    deployments: pulumi.Output[dict[str, DeploymentOutput]]
    """Each deployment's endpoints, by deployment name."""
    host: pulumi.Output[str]
    """aci or aks."""
    active_key: pulumi.Output[str]
    """The key (Key1/Key2) this update injected or seeded the vault with; the rotation command compares it."""
    resource_group_name: pulumi.Output[str]
    speech_account_id: pulumi.Output[str]
    speech_endpoint: pulumi.Output[str]
    """The billing endpoint the containers report usage to."""
    key_vault_uri: pulumi.Output[str]
    api_key_secret_name: pulumi.Output[str]
    billing_endpoint_secret_name: pulumi.Output[str]
    api_key_expiry_days: pulumi.Output[int]
    """Days each version of the key secret lives (0: no expiry); the rotation command gives new versions as long."""
    kubernetes_namespace: pulumi.Output[Optional[str]]  # noqa: UP045 (Pulumi's schema inference reads Optional)
    """AKS: the namespace of the Speech workloads."""
    gateway_address: pulumi.Output[Optional[str]]  # noqa: UP045
    """AKS with a gateway: the Application Gateway for Containers frontend's FQDN (CNAME the hosts to it)."""
    aci_rollout_batches: pulumi.Output[Optional[list[list[dict[str, str]]]]]  # noqa: UP045
    """ACI: groups by replica index, `{urn, id, statusUrl}`; the rotation command re-applies one batch at a time."""
    aci_front: pulumi.Output[Optional[FrontOutput]]  # noqa: UP045
    """ACI with aci.front: the gateway's id, drain time and pool per deployment; rotation drains batches there."""
    tls_certificate: pulumi.Output[Optional[str]]  # noqa: UP045
    """ACI with self-signed TLS: the certificate clients pin."""
    preflight: pulumi.Output[Optional[str]]  # noqa: UP045
    """The billing preflight's verdict: on AKS it gates `pulumi up` itself; on ACI read it here after a refresh."""
    disconnected_license: pulumi.Output[Optional[dict[str, str]]]  # noqa: UP045
    """Disconnected mode: when the licenses were downloaded, when `pulumi up` downloads them again, the records."""

    def __init__(
        self,
        name: str,
        args: SpeechContainersArgs,
        opts: Optional[pulumi.ResourceOptions] = None,  # noqa: UP045
    ) -> None:
        settings = config.from_args(args)  # before anything is registered: bad args register nothing
        super().__init__(TYPE_TOKEN, name, None, opts)
        self.settings = settings
        outputs = self._build(name, settings)
        for key, value in outputs.items():
            setattr(self, key, value)
        self.register_outputs(outputs)

    def _child(self) -> pulumi.ResourceOptions:
        """Options of a direct child: parented here, and aliased to the stack root where v1 stacks had it."""
        return pulumi.ResourceOptions(parent=self, aliases=[pulumi.Alias(parent=pulumi.ROOT_STACK_RESOURCE)])

    def _build(self, name: str, settings: StackConfig) -> dict[str, Any]:
        stack = pulumi.get_stack()
        tags = {"managed-by": "pulumi", "app": "speech-containers", "stack": stack, **dict(settings.tags)}
        if settings.resource_group_name:
            group_name: pulumi.Output[str] = pulumi.Output.from_input(settings.resource_group_name)
        else:
            group = resources.ResourceGroup(
                f"{name}-rg",
                resource_group_name=f"rg-speech-containers-{stack}",
                location=settings.location,
                tags=tags,
                opts=self._child(),
            )
            group_name = group.name
        logs = LogAnalytics(f"{name}-logs", group_name, settings.location, settings.log_analytics, tags, self._child())
        # The account component keeps the platform's own name: its children's names (and URNs) stay as in v1.
        account = SpeechAccount(
            name, group_name, settings.location, settings.speech, tags, logs.workspace, self._child()
        )
        vault = SpeechKeyVault(
            f"{name}-vault",
            group_name,
            settings.location,
            settings.key_vault,
            account,
            tags,
            logs.workspace,
            settings.speech.active_key.value,
            self._child(),
        )
        links = settings.private_endpoints
        network_ready: list[pulumi.Resource] = []
        if links is not None:
            for target, target_id, zone in (
                ("account", account.id, links.speech_dns_zone_id),
                ("vault", vault.ref.id, links.vault_dns_zone_id),
            ):
                link = PrivateLink(
                    f"{name}-{target}-link",
                    target_id,
                    target,
                    links.subnet_id,
                    zone,
                    group_name,
                    settings.location,
                    tags,
                    self._child(),
                )
                network_ready.append(link.ready)
        registry = (
            SpeechRegistry(
                f"{name}-registry",
                settings.registry,
                stack_images(settings),
                group_name,
                settings.location,
                tags,
                self._child(),
            )
            if settings.registry is not None
            else None
        )
        offline = (
            DisconnectedPlan(
                f"{name}-disconnected", settings.disconnected, account.name, group_name, tags, self._child()
            )
            if settings.disconnected is not None
            else None
        )
        inputs = HostInputs(
            resource_group_name=group_name,
            location=settings.location,
            containers=settings.containers,
            tags=tags,
            billing_endpoint=account.endpoint,
            api_key=account.active_key,
            active_key_name=settings.speech.active_key.value,
            vault=vault.ref,
            workspace=logs.workspace,
            preflight=settings.preflight,
            network_ready=tuple(network_ready),
            stream_budget_seconds=settings.stream_budget_seconds,
            speech_account_id=account.id,
            rotation_operators=settings.key_vault.rotation_operators,
            api_key_expiry_days=settings.key_vault.api_key_expiry_days,
            proxy=settings.proxy,
            registry=settings.registry,
            registry_id=registry.id if registry else None,
            registry_ready=tuple(registry.rules) if registry else (),
            license_round=offline.round if offline else None,
        )
        outputs: dict[str, Any] = {
            "host": pulumi.Output.from_input(settings.host.value),
            "active_key": pulumi.Output.from_input(settings.speech.active_key.value),
            "resource_group_name": group_name,
            "speech_account_id": account.id,
            "speech_endpoint": account.endpoint,
            "key_vault_uri": vault.ref.uri,
            "api_key_secret_name": pulumi.Output.from_input(vault.ref.api_key_secret_name),
            "billing_endpoint_secret_name": pulumi.Output.from_input(vault.ref.billing_endpoint_secret_name),
            "api_key_expiry_days": pulumi.Output.from_input(settings.key_vault.api_key_expiry_days),
            "kubernetes_namespace": None,
            "gateway_address": None,
            "aci_rollout_batches": None,
            "aci_front": None,
            "tls_certificate": None,
            "preflight": None,
            "disconnected_license": offline.license if offline else None,
        }
        if settings.host is Host.ACI:
            from components.aci.host import AciHost

            assert settings.aci is not None
            aci = AciHost(f"{name}-aci", inputs, settings.aci, self._child())
            observe(name, settings, group_name, logs.workspace, vault.ref, tags, aci, self._child)
            outputs["deployments"] = aci.endpoints
            outputs["aci_rollout_batches"] = aci.rollout_batches
            outputs["aci_front"] = aci.front_rotation
            outputs["tls_certificate"] = aci.self_signed_certificate
            outputs["preflight"] = aci.preflight_verdict
        else:
            from components.aks.host import AksHost

            assert settings.aks is not None
            aks = AksHost(f"{name}-aks", inputs, settings.aks, self._child())
            observe(name, settings, group_name, logs.workspace, vault.ref, tags, aks, self._child)
            outputs["deployments"] = aks.endpoints
            outputs["kubernetes_namespace"] = aks.namespace
            outputs["gateway_address"] = aks.gateway_address
            if settings.preflight and settings.containers:
                outputs["preflight"] = pulumi.Output.from_input(
                    "gated: pulumi up waits for Job speech-preflight and fails with it"
                )
        return outputs
