"""The containers' /status endpoint, which validates the API key against Azure, and their readiness."""

from __future__ import annotations

import http.client
import json
import ssl
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cache
from urllib.parse import urlsplit

from components.catalog import STATUS_PATH
from rotation.errors import RotationError, one_line
from rotation.waiting import Waits

VALID_STATUS = "valid"
INVALID_STATUS = "invalid"
STATUS_REQUEST_TIMEOUT_S = 10.0


@dataclass(frozen=True)
class StatusEndpoint:
    """One container's /status, and its readiness when that is not known otherwise.

    `fetch` GETs a path of the container and returns the body, or raises OSError (HTTP and network failures).
    `ready_paths`: checked before /status, any one answering 200 means ready. /status may answer while the model
    still loads, so a restarted container counts as serving again only once it is ready. Empty when readiness is
    known otherwise (a Kubernetes pod's Ready condition).
    """

    label: str
    fetch: Callable[[str], bytes]
    ready_paths: tuple[str, ...] = ()

    def problem(self) -> str | None:
        """None when the container is ready and reports its key valid, else what it reports instead."""
        not_ready = self._not_ready()
        if not_ready is not None:
            return f"{self.label}: not ready ({not_ready})"
        return self._status_problem()

    def rejects_key(self) -> bool:
        """Whether /status answers that the key is invalid (not merely that it cannot answer yet)."""
        problem = self._status_problem()
        return problem is not None and problem.lower().endswith(f"apistatus {INVALID_STATUS}")

    def _not_ready(self) -> str | None:
        failures = []
        for path in self.ready_paths:
            try:
                self.fetch(path)
                return None
            except OSError as error:
                failures.append(f"{path}: {error}")
        return "; ".join(failures) or None

    def _status_problem(self) -> str | None:
        try:
            body = self.fetch(STATUS_PATH)
        except OSError as error:
            return f"{self.label}: /status unreachable ({error})"
        try:
            document = json.loads(body)
            api_status = str(document.get("apiStatus", "missing"))
        except (ValueError, AttributeError):
            return f"{self.label}: /status did not return a JSON object"
        return None if api_status.lower() == VALID_STATUS else f"{self.label}: apiStatus {api_status}"


@dataclass(frozen=True)
class StatusTrust:
    """Which certificates an https /status may present: exactly one pinned certificate, or any the CAs vouch for.

    The stack's self-signed certificate names `*.<region>.azurecontainer.io`, which ACI's hashed DNS labels need
    not match, so it is pinned: the presented certificate must be that one, byte for byte, and the hostname is
    not checked. Safe, because the server proves it holds that certificate's key in the handshake.
    """

    context: ssl.SSLContext
    pinned: bytes | None = None
    source: str = "the system trust store"

    @classmethod
    def pinning(cls, pem: str, source: str) -> StatusTrust:
        try:
            certificate = ssl.PEM_cert_to_DER_cert(pem.strip())
        except ValueError:
            raise RotationError(f"{source} is not a PEM certificate") from None
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE  # replaced by the exact comparison in `check`
        return cls(context, certificate, source)

    @classmethod
    def verifying(cls, ca_file: str | None) -> StatusTrust:
        """The CAs in `ca_file`, or the system trust store; the hostname is verified either way."""
        try:
            context = ssl.create_default_context(cafile=ca_file) if ca_file else _system_trust_store()
        except OSError as error:
            raise RotationError(f"cannot load CA file {ca_file!r}: {error}") from None
        return cls(context, source=f"CA file {ca_file}" if ca_file else "the system trust store")

    def check(self, label: str, url: str, presented: bytes | None) -> None:
        if self.pinned is not None and presented != self.pinned:
            raise RotationError(
                f"{label}: {url} presented a certificate other than {self.source}; refusing to trust it"
            )


@cache
def _system_trust_store() -> ssl.SSLContext:
    """Loaded once per process: reading the system's CA certificates takes tens of milliseconds."""
    return ssl.create_default_context()


def http_status_endpoint(
    label: str, status_url: str, trust: StatusTrust, ready_paths: tuple[str, ...]
) -> StatusEndpoint:
    """A container reached over HTTP(S) where its /status URL says: its other paths are beside /status."""
    parts = urlsplit(status_url)
    prefix = parts.path.removesuffix(STATUS_PATH)

    def fetch(path: str) -> bytes:
        url = f"{parts.scheme}://{parts.netloc}{prefix}{path}"
        connection = (
            http.client.HTTPSConnection(
                parts.hostname or "", parts.port, timeout=STATUS_REQUEST_TIMEOUT_S, context=trust.context
            )
            if parts.scheme == "https"
            else http.client.HTTPConnection(parts.hostname or "", parts.port, timeout=STATUS_REQUEST_TIMEOUT_S)
        )
        try:
            connection.connect()
            if isinstance(connection.sock, ssl.SSLSocket):
                trust.check(label, url, connection.sock.getpeercert(binary_form=True))
            connection.request("GET", prefix + path)
            response = connection.getresponse()
            body = response.read()
        except ssl.SSLCertVerificationError as error:
            raise RotationError(
                f"{label}: the certificate of {url} is not trusted by {trust.source} ({error.verify_message})"
            ) from None
        except http.client.HTTPException as error:  # an answer that is not HTTP, or one cut short
            raise OSError(f"not HTTP: {type(error).__name__} {one_line(str(error))}") from None
        finally:
            connection.close()
        if response.status != 200:
            raise OSError(f"HTTP {response.status} {response.reason}")
        return body

    return StatusEndpoint(label, fetch, ready_paths)


def wait_until_valid(endpoints: Callable[[], Sequence[StatusEndpoint]], waits: Waits) -> str:
    """Waits until every container is ready and reports its key valid; containers may still be starting.
    `endpoints` is asked again at every poll: pods come and go (it may raise TransientError meanwhile)."""
    found: list[StatusEndpoint] = []

    def first_problem() -> str | None:
        found[:] = endpoints()
        return next((problem for endpoint in found if (problem := endpoint.problem())), None)

    waits.until_done("every container's /status to report the key valid", first_problem)
    return f"{len(found)} container(s) report the key valid: {', '.join(e.label for e in found)}"
