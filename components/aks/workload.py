"""One Speech deployment on AKS: Deployment, Service, PodDisruptionBudget, HorizontalPodAutoscaler, and
for custom-speech-to-text the model volume.

Choices worth knowing:
- Replicas: `replicas` is the HPA's minimum and the Deployment leaves `spec.replicas` to the HPA (Kubernetes'
  guidance), so a `pulumi up` never scales a busy Deployment back down.
- Rollouts add one pod before removing one (maxUnavailable 0); each new pod may need the whole startup budget and
  each old one drains its streams (drain.py), so Pulumi's await timeout is both per minimum replica plus a margin.
  The pool keeps room for every Deployment's surge pod (planning/planner.py), so a rollout can always finish.
- One restart on a key change: the rotation command's, which patches the pod-template annotation
  `speech-containers.io/restarted-at` once the CSI driver has synced the new key (the stack never sets that
  annotation, so server-side apply leaves it alone). No Reloader annotation: a second, unsynchronised restart on
  the Secret's change would roll every pod twice.
- Scale-down removes one pod per `aks.scaleDown.periodSeconds` at most; a removed pod drains its streams first.
- Pods: see components/aks/pods.py (security contexts, settings, probes).
- Custom models: a ReadWriteMany Azure Files claim named after the model id, so every replica and a rolling
  update's new pod share the model, downloaded once by a Job before the Deployment starts (model_download.py),
  and a new model id gets a new claim (the container ignores ModelId when a model is already on its volume). A
  ReadWriteOnce disk would force one replica and Recreate, with downtime each update. AKS's built-in Azure Files
  classes mount shares with mode 0777, so the image's user can write the model; the cost is a model read over
  SMB at start (it is memory-mapped, then served from RAM).
"""

from __future__ import annotations

import pulumi
import pulumi_kubernetes as k8s

from components import catalog
from components.aks.cluster import SpeechNodePool
from components.aks.credentials import SpeechCredentials
from components.aks.drain import drain_sidecar, grace_period_seconds, pre_stop
from components.aks.license import license_claim_name, license_download_job, license_volume
from components.aks.model_download import model_download_job
from components.aks.pods import (
    MODEL_VOLUME,
    PORT_NAME,
    labels,
    output_claim_name,
    output_volume,
    selector_labels,
    settings_secret_name,
    speech_container,
    speech_pod,
)
from components.config.model import AksConfig, ContainerConfig

CPU_TARGET_PERCENT = 70
ROLLOUT_MARGIN_SECONDS = 10 * 60
PULUMI_TIMEOUT_ANNOTATION = "pulumi.com/timeoutSeconds"
LICENSE_ROUND_ANNOTATION = "speech-containers.io/license-round"
ZONE_KEY = "topology.kubernetes.io/zone"
HOSTNAME_KEY = "kubernetes.io/hostname"


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
        settings: AksConfig,
        stream_budget_seconds: int,
        opts: pulumi.ResourceOptions | None = None,
        license_round: pulumi.Input[str] | None = None,
    ) -> None:
        super().__init__("speech-containers:aks:SpeechWorkload", name, None, opts)
        self._container = container
        self._settings = settings
        self._stream_budget_seconds = stream_budget_seconds
        self._namespace = namespace
        self._opts = pulumi.ResourceOptions(parent=self, provider=provider)
        volumes: list[k8s.core.v1.VolumeArgsDict] = [credentials.volume()]
        mounts: list[k8s.core.v1.VolumeMountArgsDict] = [credentials.volume_mount()]
        prerequisites: list[pulumi.Resource] = [*credentials.pod_prerequisites, pool.agent_pool]
        if container.env_secret:
            prerequisites.append(self._settings_secret(name))
        if container.output is not None:
            # Before the model download, whose Speech container writes its logs there too.
            self._output_claim(name, container.output.storage_gb)
            volume, mount = output_volume(container)
            volumes.append(volume)
            mounts.append(mount)
        if container.disconnected is not None:
            assert license_round is not None
            self._claim(f"{name}-license", license_claim_name(container), catalog.OUTPUT.aks_storage_class, 1)
            volume, mount = license_volume(container)
            volumes.append(volume)
            mounts.append(mount)
            download_license = license_download_job(
                name,
                container,
                namespace,
                pool,
                credentials.service_account_name,
                [credentials.volume(), volume],
                [credentials.volume_mount(), mount],
                license_round,
                pulumi.ResourceOptions.merge(self._opts, pulumi.ResourceOptions(depends_on=prerequisites)),
            )
            prerequisites = [*prerequisites, download_license]
        if container.spec.needs_model_id:
            claim = self._model_claim(name)
            volumes.append({"name": MODEL_VOLUME, "persistent_volume_claim": {"claim_name": claim.metadata.name}})
            mounts.append({"name": MODEL_VOLUME, "mount_path": catalog.MODEL_MOUNT_PATH})
            download = model_download_job(
                name,
                container,
                namespace,
                pool,
                credentials.service_account_name,
                volumes,
                mounts,
                pulumi.ResourceOptions.merge(self._opts, pulumi.ResourceOptions(depends_on=prerequisites)),
            )
            prerequisites = [*prerequisites, download]
        deployment = k8s.apps.v1.Deployment(
            f"{name}-deployment",
            metadata=self._metadata(
                {
                    # Each replaced pod may load its model for the startup budget and drain for the stream budget.
                    PULUMI_TIMEOUT_ANNOTATION: str(
                        (container.spec.startup_budget_seconds + grace_period_seconds(stream_budget_seconds))
                        * container.replicas
                        + ROLLOUT_MARGIN_SECONDS
                    ),
                }
            ),
            spec={
                "selector": {"match_labels": selector_labels(container)},
                # Kubernetes' default of 600 s would call a pod still loading its model a failed rollout.
                "progress_deadline_seconds": container.spec.startup_budget_seconds + ROLLOUT_MARGIN_SECONDS,
                "strategy": {"type": "RollingUpdate", "rolling_update": {"max_surge": 1, "max_unavailable": 0}},
                "template": {
                    "metadata": self._template_metadata(license_round),
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
            # A pod that never became ready (a model that does not load) must not block drains either.
            spec={
                "max_unavailable": 1,
                "unhealthy_pod_eviction_policy": "AlwaysAllow",
                "selector": {"match_labels": selector_labels(container)},
            },
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
                # Scale-down removes one pod per period at most (the default removes many at once), after a
                # stabilization window long enough not to flap on pods that take minutes to become ready.
                "behavior": {
                    "scale_down": {
                        "stabilization_window_seconds": settings.scale_down.stabilization_seconds,
                        "select_policy": "Min",
                        "policies": [
                            {"type": "Pods", "value": 1, "period_seconds": settings.scale_down.period_seconds}
                        ],
                    }
                },
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

    def _template_metadata(self, license_round: pulumi.Input[str] | None) -> k8s.meta.v1.ObjectMetaArgsDict:
        """The pods' labels; disconnected, also the license round, so a renewed license (downloaded by the Job
        the Deployment waits for) rolls the pods onto it, one at a time, instead of waiting for the old one to
        expire in memory."""
        metadata: k8s.meta.v1.ObjectMetaArgsDict = {"labels": labels(self._container)}
        if self._container.disconnected is not None and license_round is not None:
            metadata["annotations"] = {LICENSE_ROUND_ANNOTATION: license_round}
        return metadata

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
        return self._claim(
            f"{name}-models",
            self._container.model_storage_name(),
            catalog.AKS.model_storage_class,
            self._container.model_storage_gb,
        )

    def _output_claim(self, name: str, storage_gb: int) -> k8s.core.v1.PersistentVolumeClaim:
        """Standard Azure Files, ReadWriteMany: every replica (and a rollout's new pod) writes its own folder."""
        claim = output_claim_name(self._container)
        return self._claim(f"{name}-output", claim, catalog.OUTPUT.aks_storage_class, storage_gb)

    def _claim(
        self, resource: str, claim: str, storage_class: str, storage_gb: int
    ) -> k8s.core.v1.PersistentVolumeClaim:
        metadata = self._metadata()
        metadata["name"] = claim
        return k8s.core.v1.PersistentVolumeClaim(
            resource,
            metadata=metadata,
            spec={
                "access_modes": ["ReadWriteMany"],
                "storage_class_name": storage_class,
                "resources": {"requests": {"storage": f"{storage_gb}Gi"}},
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
        container, budget = self._container, self._stream_budget_seconds
        speech: k8s.core.v1.ContainerArgsDict = {**speech_container(container, mounts), "lifecycle": pre_stop()}
        spec = speech_pod(pool, service_account, volumes, speech)
        spec["init_containers"] = [
            {**drain_sidecar(container.spec.port, budget), "image": container.pull(catalog.BUSYBOX_IMAGE)}
        ]
        spec["termination_grace_period_seconds"] = grace_period_seconds(budget)
        # Replicas on different nodes, and across the pool's zones: a node or zone lost keeps the rest serving.
        # Explicit constraints replace the scheduler's default spreading, so both are spelled out.
        # A cordoned (draining) node is no domain (nodeTaintsPolicy Honor), or its zero would hold every other node
        # back; and a rollout's new pods spread among themselves (matchLabelKeys pod-template-hash), not against
        # the old ones they replace.
        keys = [HOSTNAME_KEY, *([ZONE_KEY] if self._settings.pool.zones else [])]
        spec["topology_spread_constraints"] = [
            {
                "max_skew": 1,
                "topology_key": key,
                "when_unsatisfiable": "DoNotSchedule",
                "label_selector": {"match_labels": selector_labels(container)},
                "match_label_keys": ["pod-template-hash"],
                "node_taints_policy": "Honor",
            }
            for key in keys
        ]
        return spec
