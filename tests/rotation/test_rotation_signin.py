"""Signing in: the usual chain, or a GitHub Actions run's own OIDC token, fetched afresh for every Azure token."""

from __future__ import annotations

import io
import json
import logging
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlparse

import pytest
from azure.identity import ClientAssertionCredential, DefaultAzureCredential

from rotation import signin
from rotation.cli import Runtime, main
from rotation.clouds import KNOWN_CLOUDS
from rotation.errors import RotationError
from tests.rotation.rotation_harness import Rotator

PUBLIC = KNOWN_CLOUDS["AzurePublicCloud"]


class TokenEndpoint:
    """GitHub's ID token endpoint: a bearer in, `{"value": jwt}` out; each answer a new token."""

    def __init__(self) -> None:
        self.requests: list[tuple[str, dict[str, list[str]]]] = []
        self.answer: Any = None
        self.status = 200

    def url(self, server: ThreadingHTTPServer) -> str:
        return f"http://127.0.0.1:{server.server_address[1]}/token?api-version=2.0"


@pytest.fixture
def github() -> Iterator[tuple[TokenEndpoint, str]]:
    endpoint = TokenEndpoint()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            endpoint.requests.append((self.headers["Authorization"], parse_qs(urlparse(self.path).query)))
            body = endpoint.answer if endpoint.answer is not None else {"value": f"jwt-{len(endpoint.requests)}"}
            data = body if isinstance(body, bytes) else json.dumps(body).encode()
            self.send_response(endpoint.status)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *_args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield endpoint, endpoint.url(server)
    finally:
        server.shutdown()
        server.server_close()


def _actions_env(url: str, **changes: str) -> dict[str, str]:
    env = {
        "ARM_USE_OIDC": "true",
        "ARM_TENANT_ID": "tenant-1",
        "ARM_CLIENT_ID": "client-1",
        "ACTIONS_ID_TOKEN_REQUEST_URL": url,
        "ACTIONS_ID_TOKEN_REQUEST_TOKEN": "runner-bearer",
    }
    return {k: v for k, v in {**env, **changes}.items() if v}


def test_without_oidc_settings_the_usual_chain_signs_in() -> None:
    assert isinstance(signin.credential(PUBLIC, {}), DefaultAzureCredential)
    no_endpoint = {"ARM_USE_OIDC": "true", "ARM_TENANT_ID": "t", "ARM_CLIENT_ID": "c"}  # e.g. a token file
    assert isinstance(signin.credential(PUBLIC, no_endpoint), DefaultAzureCredential)


def test_in_a_github_actions_run_each_azure_token_is_exchanged_for_a_fresh_run_token(
    github: tuple[TokenEndpoint, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    endpoint, url = github
    made: list[tuple[Any, ...]] = []

    def recorded(tenant: str, client: str, func: Any, **kwargs: Any) -> ClientAssertionCredential:
        made.append((tenant, client, kwargs["authority"], func))
        return ClientAssertionCredential(tenant, client, func, **kwargs)

    monkeypatch.setattr(signin, "ClientAssertionCredential", recorded)

    credential = signin.credential(KNOWN_CLOUDS["AzureUSGovernment"], _actions_env(url))

    assert isinstance(credential, ClientAssertionCredential)
    ((tenant, client, authority, fetch),) = made
    assert (tenant, client, authority) == ("tenant-1", "client-1", "https://login.microsoftonline.us")
    assert [fetch(), fetch()] == ["jwt-1", "jwt-2"]
    for bearer, query in endpoint.requests:
        assert bearer == "bearer runner-bearer"
        assert query == {"api-version": ["2.0"], "audience": ["api://AzureADTokenExchange"]}


def test_oidc_without_the_app_ids_is_refused_naming_them(github: tuple[TokenEndpoint, str]) -> None:
    _, url = github
    with pytest.raises(RotationError, match="ARM_USE_OIDC is true but ARM_CLIENT_ID is not set"):
        signin.credential(PUBLIC, _actions_env(url, ARM_CLIENT_ID=""))


@pytest.mark.parametrize(
    ("status", "answer", "fragment"),
    [
        (403, {"message": "no id-token permission"}, "HTTP Error 403: Forbidden (does the job have `permissions:"),
        (500, {"message": "busy"}, "HTTP Error 500"),
        (200, b"<html>not json</html>", "Expecting value"),
        (200, {"value": ""}, "the answer held no token"),
        (200, ["a list"], "the answer held no token"),
    ],
)
def test_a_token_endpoint_that_fails_is_one_line_naming_the_permission(
    github: tuple[TokenEndpoint, str], status: int, answer: Any, fragment: str
) -> None:
    endpoint, url = github
    endpoint.status, endpoint.answer = status, answer
    credential = signin.credential(PUBLIC, _actions_env(url))

    with pytest.raises(RotationError, match="getting this run's OIDC token") as caught:
        credential.get_token("https://management.azure.com/.default")

    assert fragment in str(caught.value) and "\n" not in str(caught.value)


@pytest.mark.parametrize(
    ("url", "fragment"),
    [("http://127.0.0.1:9/token?api-version=2.0", "Connection refused"), ("not a url", "unknown url type")],
)
def test_a_token_endpoint_that_is_unreachable_or_malformed_is_one_line(url: str, fragment: str) -> None:
    fetch = signin.oidc_token_fetcher(url, "b", timeout=2)
    with pytest.raises(RotationError, match="getting this run's OIDC token") as caught:
        fetch()
    assert fragment in str(caught.value) and "id-token" not in str(caught.value)


def test_the_command_ends_a_failed_sign_in_with_one_line(aks: Rotator, monkeypatch: pytest.MonkeyPatch) -> None:
    """As a pipeline runs it: no logging set up (Python would print the Azure SDK's warning on stderr)."""
    for name, value in _actions_env("http://127.0.0.1:9/token?api-version=2.0").items():
        monkeypatch.setenv(name, value)
    last_resort = io.StringIO()
    monkeypatch.setattr(logging.getLogger(), "handlers", [])  # pytest's capture handlers, gone as in a plain run
    monkeypatch.setattr(logging.getLogger("azure"), "handlers", [])
    monkeypatch.setattr(logging, "lastResort", logging.StreamHandler(last_resort))
    stdout, stderr = io.StringIO(), io.StringIO()

    code = main([*aks.aks_args(), "--json"], Runtime(stdout=stdout, stderr=stderr))

    assert code == 1, stderr.getvalue()
    assert stderr.getvalue().count("\n") == 1 and "getting this run's OIDC token" in stderr.getvalue()
    assert last_resort.getvalue() == ""
    assert json.loads(stdout.getvalue().splitlines()[-1])["event"] == "error"


def test_a_token_or_token_file_set_for_the_provider_signs_the_command_in_too(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    sources: list[Any] = []
    monkeypatch.setattr(signin, "ClientAssertionCredential", lambda *args, **_kw: sources.append(args[2]))
    ids = {"ARM_USE_OIDC": "true", "ARM_TENANT_ID": "t", "ARM_CLIENT_ID": "c"}
    token_file = tmp_path / "token"
    token_file.write_text("jwt-a\n")
    binary = tmp_path / "binary"
    binary.write_bytes(b"\xff\xfe\x00")

    signin.credential(PUBLIC, {**ids, "ARM_OIDC_TOKEN": "jwt-static"})
    signin.credential(PUBLIC, {**ids, "ARM_OIDC_TOKEN_FILE_PATH": str(token_file)})
    signin.credential(PUBLIC, {**ids, "ARM_OIDC_TOKEN_FILE_PATH": str(tmp_path / "missing")})
    signin.credential(PUBLIC, {**ids, "ARM_OIDC_TOKEN_FILE_PATH": str(binary)})

    static, from_file, missing, not_text = sources
    assert static() == "jwt-static"
    assert from_file() == "jwt-a"
    token_file.write_text("jwt-b")  # renewed by the platform: read again
    assert from_file() == "jwt-b"
    with pytest.raises(RotationError, match="reading the OIDC token file ARM_OIDC_TOKEN_FILE_PATH"):
        missing()
    with pytest.raises(RotationError, match="is not a token"):
        not_text()


def test_a_federated_credential_with_another_audience_is_asked_for_by_arm_oidc_audience(
    github: tuple[TokenEndpoint, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    endpoint, url = github
    fetches: list[Any] = []
    monkeypatch.setattr(signin, "ClientAssertionCredential", lambda *args, **_kw: fetches.append(args[2]))

    signin.credential(PUBLIC, _actions_env(url, ARM_OIDC_AUDIENCE="api://AzureADTokenExchangeUSGov"))
    fetches[0]()

    ((_, query),) = endpoint.requests
    assert query["audience"] == ["api://AzureADTokenExchangeUSGov"]
