"""Custom speech-to-text on AKS: one pod downloads the model before any replica starts.

The container downloads its model on first start (within an hour) into /usr/local/models, and ignores `ModelId`
when a model is already there. Replicas share one ReadWriteMany claim named after the model id, so a new id gets
a new, empty claim. Started together, every replica would download into that share at once; so a Job downloads
first. Its Speech container runs as a native sidecar (an init container with `restartPolicy: Always`), and its one
container, busybox, waits until the Speech container's readiness path answers, then exits: the Job completes and
Kubernetes stops the sidecar. The Deployment waits for the Job (Pulumi waits for Jobs to complete), and its pods
find the model on the claim.

A failed download fails `pulumi up`, and `pulumi.com/replaceUnready` makes the next `pulumi up` run it again
instead of waiting on the failed Job forever.
"""

from __future__ import annotations

import pulumi
import pulumi_kubernetes as k8s

from components import catalog
from components.aks.cluster import SpeechNodePool
from components.aks.pods import CONTAINER_SECURITY, one_shot_job, speech_container, speech_pod
from components.config.model import ContainerConfig

#: A Job that has not finished in time fails (and so does `pulumi up`): download plus loading, and a margin.
DEADLINE_SECONDS = catalog.CUSTOM_MODEL_STARTUP_BUDGET_SECONDS + 10 * 60


def wait_command(container: ContainerConfig) -> list[str]:
    """Poll the sidecar's readiness path until it answers 200 (busybox wget exits non-zero on HTTP errors)."""
    url = f"http://127.0.0.1:{container.spec.port}{container.spec.ready_path(container.tag)}"
    return ["/bin/sh", "-c", f"until wget -q -O /dev/null {url}; do sleep 10; done"]


def model_download_job(
    name: str,
    container: ContainerConfig,
    namespace: pulumi.Input[str],
    pool: SpeechNodePool,
    service_account: str,
    volumes: list[k8s.core.v1.VolumeArgsDict],
    mounts: list[k8s.core.v1.VolumeMountArgsDict],
    opts: pulumi.ResourceOptions,
) -> k8s.batch.v1.Job:
    """The Job that downloads `container`'s model into the claim among `volumes` before its Deployment starts."""
    job_name = f"{container.model_storage_name()}-download"
    labels = {
        "app.kubernetes.io/name": job_name,
        "app.kubernetes.io/component": "model-download",
        "app.kubernetes.io/part-of": catalog.AKS.part_of,
    }
    waiter: k8s.core.v1.ContainerArgsDict = {
        "name": "wait-for-model",
        "image": container.pull(catalog.BUSYBOX_IMAGE),
        "command": wait_command(container),
        "resources": {"requests": {"cpu": "10m", "memory": "16Mi"}, "limits": {"memory": "32Mi"}},
    }
    pod = speech_pod(pool, service_account, volumes, waiter)
    pod["init_containers"] = [
        {**speech_container(container, mounts), "restart_policy": "Always", "security_context": CONTAINER_SECURITY}
    ]
    # One try: a download that failed once is retried by the next `pulumi up`, not behind its back.
    return one_shot_job(f"{name}-model-download", job_name, namespace, labels, pod, DEADLINE_SECONDS, 0, opts)
