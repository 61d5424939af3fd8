"""AKS: the CSI driver syncs the vault secret into a Kubernetes Secret; a rolling restart moves pods onto it."""

from __future__ import annotations

import base64
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from kubernetes.client import AppsV1Api, CoreV1Api
from kubernetes.client.exceptions import ApiException
from urllib3.exceptions import HTTPError

from rotation.errors import RotationError, describe_status, one_line
from rotation.keys import fingerprint
from rotation.machine import Done, Step
from rotation.state import RotationState
from rotation.status import StatusEndpoint
from rotation.waiting import Waits

PART_OF_SELECTOR = "app.kubernetes.io/part-of=speech-containers"
COMPONENT_LABEL = "app.kubernetes.io/component"
SYNCED_SECRET = "speech-credentials"
SYNCED_KEY_FIELD = "api-key"
RESTART_ANNOTATION = "speech-containers.io/restarted-at"
STATUS_PORT_NAME = "http"


@contextmanager
def kubernetes_errors(action: str) -> Iterator[None]:
    """Turn Kubernetes client exceptions raised while doing `action` into a one-line RotationError."""
    try:
        yield
    except ApiException as error:
        raise RotationError(describe_status(action, error.status, one_line(str(error.reason)))) from None
    except HTTPError as error:
        raise RotationError(f"{action}: cannot reach the Kubernetes API ({one_line(str(error))})") from None


@dataclass(frozen=True)
class AksHost:
    core: CoreV1Api
    apps: AppsV1Api
    namespace: str
    waits: Waits

    def check_in_use(self, state: RotationState) -> str:
        deployments = self._deployments()
        if self._synced_fingerprint() != state.value_fingerprint:
            raise RotationError(
                f"Kubernetes Secret {SYNCED_SECRET} does not hold {state.active_key} (the key in the vault secret); "
                "the containers' key is unknown, so nothing was regenerated"
            )
        return f"Secret {SYNCED_SECRET} holds {state.active_key}; {len(deployments)} Deployment(s) found"

    def roll_steps(self, state: RotationState) -> Sequence[Step]:
        return (
            Step(
                "wait-for-secret-sync",
                f"wait until the CSI driver syncs {state.active_key} into Kubernetes Secret {SYNCED_SECRET}",
                self._wait_for_sync,
            ),
            Step(
                "restart-deployments",
                f"restart the Deployments ({RESTART_ANNOTATION}={state.started_at})",
                self._restart,
            ),
            Step("wait-for-rollout", "wait until every Deployment is rolled out and ready", self._wait_for_rollout),
        )

    def status_endpoints(self) -> Sequence[StatusEndpoint]:
        return [self._status_endpoint(deployment.metadata.name) for deployment in self._deployments()]

    def _status_endpoint(self, service: str) -> StatusEndpoint:
        def fetch() -> bytes:
            try:
                response: Any = self.core.connect_get_namespaced_service_proxy_with_path(
                    f"{service}:{STATUS_PORT_NAME}", self.namespace, "status", _preload_content=False
                )
            except (ApiException, HTTPError) as error:
                raise OSError(one_line(str(error))) from None
            body: bytes = response.data
            return body

        return StatusEndpoint(service, fetch)

    def _deployments(self) -> list[Any]:
        with kubernetes_errors(f"listing Deployments in namespace {self.namespace!r}"):
            items: list[Any] = self.apps.list_namespaced_deployment(
                self.namespace, label_selector=PART_OF_SELECTOR
            ).items
        if not items:
            raise RotationError(f"no Deployments labelled {PART_OF_SELECTOR} in namespace {self.namespace!r}")
        return items

    def _synced_fingerprint(self) -> str | None:
        with kubernetes_errors(f"reading Secret {SYNCED_SECRET} in namespace {self.namespace!r}"):
            secret = self.core.read_namespaced_secret(SYNCED_SECRET, self.namespace)
        encoded = (secret.data or {}).get(SYNCED_KEY_FIELD)
        return None if encoded is None else fingerprint(base64.b64decode(encoded).decode())

    def _wait_for_sync(self, state: RotationState) -> Done:
        def pending() -> str | None:
            synced = self._synced_fingerprint() == state.value_fingerprint
            return None if synced else f"Secret {SYNCED_SECRET} still holds another key"

        self.waits.until_done(f"the CSI driver to sync {state.active_key}", pending)
        return Done(state, f"Secret {SYNCED_SECRET} holds {state.active_key}")

    def _restart(self, state: RotationState) -> Done:
        restarted = []
        for deployment in self._deployments():
            name = deployment.metadata.name
            if _restart_mark(deployment) == state.rotation_id:
                continue
            patch = {"spec": {"template": {"metadata": {"annotations": {RESTART_ANNOTATION: state.rotation_id}}}}}
            with kubernetes_errors(f"restarting Deployment {name!r}"):
                self.apps.patch_namespaced_deployment(name, self.namespace, patch)
            restarted.append(name)
        return Done(state, f"restarted {', '.join(restarted)}" if restarted else "already restarted")

    def _wait_for_rollout(self, state: RotationState) -> Done:
        def pending() -> str | None:
            problems = (_rollout_problem(d, state.rotation_id) for d in self._deployments())
            return next((problem for problem in problems if problem), None)

        self.waits.until_done("the Deployments to roll out", pending)
        return Done(state, "every Deployment runs new pods that are ready")


def _restart_mark(deployment: Any) -> str | None:
    annotations = deployment.spec.template.metadata.annotations or {}
    mark: str | None = annotations.get(RESTART_ANNOTATION)
    return mark


def _rollout_problem(deployment: Any, rotation_id: str) -> str | None:
    """What keeps this Deployment from counting as rolled out onto the new key, like `kubectl rollout status`."""
    name = deployment.metadata.name
    status = deployment.status
    for condition in status.conditions or []:
        if condition.type == "Progressing" and condition.reason == "ProgressDeadlineExceeded":
            raise RotationError(f"Deployment {name!r} exceeded its progress deadline; check its pods, then rerun")
    wanted = deployment.spec.replicas if deployment.spec.replicas is not None else 1
    updated = status.updated_replicas or 0
    if _restart_mark(deployment) != rotation_id:
        return f"{name}: not restarted by this rotation"
    if (status.observed_generation or 0) < deployment.metadata.generation:
        return f"{name}: restart not observed yet"
    if updated < wanted:
        return f"{name}: {updated}/{wanted} replicas updated"
    if (status.replicas or 0) > updated:
        return f"{name}: old replicas still running"
    if (status.available_replicas or 0) < updated:
        return f"{name}: {status.available_replicas or 0}/{updated} replicas available"
    return None
