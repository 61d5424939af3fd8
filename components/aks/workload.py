"""One Speech deployment on AKS: Deployment, Service, PodDisruptionBudget, HorizontalPodAutoscaler, and
for custom-speech-to-text the model volume.

Choices worth knowing:
- Replicas: `replicas` is the HPA's minimum and the Deployment leaves `spec.replicas` to the HPA (Kubernetes'
  guidance), so a `pulumi up` never scales a busy Deployment back down.
- Rollouts add one pod before removing one (maxUnavailable 0); each new pod may need the whole startup budget,
  so Pulumi's await timeout is that budget per minimum replica plus a margin.
- Key rotation restarts pods by patching the pod-template annotation `speech-containers.io/restarted-at`; the
  stack never sets that annotation, so server-side apply leaves it alone. Deployments also carry Stakater
  Reloader's annotation, so clusters running Reloader restart pods as soon as the synced Secret changes.
- Security: seccomp RuntimeDefault, no privilege escalation, every capability dropped, no service account
  token (the CSI driver gets its own). The images run as their own `nonroot` user, given by name, which the
  kubelet cannot verify for `runAsNonRoot` and whose uid Microsoft does not document, so the pod keeps the
  image's user and makes volumes writable through `fsGroup` instead of forcing a uid the image may not own.
- Custom models: a ReadWriteMany Azure Files claim, so every replica and a rolling update's new pod share the
  model downloaded once (a ReadWriteOnce disk would force one replica and Recreate, with downtime each update).
  AKS's built-in Azure Files classes mount shares with mode 0777, so the image's user can write the model; the
  cost is a model read over SMB at start (it is memory-mapped, then served from RAM).
"""

from __future__ import annotations

import math

import pulumi
import pulumi_kubernetes as k8s

from components import catalog
from components.aks.cluster import SpeechNodePool
from components.aks.credentials import SpeechCredentials
from components.catalog import Size
from components.config.model import ContainerConfig

PORT_NAME = catalog.AKS.service_port_name
#: Group that owns mounted volumes (the distroless `nonroot` gid); any gid works since the pod joins it.
VOLUME_GROUP_ID = 65532
CPU_TARGET_PERCENT = 70
#: Pods take many minutes to become ready, so scaling down waits long enough not to flap.
SCALE_DOWN_STABILIZATION_SECONDS = 15 * 60
ROLLOUT_MARGIN_SECONDS = 10 * 60
RELOADER_ANNOTATION = "secret.reloader.stakater.com/reload"
PULUMI_TIMEOUT_ANNOTATION = "pulumi.com/timeoutSeconds"
MODEL_VOLUME = "models"


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
    if container.model_id:
        plain.append(("ModelId", container.model_id))
    if container.decoder_max_count:
        plain.append(("DECODER_MAX_COUNT", str(container.decoder_max_count)))
    if not container.env_secret:
        plain += container.env
    settings: list[k8s.core.v1.EnvVarArgsDict] = [{"name": k, "value": v} for k, v in plain]
    if container.env_secret:
        secret = settings_secret_name(container)
        settings += [
            {"name": k, "value_from": {"secret_key_ref": {"name": secret, "key": k}}} for k, _ in container.env
        ]
    return [*settings, *credential_env()]


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
        "containers": [
            {
                **container,
                "security_context": {
                    "allow_privilege_escalation": False,
                    "privileged": False,
                    "capabilities": {"drop": ["ALL"]},
                },
            }
        ],
    }


class SpeechWorkload(pulumi.ComponentResource):
    """One deployment, scheduled only on the Speech pool, reachable in-cluster through its Service."""

    #: `<service>.<namespace>.svc.cluster.local`
    host: pulumi.Output[str]

    def __init__(
        self,
        name: str,
        container: ContainerConfig,
        namespace: pulumi.Output[str],
        pool: SpeechNodePool,
        credentials: SpeechCredentials,
        provider: k8s.Provider,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__("speech-containers:aks:SpeechWorkload", name, None, opts)
        self._container = container
        self._namespace = namespace
        self._opts = pulumi.ResourceOptions(parent=self, provider=provider)
        volumes: list[k8s.core.v1.VolumeArgsDict] = [credentials.volume()]
        mounts: list[k8s.core.v1.VolumeMountArgsDict] = [credentials.volume_mount()]
        prerequisites: list[pulumi.Resource] = [*credentials.pod_prerequisites, pool.agent_pool]
        if container.env_secret:
            prerequisites.append(self._settings_secret(name))
        if container.spec.needs_model_id:
            claim = self._model_claim(name)
            volumes.append({"name": MODEL_VOLUME, "persistent_volume_claim": {"claim_name": claim.metadata.name}})
            mounts.append({"name": MODEL_VOLUME, "mount_path": catalog.MODEL_MOUNT_PATH})
        deployment = k8s.apps.v1.Deployment(
            f"{name}-deployment",
            metadata=self._metadata(
                {
                    RELOADER_ANNOTATION: catalog.AKS.credentials_secret,
                    PULUMI_TIMEOUT_ANNOTATION: str(
                        container.spec.startup_budget_seconds * container.replicas + ROLLOUT_MARGIN_SECONDS
                    ),
                }
            ),
            spec={
                "selector": {"match_labels": selector_labels(container)},
                # Kubernetes' default of 600 s would call a pod still loading its model a failed rollout.
                "progress_deadline_seconds": container.spec.startup_budget_seconds + ROLLOUT_MARGIN_SECONDS,
                "strategy": {"type": "RollingUpdate", "rolling_update": {"max_surge": 1, "max_unavailable": 0}},
                "template": {
                    "metadata": {"labels": labels(container)},
                    "spec": self._pod(pool, credentials.service_account_name, volumes, mounts),
                },
            },
            opts=pulumi.ResourceOptions.merge(self._opts, pulumi.ResourceOptions(depends_on=prerequisites)),
        )
        service = k8s.core.v1.Service(
            f"{name}-service",
            metadata=self._metadata(),
            spec={
                "type": "ClusterIP",
                "selector": selector_labels(container),
                "ports": [
                    {"name": PORT_NAME, "port": container.spec.port, "target_port": PORT_NAME, "protocol": "TCP"}
                ],
            },
            opts=self._opts,
        )
        k8s.policy.v1.PodDisruptionBudget(
            f"{name}-disruption-budget",
            metadata=self._metadata(),
            # One pod at a time: drains keep the rest serving, and a single replica never blocks node upgrades.
            spec={"max_unavailable": 1, "selector": {"match_labels": selector_labels(container)}},
            opts=self._opts,
        )
        k8s.autoscaling.v2.HorizontalPodAutoscaler(
            f"{name}-autoscaler",
            metadata=self._metadata(),
            spec={
                "scale_target_ref": {"api_version": "apps/v1", "kind": "Deployment", "name": deployment.metadata.name},
                "min_replicas": container.replicas,
                "max_replicas": container.max_replicas,
                "metrics": [
                    {
                        "type": "Resource",
                        "resource": {
                            "name": "cpu",
                            "target": {"type": "Utilization", "average_utilization": CPU_TARGET_PERCENT},
                        },
                    }
                ],
                "behavior": {"scale_down": {"stabilization_window_seconds": SCALE_DOWN_STABILIZATION_SECONDS}},
            },
            opts=self._opts,
        )
        self.host = pulumi.Output.concat(service.metadata.name, ".", namespace, ".svc.cluster.local")
        self.register_outputs({"deployment": container.name, "host": self.host})

    def _metadata(self, annotations: dict[str, str] | None = None) -> k8s.meta.v1.ObjectMetaArgsDict:
        """Every object of a deployment is named after it (the rotation command finds them by name and labels)."""
        meta: k8s.meta.v1.ObjectMetaArgsDict = {
            "name": self._container.name,
            "namespace": self._namespace,
            "labels": labels(self._container),
        }
        if annotations:
            meta["annotations"] = annotations
        return meta

    def _settings_secret(self, name: str) -> k8s.core.v1.Secret:
        """The `env` values from secret config, in a Secret (encrypted in state) instead of the pod spec."""
        metadata = self._metadata()
        metadata["name"] = settings_secret_name(self._container)
        return k8s.core.v1.Secret(
            f"{name}-settings",
            metadata=metadata,
            type="Opaque",
            string_data=pulumi.Output.secret(dict(self._container.env)),
            opts=self._opts,
        )

    def _model_claim(self, name: str) -> k8s.core.v1.PersistentVolumeClaim:
        metadata = self._metadata()
        metadata["name"] = f"{self._container.name}-{MODEL_VOLUME}"
        return k8s.core.v1.PersistentVolumeClaim(
            f"{name}-models",
            metadata=metadata,
            spec={
                "access_modes": ["ReadWriteMany"],
                "storage_class_name": catalog.AKS.model_storage_class,
                "resources": {"requests": {"storage": f"{self._container.model_storage_gb}Gi"}},
            },
            opts=self._opts,
        )

    def _pod(
        self,
        pool: SpeechNodePool,
        service_account: str,
        volumes: list[k8s.core.v1.VolumeArgsDict],
        mounts: list[k8s.core.v1.VolumeMountArgsDict],
    ) -> k8s.core.v1.PodSpecArgsDict:
        container = self._container
        spec = speech_pod(
            pool,
            service_account,
            volumes,
            {
                **probes(container),
                "image": container.image,
                "ports": [{"name": PORT_NAME, "container_port": container.spec.port, "protocol": "TCP"}],
                "env": environment(container),
                "resources": resources(container.size),
                "volume_mounts": mounts,
            },
        )
        spec["topology_spread_constraints"] = [
            {
                "max_skew": 1,
                "topology_key": "topology.kubernetes.io/zone",
                "when_unsatisfiable": "ScheduleAnyway",
                "label_selector": {"match_labels": selector_labels(container)},
            }
        ]
        return spec
