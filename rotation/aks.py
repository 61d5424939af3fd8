"""AKS: the CSI driver syncs the vault secret into a Kubernetes Secret; a rolling restart moves pods onto it.

The pods themselves are the proof of the key in use (each must have started after the Secret took its value), and
each pod is verified on its own: a Service would answer for one pod only.
"""

from __future__ import annotations

import base64
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from kubernetes.client.exceptions import ApiException
from urllib3.exceptions import HTTPError

from components.catalog import AKS
from rotation.errors import RotationError, TransientError, one_line
from rotation.keys import fingerprint
from rotation.kube import Json, KubernetesApi, kubernetes_errors
from rotation.machine import Done, Step
from rotation.pods import SpeechPod, last_data_change, selector, speech_pod
from rotation.state import RotationState
from rotation.status import StatusEndpoint
from rotation.waiting import Waits

PART_OF_SELECTOR = f"app.kubernetes.io/part-of={AKS.part_of}"


@dataclass(frozen=True)
class AksHost:
    api: KubernetesApi
    namespace: str
    waits: Waits

    def check_in_use(self, state: RotationState) -> str:
        """The Secret must hold the vault's key and every pod must have started after it did. A pod that started
        before holds whatever the Secret held then (e.g. a version stored by hand and synced, but never rolled
        out); one that is terminating is waited for, since it goes away by itself."""
        deployments = self._deployments()
        secret = self._secret()
        if _key_fingerprint(secret) != state.value_fingerprint:
            raise RotationError(
                f"Kubernetes Secret {AKS.credentials_secret} does not hold {state.active_key} "
                "(the key in the vault secret); the containers' key is unknown, so no key was regenerated"
            )
        changed = last_data_change(secret)

        def pending() -> str | None:
            older = [pod for pod in self._pods(deployments) if pod.started_by(changed)]
            if running := [pod.label for pod in older if not pod.terminating]:
                raise RotationError(
                    f"pods {', '.join(running)} started before Secret {AKS.credentials_secret} was last synced "
                    f"({changed:%Y-%m-%dT%H:%M:%SZ}), so they may hold a key other than {state.active_key}; no key "
                    f"was regenerated: run `kubectl rollout restart deployment -n {self.namespace} -l "
                    f"{PART_OF_SELECTOR}`, wait until it is rolled out, then rerun"
                )
            return f"{older[0].label}, which started before the sync, is terminating" if older else None

        self.waits.until_done(f"pods older than Secret {AKS.credentials_secret}'s value to go", pending)
        return (
            f"Secret {AKS.credentials_secret} holds {state.active_key}, and every pod of the {len(deployments)} "
            "Deployment(s) started after it took that value"
        )

    def roll_steps(self, state: RotationState) -> Sequence[Step]:
        return (
            Step(
                "wait-for-secret-sync",
                f"wait until the CSI driver syncs {state.active_key} into Kubernetes Secret {AKS.credentials_secret}",
                self._wait_for_sync,
            ),
            Step(
                "restart-deployments",
                f"restart the Deployments (pod template annotation {AKS.restarted_at_annotation})",
                self._restart,
            ),
            Step("wait-for-rollout", "wait until every Deployment is rolled out and ready", self._wait_for_rollout),
        )

    def status_endpoints(self) -> Sequence[StatusEndpoint]:
        """Every ready pod of every Deployment, through the API server's pod proxy at its port named `http`."""
        endpoints = []
        for deployment in self._deployments():
            name = deployment["metadata"]["name"]
            ready = [pod for pod in self._pods([deployment]) if pod.ready and not pod.terminating]
            if not ready:
                raise TransientError(f"Deployment {name!r} has no ready pod")
            endpoints += [self._status_endpoint(pod) for pod in ready]
        return endpoints

    @property
    def _namespace_path(self) -> str:
        return f"/namespaces/{self.namespace}"

    def _status_endpoint(self, pod: SpeechPod) -> StatusEndpoint:
        if pod.port is None:
            raise RotationError(
                f"pod {pod.label} has no container port named {AKS.service_port_name!r}, so its /status cannot be "
                "reached; deploy the stack with this version (`pulumi up`), then rerun"
            )
        proxy = f"/api/v1{self._namespace_path}/pods/{pod.name}:{pod.port}/proxy"

        def fetch(path: str) -> bytes:
            try:
                return self.api.request("GET", proxy + path)
            except (ApiException, HTTPError) as error:  # the pod does not answer, or not with 200
                raise OSError(one_line(str(error))) from None

        return StatusEndpoint(pod.label, fetch)

    def _deployments(self) -> list[Json]:
        with kubernetes_errors(f"listing Deployments in namespace {self.namespace!r}"):
            listing = self.api.json(
                "GET", f"/apis/apps/v1{self._namespace_path}/deployments", [("labelSelector", PART_OF_SELECTOR)]
            )
        items: list[Json] = listing.get("items") or []
        if not items:
            raise RotationError(f"no Deployments labelled {PART_OF_SELECTOR} in namespace {self.namespace!r}")
        return items

    def _pods(self, deployments: Sequence[Json]) -> list[SpeechPod]:
        found = []
        for deployment in deployments:
            name = deployment["metadata"]["name"]
            with kubernetes_errors(f"listing the pods of Deployment {name!r}"):
                listing = self.api.json(
                    "GET", f"/api/v1{self._namespace_path}/pods", [("labelSelector", selector(deployment))]
                )
            found += [speech_pod(name, pod) for pod in listing.get("items") or []]
        return found

    def _secret(self) -> Json:
        with kubernetes_errors(f"reading Secret {AKS.credentials_secret} in namespace {self.namespace!r}"):
            return self.api.json("GET", f"/api/v1{self._namespace_path}/secrets/{AKS.credentials_secret}")

    def _wait_for_sync(self, state: RotationState) -> Done:
        def pending() -> str | None:
            synced = _key_fingerprint(self._secret()) == state.value_fingerprint
            return None if synced else f"Secret {AKS.credentials_secret} still holds another key"

        self.waits.until_done(f"the CSI driver to sync {state.active_key}", pending)
        return Done(state, f"Secret {AKS.credentials_secret} holds {state.active_key}")

    def _restart(self, state: RotationState) -> Done:
        restarted = []
        for deployment in self._deployments():
            name = deployment["metadata"]["name"]
            if _restart_mark(deployment) == state.rotation_id:
                continue
            patch = {
                "spec": {"template": {"metadata": {"annotations": {AKS.restarted_at_annotation: state.rotation_id}}}}
            }
            with kubernetes_errors(f"restarting Deployment {name!r}"):
                self.api.request("PATCH", f"/apis/apps/v1{self._namespace_path}/deployments/{name}", body=patch)
            restarted.append(name)
        return Done(state, f"restarted {', '.join(restarted)}" if restarted else "already restarted")

    def _wait_for_rollout(self, state: RotationState) -> Done:
        def pending() -> str | None:
            problems = (_rollout_problem(d, state.rotation_id) for d in self._deployments())
            return next((problem for problem in problems if problem), None)

        self.waits.until_done("the Deployments to roll out", pending)
        return Done(state, "every Deployment runs new pods that are ready")


def _key_fingerprint(secret: Json) -> str | None:
    encoded = (secret.get("data") or {}).get(AKS.api_key_data_key)
    return None if encoded is None else fingerprint(base64.b64decode(encoded).decode())


def _restart_mark(deployment: Json) -> str | None:
    annotations: Mapping[str, str] = deployment["spec"]["template"].get("metadata", {}).get("annotations") or {}
    return annotations.get(AKS.restarted_at_annotation)


def _rollout_problem(deployment: Json, rotation_id: str) -> str | None:
    """What keeps this Deployment from counting as rolled out onto the new key, like `kubectl rollout status`."""
    name = deployment["metadata"]["name"]
    status: Json = deployment.get("status") or {}
    for condition in status.get("conditions") or []:
        if condition.get("type") == "Progressing" and condition.get("reason") == "ProgressDeadlineExceeded":
            raise RotationError(f"Deployment {name!r} exceeded its progress deadline; check its pods, then rerun")
    wanted = deployment["spec"].get("replicas", 1)
    updated = status.get("updatedReplicas", 0)
    available = status.get("availableReplicas", 0)
    if _restart_mark(deployment) != rotation_id:
        return f"{name}: not restarted by this rotation"
    if status.get("observedGeneration", 0) < deployment["metadata"].get("generation", 0):
        return f"{name}: restart not observed yet"
    if updated < wanted:
        return f"{name}: {updated}/{wanted} replicas updated"
    if status.get("replicas", 0) > updated:
        return f"{name}: old replicas still running"
    if available < updated:
        return f"{name}: {available}/{updated} replicas available"
    return None
