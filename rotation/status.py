"""The containers' /status endpoint, which validates the API key against Azure."""

from __future__ import annotations

import http.client
import json
import ssl
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cache
from urllib.parse import urlsplit

from rotation.errors import RotationError
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


def http_status_endpoint(label: str, url: str, trust: StatusTrust) -> StatusEndpoint:
    parts = urlsplit(url)
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")

    def fetch() -> bytes:
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
            connection.request("GET", target)
            response = connection.getresponse()
            body = response.read()
        except ssl.SSLCertVerificationError as error:
            raise RotationError(
                f"{label}: the certificate of {url} is not trusted by {trust.source} ({error.verify_message})"
            ) from None
        finally:
            connection.close()
        if response.status != 200:
            raise OSError(f"HTTP {response.status} {response.reason}")
        return body

    return StatusEndpoint(label, fetch)


def wait_until_valid(endpoints: Sequence[StatusEndpoint], waits: Waits) -> str:
    """Waits until every container reports its key valid; containers may still be starting."""

    def first_problem() -> str | None:
        return next((problem for endpoint in endpoints if (problem := endpoint.problem())), None)

    waits.until_done("every container's /status to report the key valid", first_problem)
    return f"{len(endpoints)} container(s) report the key valid: {', '.join(e.label for e in endpoints)}"
