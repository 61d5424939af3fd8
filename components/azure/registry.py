"""The private registry every image is pulled from (`registry`): created or named, and filled from MCR by ACR cache
rules (catalog.ARTIFACT_CACHE).

Why cache rules rather than `az acr import`: a cache rule is an ARM resource (azure-native `CacheRule`), so the
stack declares what the registry serves and `pulumi up` keeps it so; an import is an action (POST importImage)
with no resource behind it, which would need a command run on every new tag and leave nothing to diff. With a rule
the registry pulls an image from MCR on its first pull and serves its copy afterwards: the cluster or the groups
need no route to MCR, only the registry (an Azure service) does, once per image. A cached image is MCR's own
manifest, so a pinned digest (`@sha256:...`) still names it. One rule per repository the stack uses, with the same
path as on MCR, so re-pointing an image only changes its host (config/lockdown.py `RegistryConfig.pull`).

Limits: a rule's target repository "can't already exist" in the registry, so for a registry you already filled
(with `az acr import`, say) use `fill: prefilled`; the first pull of each image waits on MCR, so a preflight or the
first pod start is slower. Admin user and anonymous pull stay off: pulls authenticate with managed identities
(AKS: the kubelet identity; ACI: a user-assigned identity), each given AcrPull by its host.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable

import pulumi
import pulumi_azure_native.containerregistry as containerregistry

from components import catalog
from components.args import RegistryFill
from components.config.lockdown import RegistryConfig, repository


def rule_name(repo: str) -> str:
    """A cache rule's name for an MCR repository: letters, digits and hyphens, unique per repository."""
    digest = hashlib.sha256(repo.encode()).hexdigest()[:8]
    slug = re.sub(r"[^a-zA-Z0-9]+", "-", repo.rsplit("/", 1)[-1]).strip("-")
    return f"mcr-{slug}"[: catalog.REGISTRY.rule_name_max - len(digest) - 1] + f"-{digest}"


class SpeechRegistry(pulumi.ComponentResource):
    """An Azure Container Registry (created, or an existing one) with a cache rule per MCR repository the stack
    pulls from."""

    #: The registry's resource id (AcrPull is granted on it).
    id: pulumi.Output[str]

    def __init__(
        self,
        name: str,
        settings: RegistryConfig,
        images: Iterable[str],
        resource_group_name: pulumi.Input[str],
        location: str,
        tags: dict[str, str],
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__("speech-containers:registry:SpeechRegistry", name, None, opts)
        if settings.create_name is not None:
            registry = containerregistry.Registry(
                f"{name}-registry",
                registry_name=settings.create_name,
                resource_group_name=resource_group_name,
                location=location,
                sku=containerregistry.SkuArgs(name=settings.sku.value),
                admin_user_enabled=False,
                anonymous_pull_enabled=False,
                public_network_access="Enabled" if settings.public_network_access else "Disabled",
                # ACI's managed-identity pulls need trusted services allowed (catalog.ACI_PULL).
                network_rule_bypass_options="AzureServices",
                tags=tags,
                opts=pulumi.ResourceOptions(parent=self),
            )
            self.id = registry.id
            registry_name: pulumi.Input[str] = registry.name
            group: pulumi.Input[str] = resource_group_name
        else:
            assert settings.existing_id is not None
            self.id = pulumi.Output.from_input(settings.existing_id)
            registry_name = settings.name
            group = settings.existing_id.split("/")[4]
        #: What must exist before anything pulls: the cache rules.
        self.rules: list[containerregistry.CacheRule] = []
        if settings.fill is RegistryFill.CACHE:
            for repo in sorted({repository(image) for image in images}):
                self.rules.append(
                    containerregistry.CacheRule(
                        f"{name}-cache-{rule_name(repo)}",
                        cache_rule_name=rule_name(repo),
                        registry_name=registry_name,
                        resource_group_name=group,
                        source_repository=f"{catalog.REGISTRY.upstream}/{repo}",
                        target_repository=repo,
                        opts=pulumi.ResourceOptions(parent=self),
                    )
                )
        self.register_outputs({"id": self.id, "loginServer": settings.login_server})
