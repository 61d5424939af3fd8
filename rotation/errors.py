"""User-facing failures: one readable line each, never a traceback, never a key value."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager

from azure.core.exceptions import (
    AzureError,
    ClientAuthenticationError,
    HttpResponseError,
    ResourceNotFoundError,
    ServiceRequestError,
    ServiceResponseError,
)

MAX_DETAIL_CHARS = 300


class RotationError(Exception):
    """A failure the operator can act on; its message is printed as is."""


class TransientError(RotationError):
    """A failure that may pass by itself (HTTP 5xx or 429, a connection that failed): a wait retries what raised it
    until its deadline instead of stopping at the first one."""


class Interrupted(KeyboardInterrupt):
    """Ctrl-C, with what the operator has to know about what it interrupted (e.g. a cancelled `pulumi up`)."""


class ActionRequiredError(Exception):
    """The rotation stopped in a resumable state until a person runs these commands."""

    def __init__(self, reason: str, commands: Sequence[str]) -> None:
        super().__init__(reason)
        self.reason = reason
        self.commands = tuple(commands)


def one_line(text: str) -> str:
    """The first non-empty line of a service message, shortened: SDK messages span many lines."""
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    first = lines[0] if lines else "no details"
    return first if len(first) <= MAX_DETAIL_CHARS else first[:MAX_DETAIL_CHARS] + "..."


def all_lines(text: str, limit: int = 3 * MAX_DETAIL_CHARS) -> str:
    """Every non-empty line of a message, joined: a credential chain reports one per credential."""
    joined = "; ".join(line.strip() for line in text.splitlines() if line.strip()) or "no details"
    return joined if len(joined) <= limit else joined[:limit] + "..."


def _sign_in_detail(message: str) -> str:
    """A failed sign-in on one line: each credential a chain tried (tab-indented) by its first sentence, without the
    troubleshooting links; Entra ID's reason in full (its subject and audience say which federated credential is
    missing)."""
    kept = []
    for line in message.splitlines():
        if line.startswith("\t"):
            kept.append(line.split(". ")[0].rstrip("."))
        elif line.strip() and not line.startswith(("Visit https://", "To mitigate this issue")):
            kept.append(line)
    return all_lines("\n".join(kept))


def _service_detail(error: HttpResponseError) -> str:
    odata = error.error
    if odata is not None and odata.code:
        return f"{odata.code}: {one_line(odata.message or '')}"
    return one_line(error.reason or error.message or "")


def describe_status(action: str, status: int | None, detail: str) -> str:
    """The one line for a failed request, worded by what the operator has to fix."""
    problem = {404: "not found", 403: "permission denied", 401: "authentication failed"}.get(
        status or 401, f"HTTP {status}"
    )
    return f"{action}: {problem} ({detail})"


def _describe_http_error(action: str, error: HttpResponseError, advice: Mapping[int, str]) -> str:
    status = 404 if isinstance(error, ResourceNotFoundError) else error.status_code
    described = describe_status(action, status, _service_detail(error))
    hint = advice.get(status or 0)
    return f"{described}; {hint}" if hint else described


@contextmanager
def azure_errors(action: str, advice: Mapping[int, str] | None = None) -> Iterator[None]:
    """Turn Azure SDK exceptions raised while doing `action` into a RotationError that names it; `advice` adds
    what to do about an HTTP status (e.g. which role a 403 lacks)."""
    try:
        yield
    except ClientAuthenticationError as error:
        if error.error is not None and error.error.code:  # a service refused the token: its own code says why
            raise RotationError(_describe_http_error(action, error, advice or {})) from None
        # Signing in failed: Entra ID's reason (AADSTS...), or what each credential of a chain tried.
        raise RotationError(f"{action}: authentication failed ({_sign_in_detail(error.message)})") from None
    except HttpResponseError as error:
        raise RotationError(_describe_http_error(action, error, advice or {})) from None
    except ServiceRequestError as error:
        raise RotationError(
            f"{action}: cannot reach the service, check that it exists ({one_line(str(error))})"
        ) from None
    except ServiceResponseError as error:
        raise RotationError(
            f"{action}: the connection broke after the request was sent, so it may or may not have taken effect "
            f"({one_line(str(error))})"
        ) from None
    except AzureError as error:  # e.g. a reply that does not decode
        raise RotationError(f"{action}: {type(error).__name__} ({one_line(str(error))})") from None
    except ValueError as error:  # the SDKs' own checks, e.g. a Key Vault challenge for another domain
        raise RotationError(f"{action}: {one_line(str(error))}") from None
