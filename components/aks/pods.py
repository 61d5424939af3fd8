"""What every Speech pod on AKS is made of: labels, settings, probes, resources, and a hardened pod spec pinned
to the Speech pool. Shared by the workloads, the custom-model download and the preflight.

Security: seccomp RuntimeDefault, no privilege escalation, every capability dropped, no service account token
(the CSI driver gets its own). The images run as their own `nonroot` user, given by name, which the kubelet cannot
verify for `runAsNonRoot` and whose uid Microsoft does not document, so the pod keeps the image's user and makes
volumes writable through `fsGroup` instead of forcing a uid the image may not own.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import pulumi
import pulumi_kubernetes as k8s

from components import catalog
from components.catalog import Size
from components.config.model import ContainerConfig
from components.lockdown import Setting, container_settings, license_settings

if TYPE_CHECKING:  # the pool's module builds pools, whose drain settings come from drain.py, which uses this one
    from components.aks.cluster import SpeechNodePool

PORT_NAME = catalog.AKS.service_port_name
#: Group that owns mounted volumes (the distroless `nonroot` gid); any gid works since the pod joins it.
VOLUME_GROUP_ID = 65532
MODEL_VOLUME = "models"
OUTPUT_VOLUME = "output"
LICENSE_VOLUME = "license"
#: The Secret holding the proxy's credentials (`HTTP_PROXY_CREDS`), created by the host (components/aks/proxy.py).
PROXY_SECRET = "speech-proxy"
PROXY_SECRET_KEY = "credentials"
#: The pod's own name, for the output volume's per-pod folder (`subPathExpr: $(POD_NAME)`).
POD_NAME_VARIABLE = "POD_NAME"
#: What every container of ours may do: nothing more than it needs.
CONTAINER_SECURITY: k8s.core.v1.SecurityContextArgsDict = {
    "allow_privilege_escalation": False,
    "privileged": False,
    "capabilities": {"drop": ["ALL"]},
}


def selector_labels(container: ContainerConfig) -> dict[str, str]:
    """Labels that find this deployment's pods (`name` is the deployment, `component` its kind); `part-of` is what
    the rotation command selects on. A Deployment's selector cannot change: these stay as v1 set them."""
    return {
        "app.kubernetes.io/name": container.name,
        "app.kubernetes.io/component": container.kind.value,
        "app.kubernetes.io/part-of": catalog.AKS.part_of,
    }


def labels(container: ContainerConfig) -> dict[str, str]:
    return {
        **selector_labels(container),
        "app.kubernetes.io/version": container.tag,
        "app.kubernetes.io/managed-by": "pulumi",
    }


def credential_env() -> list[k8s.core.v1.EnvVarArgsDict]:
    """`Billing` and `ApiKey` from the Secret the CSI driver syncs from Key Vault, never literals."""
    facts = catalog.AKS

    def from_secret(name: str, key: str) -> k8s.core.v1.EnvVarArgsDict:
        return {"name": name, "value_from": {"secret_key_ref": {"name": facts.credentials_secret, "key": key}}}

    return [from_secret("Billing", facts.billing_endpoint_data_key), from_secret("ApiKey", facts.api_key_data_key)]


def settings_secret_name(container: ContainerConfig) -> str:
    """The Secret holding a deployment's `env` values when they are secret."""
    return f"{container.name}-settings"


def environment(container: ContainerConfig) -> list[k8s.core.v1.EnvVarArgsDict]:
    """The container's settings (secret ones by reference), then the credentials from the synced Secret."""
    plain: list[tuple[str, pulumi.Input[str]]] = [("Eula", "accept")]
    # The output volume's folder is named after the pod.
    settings: list[k8s.core.v1.EnvVarArgsDict] = [pod_name_env()] if container.output else []
    if container.model_id:
        plain.append(("ModelId", container.model_id))
    if container.decoder_max_count:
        plain.append(("DECODER_MAX_COUNT", str(container.decoder_max_count)))
    if not container.env_secret:
        plain += container.env
    settings += [{"name": k, "value": v} for k, v in plain]
    if container.env_secret:
        secret = settings_secret_name(container)
        settings += [
            {"name": k, "value_from": {"secret_key_ref": {"name": secret, "key": k}}} for k, _ in container.env
        ]
    if container.disconnected:
        # On its license: no Billing or ApiKey (catalog.LICENSE_DOWNLOAD).
        return [*settings, *variables(license_settings()), *variables(container_settings(container))]
    return [*settings, *variables(container_settings(container)), *credential_env()]


def variables(settings: list[Setting]) -> list[k8s.core.v1.EnvVarArgsDict]:
    """Settings as environment variables; the one secret (the proxy's credentials) from the host's Secret."""
    return [
        {"name": s.name, "value_from": {"secret_key_ref": {"name": PROXY_SECRET, "key": PROXY_SECRET_KEY}}}
        if s.secret
        else {"name": s.name, "value": s.value}
        for s in settings
    ]


def claim_volume(
    volume: str, claim: str, mount_path: str, sub_path_expr: str | None = None
) -> tuple[k8s.core.v1.VolumeArgsDict, k8s.core.v1.VolumeMountArgsDict]:
    """A persistent volume claim as a pod volume `volume`, and its mount at `mount_path` (optionally a subfolder)."""
    mount: k8s.core.v1.VolumeMountArgsDict = {"name": volume, "mount_path": mount_path}
    if sub_path_expr is not None:
        mount["sub_path_expr"] = sub_path_expr
    return {"name": volume, "persistent_volume_claim": {"claim_name": claim}}, mount


def output_volume(container: ContainerConfig) -> tuple[k8s.core.v1.VolumeArgsDict, k8s.core.v1.VolumeMountArgsDict]:
    """The deployment's output claim (`<deployment>-output`), mounted at `Mounts:Output` in a folder per pod, so
    replicas never write into one another's files; `POD_NAME` (pod_name_env) names the folder."""
    return claim_volume(
        OUTPUT_VOLUME, output_claim_name(container), catalog.OUTPUT.mount_path, f"$({POD_NAME_VARIABLE})"
    )


def output_claim_name(container: ContainerConfig) -> str:
    return f"{container.name}-output"


def pod_name_env() -> k8s.core.v1.EnvVarArgsDict:
    return {"name": POD_NAME_VARIABLE, "value_from": {"field_ref": {"field_path": "metadata.name"}}}


def _probe(path: str, period: int, failures: int) -> k8s.core.v1.ProbeArgsDict:
    return {
        "http_get": {"path": path, "port": PORT_NAME},
        "period_seconds": period,
        "timeout_seconds": catalog.PROBE_TIMEOUT_SECONDS,
        "failure_threshold": failures,
    }


def probes(container: ContainerConfig) -> k8s.core.v1.ContainerArgsDict:
    """Startup waits out model loading on the image's readiness path; liveness uses a page that does not depend
    on billing."""
    period = catalog.READINESS_PERIOD_SECONDS
    ready = container.spec.ready_path(container.tag)
    return {
        "name": container.name,
        "startup_probe": _probe(ready, period, math.ceil(container.spec.startup_budget_seconds / period)),
        "readiness_probe": _probe(ready, period, catalog.PROBE_FAILURE_THRESHOLD),
        "liveness_probe": _probe(
            catalog.LIVENESS_PATH, catalog.LIVENESS_PERIOD_SECONDS, catalog.PROBE_FAILURE_THRESHOLD
        ),
    }


def resources(size: Size) -> k8s.core.v1.ResourceRequirementsArgsDict:
    """Requests are the size; memory is also the limit (no CPU limit, so decoders are not throttled)."""
    memory = f"{size.memory_gb:g}Gi"
    return {"requests": {"cpu": f"{size.cpu:g}", "memory": memory}, "limits": {"memory": memory}}


def speech_pod(
    pool: SpeechNodePool,
    service_account: str,
    volumes: list[k8s.core.v1.VolumeArgsDict],
    container: k8s.core.v1.ContainerArgsDict,
) -> k8s.core.v1.PodSpecArgsDict:
    """A pod on the Speech pool (its node selector and toleration) with hardened security contexts."""
    facts = catalog.AKS
    return {
        "service_account_name": service_account,
        "automount_service_account_token": False,
        "node_selector": {facts.agentpool_label: pool.pool_name},
        "tolerations": [
            {
                "key": facts.pool_taint_key,
                "operator": "Equal",
                "value": facts.pool_taint_value,
                "effect": "NoSchedule",
            }
        ],
        "security_context": {
            "seccomp_profile": {"type": "RuntimeDefault"},
            "fs_group": VOLUME_GROUP_ID,
            "fs_group_change_policy": "OnRootMismatch",
        },
        "volumes": volumes,
        "containers": [{**container, "security_context": CONTAINER_SECURITY}],
    }


def speech_container(
    container: ContainerConfig, mounts: list[k8s.core.v1.VolumeMountArgsDict]
) -> k8s.core.v1.ContainerArgsDict:
    """The Speech container of a deployment: image, port, settings, size, probes and volumes."""
    return {
        **probes(container),
        "image": container.image,
        "ports": [{"name": PORT_NAME, "container_port": container.spec.port, "protocol": "TCP"}],
        "env": environment(container),
        "resources": resources(container.size),
        "volume_mounts": mounts,
    }


def one_shot_job(
    name: str,
    job_name: str,
    namespace: pulumi.Input[str],
    labels: dict[str, str],
    pod: k8s.core.v1.PodSpecArgsDict,
    deadline_seconds: int,
    retries: int,
    opts: pulumi.ResourceOptions,
) -> k8s.batch.v1.Job:
    """A Job that `pulumi up` waits for and fails with: the pod never restarts in place, every try is bounded by
    the deadline, and a failed Job runs again on the next `pulumi up` (`pulumi.com/replaceUnready`) instead of being
    awaited for ever. Its pod template cannot change, so a changed Job is a new one."""
    pod = {**pod, "restart_policy": "Never"}
    return k8s.batch.v1.Job(
        name,
        metadata={
            "name": job_name,
            "namespace": namespace,
            "labels": labels,
            "annotations": {
                "pulumi.com/replaceUnready": "true",
                "pulumi.com/timeoutSeconds": str(deadline_seconds * (retries + 1)),
            },
        },
        spec={
            "backoff_limit": retries,
            "active_deadline_seconds": deadline_seconds,
            "template": {"metadata": {"labels": labels}, "spec": pod},
        },
        opts=pulumi.ResourceOptions.merge(
            opts, pulumi.ResourceOptions(replace_on_changes=["spec"], delete_before_replace=True)
        ),
    )
