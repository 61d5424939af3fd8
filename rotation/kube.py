"""The Kubernetes API server, as plain JSON through the kubernetes client's authenticated transport."""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from kubernetes.client import ApiClient
from kubernetes.client.exceptions import ApiException
from urllib3.exceptions import HTTPError

from rotation.errors import RotationError, TransientError, describe_status, one_line

STRATEGIC_MERGE_PATCH = "application/strategic-merge-patch+json"

Json = dict[str, Any]


@contextmanager
def kubernetes_errors(action: str) -> Iterator[None]:
    """Turn Kubernetes client exceptions raised while doing `action` into a one-line RotationError; server
    errors, throttling and connection failures are TransientErrors, which a wait retries until its deadline."""
    try:
        yield
    except ApiException as error:
        message = describe_status(action, error.status, one_line(str(error.reason)))
        if error.status is not None and (error.status >= 500 or error.status == 429):
            raise TransientError(message) from None
        raise RotationError(message) from None
    except HTTPError as error:
        raise TransientError(f"{action}: cannot reach the Kubernetes API ({one_line(str(error))})") from None


@dataclass(frozen=True)
class KubernetesApi:
    """The few API server calls rotation makes, as plain JSON through the client's authenticated transport.

    The typed APIs (CoreV1Api, AppsV1Api) would cost 1.5 s of imports and pydantic models for four resources.
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
