"""The AKS cluster (created, or an existing one read from Azure) and the dedicated Speech node pool.

Access: a created cluster has local accounts off and Azure RBAC, so there is no admin kubeconfig. The stack
uses the *user* kubeconfig in exec format, which runs `kubelogin` (https://azure.github.io/kubelogin): it
must be on the PATH of whoever runs `pulumi up`. The login mode is set to `azurecli` so the run is
non-interactive: sign in with `az login` (locally, or `azure/login` in CI) first. The stack grants that
signed-in principal "Azure Kubernetes Service RBAC Cluster Admin" on a cluster it creates; on an existing
cluster it must already hold a role that can manage namespaces, identities' service accounts and workloads.

An existing cluster must already have the OIDC issuer, workload identity and the Key Vault Secrets Store CSI
add-on enabled (`az aks update --enable-oidc-issuer --enable-workload-identity`,
`az aks enable-addons --addons azure-keyvault-secrets-provider`).
"""

from __future__ import annotations

import base64
import math

import pulumi
import pulumi_azure_native.authorization as authorization
import pulumi_azure_native.containerservice as containerservice
import yaml

from components import catalog
from components.aks.drain import grace_period_seconds
from components.azure import roles
from components.azure.monitoring import send_diagnostics
from components.azure.propagation import propagated
from components.config.model import AksConfig, IngressConfig, MaintenanceWindow
from components.hosting import HostInputs

#: Non-interactive kubelogin mode: reuse the Azure CLI's sign-in.
KUBELOGIN_MODE = "azurecli"
SECRETS_ADDON = "azureKeyvaultSecretsProvider"
MONITORING_ADDON = "omsagent"
SYSTEM_POOL = "system"
#: Keeps application pods off the system pool; cluster add-ons (the gateway's ALB controller) tolerate it.
SYSTEM_POOL_TAINT = ("CriticalAddonsOnly", "true", "NoSchedule")


def non_interactive_kubeconfig(encoded: str) -> str:
    """The kubeconfig AKS returns (base64), with every kubelogin exec set to the non-interactive login mode."""
    config = yaml.safe_load(base64.b64decode(encoded).decode())
    for user in config.get("users") or []:
        exec_ = (user.get("user") or {}).get("exec")
        if not exec_ or "--login" not in exec_.get("args", []):
            continue
        args: list[str] = exec_["args"]
        args[args.index("--login") + 1] = KUBELOGIN_MODE
    return str(yaml.safe_dump(config, sort_keys=False))


class AksCluster(pulumi.ComponentResource):
    """The cluster the Speech pool joins: created with workload identity and the CSI add-on, or looked up."""

    name: pulumi.Output[str]
    resource_group_name: pulumi.Output[str]
    oidc_issuer_url: pulumi.Output[str]
    #: Object id of the application routing add-on's identity ("" when the add-on is off).
    ingress_identity: pulumi.Output[str]
    #: The cluster's ARM id (the scope of the rotation operators' kubeconfig access).
    id: pulumi.Output[str]
    #: The user kubeconfig (kubelogin exec format), a Pulumi secret.
    kubeconfig: pulumi.Output[str]

    def __init__(
        self, name: str, inputs: HostInputs, settings: AksConfig, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("speech-containers:aks:AksCluster", name, None, opts)
        #: What the Kubernetes provider must wait for besides the cluster (the deployer's RBAC grant).
        self.access: list[pulumi.Resource] = []
        if settings.existing_cluster is not None:
            existing = containerservice.get_managed_cluster_output(
                resource_group_name=settings.existing_cluster.resource_group_name,
                resource_name=settings.existing_cluster.name,
                opts=pulumi.InvokeOutputOptions(parent=self),
            )
            self.name = existing.name
            self.id = existing.id
            self.resource_group_name = pulumi.Output.from_input(settings.existing_cluster.resource_group_name)
            issuer = existing.oidc_issuer_profile
            ingress_profile = existing.ingress_profile
            identities = existing.identity_profile
            node_group = existing.node_resource_group
        else:
            assert settings.new_cluster is not None
            cluster = self._create(name, inputs, settings)
            self.name = cluster.name
            self.id = cluster.id
            self.resource_group_name = inputs.resource_group_name
            issuer = cluster.oidc_issuer_profile
            ingress_profile = cluster.ingress_profile
            identities = cluster.identity_profile
            node_group = cluster.node_resource_group
            # Azure RBAC for AKS answers 403 until the deployer's new role propagates.
            self.access.append(propagated(f"{name}-rbac-propagation", [self._grant_deployer(name, cluster)], self))
            # kube-audit-admin: the audit of changes; the full kube-audit (every read) is very costly to ingest.
            send_diagnostics(f"{name}-diagnostics", cluster.id, inputs.workspace, self, ["kube-audit-admin"])
            if settings.maintenance is not None:
                self._maintenance_windows(name, cluster, settings.maintenance)
        self.ingress_identity = ingress_profile.apply(
            lambda p: (p.web_app_routing.identity.object_id if p and p.web_app_routing else None) or ""
        )
        #: Object id of the kubelet identity, which pulls the nodes' images (AcrPull on a private registry).
        self.kubelet_object_id = identities.apply(
            lambda p: (p["kubeletidentity"].object_id if p and "kubeletidentity" in p else None) or ""
        )
        self.oidc_issuer_url = issuer.apply(lambda p: (p.issuer_url if p else None) or "")
        client = authorization.get_client_config_output(opts=pulumi.InvokeOutputOptions(parent=self))
        #: The node resource group (MC_...) AKS manages, as a resource id.
        self.node_resource_group_id = pulumi.Output.concat(
            "/subscriptions/", client.subscription_id, "/resourceGroups/", node_group.apply(lambda g: g or "")
        )
        credentials = containerservice.list_managed_cluster_user_credentials_output(
            resource_group_name=self.resource_group_name,
            resource_name=self.name,
            format="exec",
            opts=pulumi.InvokeOutputOptions(parent=self),
        )
        self.kubeconfig = pulumi.Output.secret(
            credentials.kubeconfigs.apply(lambda k: non_interactive_kubeconfig(k[0].value))
        )
        self.register_outputs({"name": self.name, "oidcIssuerUrl": self.oidc_issuer_url, "kubeconfig": self.kubeconfig})

    def _create(self, name: str, inputs: HostInputs, settings: AksConfig) -> containerservice.ManagedCluster:
        """System pool inline (AKS needs one); the Speech pool is a separate AgentPool so it can change alone."""
        cluster, zones = settings.new_cluster, settings.pool.zones
        assert cluster is not None
        client = authorization.get_client_config_output(opts=pulumi.InvokeOutputOptions(parent=self))
        return containerservice.ManagedCluster(
            f"{name}-cluster",
            resource_group_name=inputs.resource_group_name,
            location=inputs.location,
            tags=inputs.tags,
            dns_prefix=name,
            kubernetes_version=cluster.kubernetes_version,
            sku=containerservice.ManagedClusterSKUArgs(name="Base", tier=cluster.sku_tier),
            identity=containerservice.ManagedClusterIdentityArgs(
                type=containerservice.ResourceIdentityType.SYSTEM_ASSIGNED
            ),
            disable_local_accounts=True,
            enable_rbac=True,
            aad_profile=containerservice.ManagedClusterAADProfileArgs(
                managed=True, enable_azure_rbac=True, tenant_id=client.tenant_id
            ),
            oidc_issuer_profile=containerservice.ManagedClusterOIDCIssuerProfileArgs(enabled=True),
            api_server_access_profile=containerservice.ManagedClusterAPIServerAccessProfileArgs(
                enable_private_cluster=cluster.private_api_server,
                authorized_ip_ranges=list(cluster.api_server_authorized_ip_ranges) or None,
            ),
            ingress_profile=_ingress_profile(settings.ingress),
            security_profile=containerservice.ManagedClusterSecurityProfileArgs(
                workload_identity=containerservice.ManagedClusterSecurityProfileWorkloadIdentityArgs(enabled=True)
            ),
            # Cilium enforces the Speech pods' NetworkPolicy (see components/aks/network_policy.py).
            network_profile=containerservice.ContainerServiceNetworkProfileArgs(
                network_plugin="azure",
                network_plugin_mode="overlay",
                network_dataplane="cilium",
                network_policy="cilium",
            ),
            # The autoscaler's scale-down must wait out a draining pod's streams (default 600 s).
            auto_scaler_profile=containerservice.ManagedClusterPropertiesAutoScalerProfileArgs(
                max_graceful_termination_sec=str(grace_period_seconds(inputs.stream_budget_seconds))
            ),
            auto_upgrade_profile=containerservice.ManagedClusterAutoUpgradeProfileArgs(
                upgrade_channel="patch", node_os_upgrade_channel="NodeImage"
            ),
            addon_profiles={
                SECRETS_ADDON: containerservice.ManagedClusterAddonProfileArgs(
                    enabled=True,
                    config={
                        "enableSecretRotation": "true",
                        "rotationPollInterval": cluster.secret_rotation_poll_interval,
                    },
                ),
                MONITORING_ADDON: containerservice.ManagedClusterAddonProfileArgs(
                    enabled=True, config={"logAnalyticsWorkspaceResourceID": inputs.workspace.id}
                ),
            },
            agent_pool_profiles=[
                containerservice.ManagedClusterAgentPoolProfileArgs(
                    name=SYSTEM_POOL,
                    mode="System",
                    vm_size=cluster.system_vm_size,
                    count=cluster.system_node_count,
                    os_type="Linux",
                    availability_zones=list(zones) or None,
                    vnet_subnet_id=cluster.vnet_subnet_id,
                    enable_encryption_at_host=settings.encryption_at_host or None,
                    # Keep application pods off the system pool.
                    node_taints=["{}={}:{}".format(*SYSTEM_POOL_TAINT)],
                )
            ],
            opts=pulumi.ResourceOptions(parent=self),
        )

    def _maintenance_windows(
        self, name: str, cluster: containerservice.ManagedCluster, window: MaintenanceWindow
    ) -> None:
        """Cluster and node OS upgrades (both drain nodes, so both cut calls longer than the stream budget) only in
        the weekly window: the two maintenance configurations AKS reads, aksManagedAutoUpgradeSchedule and
        aksManagedNodeOSUpgradeSchedule (https://learn.microsoft.com/azure/aks/planned-maintenance, read
        2026-12-02)."""
        for config_name in ("aksManagedAutoUpgradeSchedule", "aksManagedNodeOSUpgradeSchedule"):
            containerservice.MaintenanceConfiguration(
                f"{name}-{config_name}",
                resource_group_name=self.resource_group_name,
                resource_name_=cluster.name,
                config_name=config_name,
                maintenance_window=containerservice.MaintenanceWindowArgs(
                    schedule=containerservice.ScheduleArgs(
                        weekly=containerservice.WeeklyScheduleArgs(
                            day_of_week=window.day_of_week.value, interval_weeks=1
                        )
                    ),
                    start_time=window.start_time,
                    duration_hours=window.duration_hours,
                    utc_offset=window.utc_offset,
                ),
                opts=pulumi.ResourceOptions(parent=self),
            )

    def _grant_deployer(self, name: str, cluster: containerservice.ManagedCluster) -> authorization.RoleAssignment:
        """Local accounts are off, so whoever runs `pulumi up` needs an Azure RBAC role to apply workloads.

        The principal may be a user or a service principal; ARM looks its type up.
        """
        client = authorization.get_client_config_output(opts=pulumi.InvokeOutputOptions(parent=self))
        return authorization.RoleAssignment(
            f"{name}-deployer-admin",
            principal_id=client.object_id,
            role_definition_id=roles.role_definition_id(catalog.Role.AKS_RBAC_CLUSTER_ADMIN),
            scope=cluster.id,
            opts=pulumi.ResourceOptions(parent=self),
        )


def _ingress_profile(ingress: IngressConfig | None) -> containerservice.ManagedClusterIngressProfileArgs | None:
    """The application routing add-on (managed nginx), public or on an internal load balancer."""
    if ingress is None:
        return None
    return containerservice.ManagedClusterIngressProfileArgs(
        web_app_routing=containerservice.ManagedClusterIngressProfileWebAppRoutingArgs(
            enabled=True,
            nginx=containerservice.ManagedClusterIngressProfileNginxArgs(
                default_ingress_controller_type="Internal" if ingress.internal else "External"
            ),
        )
    )


class SpeechNodePool(pulumi.ComponentResource):
    """The AVX2 user pool reserved for Speech pods by a label and a NoSchedule taint, scaled by the autoscaler."""

    pool_name: str
    agent_pool: containerservice.AgentPool

    def __init__(
        self,
        name: str,
        cluster: AksCluster,
        aks: AksConfig,
        tags: dict[str, str],
        stream_budget_seconds: int,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__("speech-containers:aks:SpeechNodePool", name, None, opts)
        facts, settings = catalog.AKS, aks.pool
        self.pool_name = settings.name
        self.agent_pool = containerservice.AgentPool(
            f"{name}-pool",
            resource_group_name=cluster.resource_group_name,
            resource_name_=cluster.name,
            agent_pool_name=settings.name,
            # Fixed so the kube-reserved memory sizing assumes is the one AKS applies (catalog.vm_sizes).
            max_pods=catalog.SPEECH_POOL_MAX_PODS,
            mode="User",
            os_type="Linux",
            vm_size=settings.vm_size.name,
            os_disk_size_gb=settings.os_disk_size_gb,
            enable_auto_scaling=True,
            count=settings.min_count,
            min_count=settings.min_count,
            max_count=settings.max_count,
            availability_zones=list(settings.zones) or None,
            # A created cluster's pools share its node subnet; an existing cluster's pool gets AKS's default.
            vnet_subnet_id=aks.new_cluster.vnet_subnet_id if aks.new_cluster else None,
            enable_encryption_at_host=aks.encryption_at_host or None,
            # Upgrades drain each node: give its pods their whole grace period (default 30 min), one surge node.
            upgrade_settings=containerservice.AgentPoolUpgradeSettingsArgs(
                drain_timeout_in_minutes=min(
                    catalog.AKS.max_drain_timeout_minutes, math.ceil(grace_period_seconds(stream_budget_seconds) / 60)
                ),
                max_surge="1",
            ),
            node_labels={facts.pool_taint_key: facts.pool_taint_value},
            node_taints=[f"{facts.pool_taint_key}={facts.pool_taint_value}:NoSchedule"],
            tags=tags,
            # The cluster autoscaler owns the node count between min and max.
            opts=pulumi.ResourceOptions(parent=self, ignore_changes=["count"]),
        )
        self.register_outputs({"poolName": self.pool_name, "id": self.agent_pool.id})
