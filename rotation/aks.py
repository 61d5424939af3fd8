"""AKS: the CSI driver syncs the vault secret into a Kubernetes Secret; a rolling restart moves pods onto it."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from kubernetes.client import ApiClient
from kubernetes.client.exceptions import ApiException
from urllib3.exceptions import HTTPError

from components.catalog import AKS, STATUS_PATH
from rotation.errors import RotationError, describe_status, one_line
from rotation.keys import fingerprint
from rotation.machine import Done, Step
from rotation.state import RotationState
from rotation.status import StatusEndpoint
from rotation.waiting import Waits

PART_OF_SELECTOR = f"app.kubernetes.io/part-of={AKS.part_of}"
STRATEGIC_MERGE_PATCH = "application/strategic-merge-patch+json"

Json = dict[str, Any]


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
class KubernetesApi:
    """The four API server calls rotation makes, as plain JSON through the client's authenticated transport.

    The typed APIs (CoreV1Api, AppsV1Api) would cost 1.5 s of imports and pydantic models for three resources.
    `host` is read once: the client's Configuration.host scans the proxy environment on every read.
    """

    client: ApiClient
    host: str

    @classmethod
    def of(cls, client: ApiClient) -> KubernetesApi:
        return cls(client, client.configuration.host)

    def request(self, method: str, path: str, query: Sequence[tuple[str, str]] = (), body: Json | None = None) -> bytes:
        """The response body; raises ApiException for an error status and urllib3's HTTPError when unreachable."""
        headers = {"Accept": "application/json"} | ({"Content-Type": STRATEGIC_MERGE_PATCH} if body else {})
        serialized = self.client.param_serialize(
            method,
            path,
            query_params=list(query),
            header_params=headers,
            body=body,
            auth_settings=["BearerToken"],
            _host=self.host,
        )
        response = self.client.call_api(*serialized)
        data: bytes = response.read()  # type: ignore[no-untyped-call]
        if not 200 <= response.status < 300:
            raise ApiException(status=response.status, reason=response.reason)
        return data

    def json(self, method: str, path: str, query: Sequence[tuple[str, str]] = (), body: Json | None = None) -> Json:
        document: Json = json.loads(self.request(method, path, query, body))
        return document


@dataclass(frozen=True)
class AksHost:
    api: KubernetesApi
    namespace: str
    waits: Waits

    def check_in_use(self, state: RotationState) -> str:
        deployments = self._deployments()
        if self._synced_fingerprint() != state.value_fingerprint:
            raise RotationError(
                f"Kubernetes Secret {AKS.credentials_secret} does not hold {state.active_key} "
                "(the key in the vault secret); the containers' key is unknown, so no key was regenerated"
            )
        return f"Secret {AKS.credentials_secret} holds {state.active_key}; {len(deployments)} Deployment(s) found"

    def roll_steps(self, state: RotationState) -> Sequence[Step]:
        return (
            Step(
                "wait-for-secret-sync",
                f"wait until the CSI driver syncs {state.active_key} into Kubernetes Secret {AKS.credentials_secret}",
                self._wait_for_sync,
            ),
            Step(
                "restart-deployments",
                f"restart the Deployments ({AKS.restarted_at_annotation}={state.started_at})",
                self._restart,
            ),
            Step("wait-for-rollout", "wait until every Deployment is rolled out and ready", self._wait_for_rollout),
        )

    def status_endpoints(self) -> Sequence[StatusEndpoint]:
        """Through the API server's service proxy: each Service is named after its Deployment."""
        return [self._status_endpoint(deployment["metadata"]["name"]) for deployment in self._deployments()]

    @property
    def _namespace_path(self) -> str:
        return f"/namespaces/{self.namespace}"

    def _status_endpoint(self, service: str) -> StatusEndpoint:
        # By the Service port's name: its number differs by kind (language identification listens on 5003).
        path = f"/api/v1{self._namespace_path}/services/{service}:{AKS.service_port_name}/proxy{STATUS_PATH}"

        def fetch() -> bytes:
            try:
                return self.api.request("GET", path)
            except (ApiException, HTTPError) as error:
                raise OSError(one_line(str(error))) from None

        return StatusEndpoint(service, fetch)

    def _deployments(self) -> list[Json]:
        with kubernetes_errors(f"listing Deployments in namespace {self.namespace!r}"):
            listing = self.api.json(
                "GET", f"/apis/apps/v1{self._namespace_path}/deployments", [("labelSelector", PART_OF_SELECTOR)]
            )
        items: list[Json] = listing.get("items") or []
        if not items:
            raise RotationError(f"no Deployments labelled {PART_OF_SELECTOR} in namespace {self.namespace!r}")
        return items

    def _synced_fingerprint(self) -> str | None:
        with kubernetes_errors(f"reading Secret {AKS.credentials_secret} in namespace {self.namespace!r}"):
            secret = self.api.json("GET", f"/api/v1{self._namespace_path}/secrets/{AKS.credentials_secret}")
        encoded = (secret.get("data") or {}).get(AKS.api_key_data_key)
        return None if encoded is None else fingerprint(base64.b64decode(encoded).decode())

    def _wait_for_sync(self, state: RotationState) -> Done:
        def pending() -> str | None:
            synced = self._synced_fingerprint() == state.value_fingerprint
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
