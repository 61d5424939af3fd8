"""Fake Kubernetes API: the Deployments, their pods, the CSI-synced Secret, and the API server's pod proxy."""

from __future__ import annotations

import base64

from components.catalog import AKS
from tests.rotation.fake_http import FakeCloudServer, Reply, Request
from tests.rotation.fake_world import KUBE_TOKEN, NAMESPACE, Deployment, Json, Pod, World, cluster_time

CSI_MANAGER = "secrets-store-csi-driver"


def _status(code: int, reason: str, message: str = "") -> Json:
    return {
        "kind": "Status",
        "apiVersion": "v1",
        "status": "Failure",
        "reason": reason,
        "message": message,
        "code": code,
    }


def _kube_checked(request: Request) -> Reply | None:
    if request.header("Authorization") != f"Bearer {KUBE_TOKEN}":
        return 401, _status(401, "Unauthorized")
    if request.params["ns"] != NAMESPACE:
        return 404, _status(404, "NotFound")
    return None


def labels_of(deployment: Deployment) -> dict[str, str]:
    return {
        "app.kubernetes.io/part-of": AKS.part_of,
        "app.kubernetes.io/name": deployment.name,
        "app.kubernetes.io/component": deployment.kind,
    }


def _deployment_json(deployment: Deployment) -> Json:
    labels = labels_of(deployment)
    annotations = {AKS.restarted_at_annotation: deployment.restart_mark} if deployment.restart_mark else {}
    pods = len(deployment.pods)
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {
            "name": deployment.name,
            "namespace": NAMESPACE,
            "generation": deployment.generation,
            "labels": labels,
        },
        "spec": {
            "replicas": deployment.replicas,
            "selector": {"matchLabels": labels},
            "template": {
                "metadata": {"labels": labels, "annotations": annotations},
                "spec": {"containers": [_container(deployment)]},
            },
        },
        "status": {
            "observedGeneration": deployment.generation,
            "replicas": pods,
            "updatedReplicas": pods - len(deployment.outdated),
            "readyReplicas": pods,
            "availableReplicas": pods,
            "conditions": [{"type": "Progressing", "status": "True", "reason": "NewReplicaSetAvailable"}],
        },
    }


def _container(deployment: Deployment) -> Json:
    return {"name": deployment.name, "ports": [{"name": AKS.service_port_name, "containerPort": deployment.port}]}


def _pod_json(deployment: Deployment, pod: Pod) -> Json:
    started = cluster_time(pod.started_at)
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": pod.name, "namespace": NAMESPACE, "labels": labels_of(deployment)},
        "spec": {"containers": [_container(deployment)]},
        "status": {
            "phase": "Running",
            "startTime": started,
            "conditions": [{"type": "Ready", "status": "True"}],
            "containerStatuses": [
                {"name": deployment.name, "ready": True, "state": {"running": {"startedAt": started}}}
            ],
        },
    }


def list_deployments(server: FakeCloudServer, request: Request) -> Reply:
    problem = _kube_checked(request)
    if problem is not None:
        return problem
    assert request.query.get("labelSelector") == [f"app.kubernetes.io/part-of={AKS.part_of}"]
    for deployment in server.world.deployments.values():
        server.world.advance_rollout(deployment)
    items = [_deployment_json(d) for d in server.world.deployments.values()]
    return 200, {"apiVersion": "apps/v1", "kind": "DeploymentList", "metadata": {}, "items": items}


def patch_deployment(server: FakeCloudServer, request: Request) -> Reply:
    problem = _kube_checked(request)
    if problem is not None:
        return problem
    assert request.header("Content-Type") == "application/strategic-merge-patch+json"
    world = server.world
    deployment = world.deployments[request.params["name"]]
    mark = request.json()["spec"]["template"]["metadata"]["annotations"][AKS.restarted_at_annotation]
    if mark != deployment.restart_mark:
        deployment.restart_mark = mark
        deployment.generation += 1
        deployment.polls_left = world.rollout_polls
    return 200, _deployment_json(deployment)


def list_pods(server: FakeCloudServer, request: Request) -> Reply:
    problem = _kube_checked(request)
    if problem is not None:
        return problem
    selector = dict(term.split("=", 1) for term in request.query["labelSelector"][0].split(","))
    items = [
        _pod_json(deployment, pod)
        for deployment in server.world.deployments.values()
        if selector.items() <= labels_of(deployment).items()
        for pod in deployment.pods
    ]
    return 200, {"apiVersion": "v1", "kind": "PodList", "metadata": {}, "items": items}


def read_secret(server: FakeCloudServer, request: Request) -> Reply:
    """The CSI driver syncs on its own schedule: the first read after a change still shows the old value. Its
    managed-fields entry for `data` carries the time of the last change, as the API server records it."""
    problem = _kube_checked(request)
    if problem is not None:
        return problem
    world = server.world
    if world.csi_syncs and world.synced_value != world.latest["value"]:
        world.sync_polls_left -= 1
        if world.sync_polls_left < 0:
            world.sync_now()
            world.sync_polls_left = 1
    data = {
        AKS.api_key_data_key: base64.b64encode(world.synced_value.encode()).decode(),
        AKS.billing_endpoint_data_key: "aHR0cHM6Ly9iaWxsaW5n",
    }
    managed = [
        {"manager": "kubectl", "operation": "Update", "time": cluster_time(0), "fieldsV1": {"f:metadata": {}}},
        {
            "manager": CSI_MANAGER,
            "operation": "Update",
            "time": cluster_time(world.synced_at),
            "fieldsV1": {"f:data": {}},
        },
    ]
    metadata = {"name": request.params["name"], "creationTimestamp": cluster_time(0), "managedFields": managed}
    return 200, {"apiVersion": "v1", "kind": "Secret", "metadata": metadata, "data": data}


def _answer(world: World, pod: Pod) -> Json:
    valid = world.key_valid(pod.key) and not pod.billing_blocked
    return {"apiStatus": "Valid" if valid else "Invalid", "apiStatusMessage": "fake"}


def pod_proxy_status(server: FakeCloudServer, request: Request) -> Reply:
    """The API server dials the pod at the port given, literally: a port name is not resolved for pods."""
    problem = _kube_checked(request)
    if problem is not None:
        return problem
    for deployment in server.world.deployments.values():
        for pod in deployment.pods:
            if pod.name == request.params["pod"]:
                if request.params["port"] != str(deployment.port):
                    return 503, _status(503, "ServiceUnavailable", "error trying to reach service: connection refused")
                return 200, _answer(server.world, pod)
    return 404, _status(404, "NotFound", f'pods "{request.params["pod"]}" not found')
