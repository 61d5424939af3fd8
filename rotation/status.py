"""The containers' /status endpoint, which validates the API key against Azure."""

from __future__ import annotations

import json
import urllib.request
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from rotation.waiting import Waits

VALID_STATUS = "valid"
STATUS_REQUEST_TIMEOUT_S = 10.0


@dataclass(frozen=True)
class StatusEndpoint:
    """One container's /status; `fetch` returns the body or raises OSError (HTTP and network failures)."""

    label: str
    fetch: Callable[[], bytes]

    def problem(self) -> str | None:
        """None when the container reports its key valid, else what it reports instead."""
        try:
            body = self.fetch()
        except OSError as error:
            return f"{self.label}: /status unreachable ({error})"
        try:
            document = json.loads(body)
            api_status = str(document.get("apiStatus", "missing"))
        except (ValueError, AttributeError):
            return f"{self.label}: /status did not return a JSON object"
        return None if api_status.lower() == VALID_STATUS else f"{self.label}: apiStatus {api_status}"


def http_status_endpoint(label: str, url: str) -> StatusEndpoint:
    def fetch() -> bytes:
        with urllib.request.urlopen(url, timeout=STATUS_REQUEST_TIMEOUT_S) as response:
            body: bytes = response.read()
            return body

    return StatusEndpoint(label, fetch)


def wait_until_valid(endpoints: Sequence[StatusEndpoint], waits: Waits) -> str:
    """Waits until every container reports its key valid; containers may still be starting."""

    def first_problem() -> str | None:
        return next((problem for endpoint in endpoints if (problem := endpoint.problem())), None)

    waits.until_done("every container's /status to report the key valid", first_problem)
    return f"{len(endpoints)} container(s) report the key valid: {', '.join(e.label for e in endpoints)}"
