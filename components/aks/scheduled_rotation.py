"""Scheduled key rotation inside the cluster: a CronJob runs the rotation command where the containers run.

Why a CronJob: the AKS rotation needs nothing but Azure and the Kubernetes API (rotation/aks.py), both reachable
from a pod with a workload identity, and Kubernetes already offers schedules, single runs (`Forbid`) and history.
Each run rotates only a key older than the rotation period (`--if-older-than-days`) and always finishes a rotation
left half-done; the vault lease (rotation/lease.py) keeps it from overlapping a person's run. A run that is stopped
resumes at the next schedule, since the state lives in the secret's tags.

ACI has no job inside Azure: there the key is an environment variable of each container group, which only
`pulumi up` with the stack's `speech.activeKey` changes, so its schedule runs in the deployment pipeline
(docs/examples/aci-key-rotation.yml; the reasons are in docs/rotation.md).

Least privilege: the identity may read, list and regenerate the account's keys (a custom role on the account, not
Cognitive Services Contributor, which could also delete it), set versions of the vault's secrets (Key Vault
Secrets Officer, which the lease secret needs too), and in the namespace only what the Role in
rotation_access.py allows.

Defining that custom role takes `Microsoft.Authorization/roleDefinitions/write`, which Owner and User Access
Administrator hold and Role Based Access Control Administrator does not (it may only assign roles:
https://learn.microsoft.com/azure/role-based-access-control/built-in-roles/privileged, read 2026-12-02). A
deployer with only the latter names a role created beforehand (`accountRoleDefinitionId`), which is checked at plan
time: a role that lacks one of the actions, or that does not exist, stops the plan.
"""

from __future__ import annotations

from collections.abc import Sequence
from fnmatch import fnmatchcase

import pulumi
import pulumi_azure_native.authorization as authorization
import pulumi_kubernetes as k8s

from components import catalog
from components.aks.pods import CONTAINER_SECURITY, resources, variables
from components.aks.rotation_access import RotationAccess
from components.aks.vault_cli import WORKLOAD_IDENTITY_LABEL
from components.aks.workload_identity import identity_service_account, namespaced_identity
from components.azure import roles
from components.azure.alert_rules import ROTATION_JOB
from components.azure.cloud import stack_cloud
from components.azure.propagation import propagated
from components.config.model import ScheduledRotation
from components.hosting import HostInputs
from components.lockdown import proxy_settings, through_proxy

JOB_NAME = ROTATION_JOB
SERVICE_ACCOUNT = "speech-rotation"
#: Bounds a stuck run. A rotation restarts every Deployment and waits for the rollouts, each paced by model loading;
#: a run stopped at the deadline resumes at the next schedule.
DEADLINE_SECONDS = 6 * 3600
#: Each wait of the command (CSI sync, rollout, readiness, /status).
WAIT_TIMEOUT_SECONDS = 2 * 3600
#: `USER 65532:65532` in rotation/Dockerfile (tests/test_rotation_image.py keeps them equal).
IMAGE_UID = 65532
SCRATCH = "/tmp"
#: What the command does to the Speech account (rotation/account.py), as ARM operations.
ACCOUNT_ACTIONS = [
    "Microsoft.CognitiveServices/accounts/read",
    "Microsoft.CognitiveServices/accounts/listKeys/action",
    "Microsoft.CognitiveServices/accounts/regenerateKey/action",
]


class AccountRoleError(pulumi.RunError):
    """`aks.scheduledRotation.accountRoleDefinitionId` names no usable role."""


def _allows(patterns: Sequence[str], action: str) -> bool:
    return any(fnmatchcase(action.lower(), pattern.lower()) for pattern in patterns)


def checked_account_role(definition_id: str) -> str:
    """The user's role definition id, once Azure says it exists and allows every ACCOUNT_ACTIONS; warns when it
    allows more."""
    key = "aks.scheduledRotation.accountRoleDefinitionId"
    subscription, guid = definition_id.split("/")[2], definition_id.rsplit("/", 1)[1]
    # A role that does not exist fails the plan here with ARM's own RoleDefinitionDoesNotExist (an invoke's error
    # ends the program whether or not it is caught).
    role = authorization.get_role_definition(role_definition_id=guid, scope=f"/subscriptions/{subscription}")
    allowed = [a for p in role.permissions or [] for a in p.actions or []]
    denied = [a for p in role.permissions or [] for a in p.not_actions or []]
    missing = [a for a in ACCOUNT_ACTIONS if not _allows(allowed, a) or _allows(denied, a)]
    if missing:
        raise AccountRoleError(
            f"{key}: role {role.role_name!r} does not allow {', '.join(missing)}; the rotation needs exactly "
            f"{', '.join(ACCOUNT_ACTIONS)}"
        )
    needed = {action.lower() for action in ACCOUNT_ACTIONS}
    data_actions = [a for p in role.permissions or [] for a in p.data_actions or []]  # the rotation needs none
    extra = sorted(action for action in allowed if action.lower() not in needed) + sorted(data_actions)
    if extra:
        pulumi.log.warn(f"{key}: role {role.role_name!r} allows more than the rotation needs: {', '.join(extra)}")
    return definition_id


def resource_group_of(resource_id: str) -> str:
    """`/subscriptions/<id>/resourceGroups/<name>` of an ARM resource id."""
    return resource_id.split("/providers/", 1)[0]


def rotation_args(
    settings: ScheduledRotation, inputs: HostInputs, namespace: pulumi.Input[str]
) -> pulumi.Output[list[str]]:
    """The command line: explicit targets (no Pulumi CLI in the pod), JSON events for the logs."""
    assert inputs.speech_account_id is not None
    cloud = stack_cloud().rotation
    return pulumi.Output.all(inputs.speech_account_id, inputs.vault.uri, namespace).apply(
        lambda found: [
            "rotate",
            "--host=aks",
            "--in-cluster",
            f"--cloud={cloud}",
            f"--account-id={found[0]}",
            f"--vault-url={found[1]}",
            f"--secret-name={inputs.vault.api_key_secret_name}",
            f"--namespace={found[2]}",
            f"--if-older-than-days={settings.due_after_days}",
            f"--expiry-days={inputs.api_key_expiry_days}",
            f"--timeout={WAIT_TIMEOUT_SECONDS}",
            "--json",
        ]
    )


class ScheduledKeyRotation(pulumi.ComponentResource):
    """The rotation's identity and roles, its service account bound to the rotation Role, and the CronJob."""

    def __init__(
        self,
        name: str,
        settings: ScheduledRotation,
        inputs: HostInputs,
        namespace: pulumi.Input[str],
        oidc_issuer_url: pulumi.Input[str],
        access: RotationAccess,
        provider: k8s.Provider,
        opts: pulumi.ResourceOptions | None = None,
        pod_prerequisites: Sequence[pulumi.Resource] = (),
    ) -> None:
        super().__init__("speech-containers:aks:ScheduledKeyRotation", name, None, opts)
        assert inputs.speech_account_id is not None
        identity, federation = namespaced_identity(name, inputs, namespace, oidc_issuer_url, SERVICE_ACCOUNT, self)
        if settings.account_role_definition_id is not None:
            rotator: pulumi.Input[str] = checked_account_role(settings.account_role_definition_id)
            replicated: list[pulumi.Resource] = []
        else:
            definition = self._account_role(name, inputs.speech_account_id)
            rotator, replicated = definition.id, [propagated(f"{name}-role-replication", [definition], self)]
        grants = [
            roles.assign(
                f"{name}-account",
                rotator,
                identity.principal_id,
                "ServicePrincipal",
                inputs.speech_account_id,
                self,
                after=replicated,
            ),
            roles.grant(
                f"{name}-vault",
                catalog.Role.KEY_VAULT_SECRETS_OFFICER,
                identity.principal_id,
                "ServicePrincipal",
                inputs.vault.id,
                self,
            ),
        ]
        usable = propagated(f"{name}-propagation", grants, self)
        k8s_opts = pulumi.ResourceOptions(parent=self, provider=provider)
        service_account = identity_service_account(name, SERVICE_ACCOUNT, namespace, identity, k8s_opts)
        binding = access.bind(
            f"{name}-binding",
            SERVICE_ACCOUNT,
            [{"kind": "ServiceAccount", "name": SERVICE_ACCOUNT, "namespace": namespace}],
        )
        after = pulumi.ResourceOptions(depends_on=[service_account, binding, federation, usable, *pod_prerequisites])
        self.cron_job = self._cron_job(name, settings, inputs, namespace, pulumi.ResourceOptions.merge(k8s_opts, after))
        self.register_outputs({"identityClientId": identity.client_id, "schedule": settings.schedule})

    def _account_role(self, name: str, account_id: pulumi.Output[str]) -> authorization.RoleDefinition:
        """The custom role of ACCOUNT_ACTIONS, assignable in the account's resource group."""
        # A custom role's assignable scopes are management groups, subscriptions or resource groups, not a resource
        # (https://learn.microsoft.com/azure/role-based-access-control/custom-roles#custom-role-properties, read
        # 2026-12-02); the assignment is the account's own.
        group = account_id.apply(resource_group_of)
        return authorization.RoleDefinition(
            f"{name}-account-rotator",
            scope=group,
            role_name=pulumi.Output.concat("Speech key rotator (", account_id, ")"),
            description="Read, list and regenerate the keys of one Speech account (speech-containers rotation).",
            permissions=[authorization.PermissionArgs(actions=ACCOUNT_ACTIONS)],
            assignable_scopes=[group],
            opts=pulumi.ResourceOptions(parent=self),
        )

    def _cron_job(
        self,
        name: str,
        settings: ScheduledRotation,
        inputs: HostInputs,
        namespace: pulumi.Input[str],
        opts: pulumi.ResourceOptions,
    ) -> k8s.batch.v1.CronJob:
        # Not part-of speech-containers: the Speech pods' NetworkPolicy is not for it (it calls the API server).
        labels = {"app.kubernetes.io/name": JOB_NAME, WORKLOAD_IDENTITY_LABEL: "true"}
        container: k8s.core.v1.ContainerArgsDict = {
            "name": "rotation",
            "image": settings.image,
            "resources": resources(catalog.PREFLIGHT.size),
            "security_context": {**CONTAINER_SECURITY, "read_only_root_filesystem": True},
            # The root filesystem is read-only: whatever the SDKs write goes to /tmp. Behind the stack's proxy, the
            # Azure SDKs (requests) read HTTPS_PROXY and NO_PROXY; the API server is reached in-cluster.
            "env": [{"name": "HOME", "value": SCRATCH}, *variables(proxy_settings(inputs.proxy))],
            "volume_mounts": [{"name": "scratch", "mount_path": SCRATCH}],
        }
        arguments = rotation_args(settings, inputs, namespace)
        if inputs.proxy is not None and inputs.proxy.credentials is not None:
            # requests takes proxy credentials only in the proxy URL: the shell puts them there as it starts.
            container["command"] = through_proxy(["/bin/sh", "-c", 'exec python3 -m rotation "$@"'], inputs.proxy)
            container["args"] = arguments.apply(lambda found: ["rotation", *found])
        else:
            container["args"] = arguments
        pod: k8s.core.v1.PodSpecArgsDict = {
            "service_account_name": SERVICE_ACCOUNT,
            "restart_policy": "Never",
            # The uid rotation/Dockerfile runs as, numeric so the kubelet can check runAsNonRoot.
            "security_context": {
                "run_as_non_root": True,
                "run_as_user": IMAGE_UID,
                "run_as_group": IMAGE_UID,
                "seccomp_profile": {"type": "RuntimeDefault"},
            },
            "containers": [container],
            "volumes": [{"name": "scratch", "empty_dir": {"size_limit": "64Mi"}}],
        }
        job: k8s.batch.v1.JobSpecArgsDict = {
            # A failed run is not retried at once: the next schedule resumes it, and the alert says it failed.
            "backoff_limit": 0,
            "active_deadline_seconds": DEADLINE_SECONDS,
            "template": {"metadata": {"labels": labels}, "spec": pod},
        }
        spec: k8s.batch.v1.CronJobSpecArgsDict = {
            "schedule": settings.schedule,
            # spec.timeZone is GA since Kubernetes 1.27 (https://kubernetes.io/docs/concepts/workloads/controllers/
            # cron-jobs/#time-zones, read 2026-12-02); without it, kube-controller-manager's zone applies.
            "time_zone": "Etc/UTC",
            "concurrency_policy": "Forbid",
            "starting_deadline_seconds": 3600,
            "successful_jobs_history_limit": 3,
            "failed_jobs_history_limit": 3,
            "job_template": {"spec": job},
        }
        return k8s.batch.v1.CronJob(
            f"{name}-cron-job",
            metadata={"name": JOB_NAME, "namespace": namespace, "labels": {"app.kubernetes.io/name": JOB_NAME}},
            spec=spec,
            opts=opts,
        )
