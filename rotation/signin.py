"""How the command signs in to Azure: the usual credential chain (workload identity, managed identity, the Azure
CLI...), or, in a GitHub Actions run set up for OIDC the way the azure-native provider is (`ARM_USE_OIDC=true`,
`ARM_CLIENT_ID`, `ARM_TENANT_ID`), the run's own ID token, fetched again whenever Azure's token expires. The Azure
CLI session that `azure/login` opens cannot renew itself after about an hour
(https://github.com/Azure/login/issues/372, read 2026-12-03), and a rotation may take longer.

GitHub's token endpoint: `ACTIONS_ID_TOKEN_REQUEST_URL` with `&audience=...`, the bearer
`ACTIONS_ID_TOKEN_REQUEST_TOKEN`, answering `{"value": "<JWT>"}` (https://docs.github.com/en/actions/security-for-
github-actions/security-hardening-your-deployments/about-security-hardening-with-openid-connect, read 2026-12-03);
the azure-native provider reads the same variables, or `ARM_OIDC_REQUEST_URL`/`ARM_OIDC_REQUEST_TOKEN`
(https://www.pulumi.com/blog/oidc-with-azure/, read 2026-12-03).
"""

from __future__ import annotations

import json
import os
import urllib.error
import urllib.request
from collections.abc import Callable, Mapping
from http.client import HTTPException
from urllib.parse import quote

from azure.core.credentials import TokenCredential
from azure.identity import ClientAssertionCredential, DefaultAzureCredential

from rotation.clouds import Cloud
from rotation.errors import RotationError, one_line

#: The audience Entra ID expects of a federated credential's token unless the credential names another: "should be set
#: to api://AzureADTokenExchange for Microsoft Entra ID"
#: (https://learn.microsoft.com/graph/api/resources/federatedidentitycredential, read 2026-12-03).
TOKEN_EXCHANGE_AUDIENCE = "api://AzureADTokenExchange"


def credential(cloud: Cloud, environ: Mapping[str, str] = os.environ) -> TokenCredential:
    """The run's OIDC token when the environment is set up for it, else the usual chain."""
    oidc = _oidc_token_source(environ)
    if oidc is None:
        return DefaultAzureCredential(authority=cloud.authority)
    missing = [name for name in ("ARM_TENANT_ID", "ARM_CLIENT_ID") if not environ.get(name)]
    if missing:
        raise RotationError(
            f"ARM_USE_OIDC is true but {' and '.join(missing)} {'is' if len(missing) == 1 else 'are'} not set: "
            "set the app registration's tenant and client id, as for the azure-native provider"
        )
    return ClientAssertionCredential(
        environ["ARM_TENANT_ID"], environ["ARM_CLIENT_ID"], oidc, authority=cloud.authority
    )


def _oidc_token_source(environ: Mapping[str, str]) -> Callable[[], str] | None:
    """Where the OIDC token comes from, in the azure-native provider's order of settings: a token, a token file,
    or a token endpoint (None: OIDC is off, or set up only for the usual chain, e.g. AZURE_FEDERATED_TOKEN_FILE)."""
    if environ.get("ARM_USE_OIDC", "").strip().lower() != "true":
        return None
    token, path = environ.get("ARM_OIDC_TOKEN"), environ.get("ARM_OIDC_TOKEN_FILE_PATH")
    if token:
        return lambda: token
    if path:
        return lambda: _read_token_file(path)
    url = environ.get("ARM_OIDC_REQUEST_URL") or environ.get("ACTIONS_ID_TOKEN_REQUEST_URL")
    bearer = environ.get("ARM_OIDC_REQUEST_TOKEN") or environ.get("ACTIONS_ID_TOKEN_REQUEST_TOKEN")
    audience = environ.get("ARM_OIDC_AUDIENCE") or TOKEN_EXCHANGE_AUDIENCE
    return oidc_token_fetcher(url, bearer, audience) if url and bearer else None


def _read_token_file(path: str) -> str:
    """Read at each call: the platform that writes it renews it."""
    try:
        with open(path, encoding="utf-8") as file:
            token = file.read().strip()
    except OSError as error:
        raise RotationError(f"reading the OIDC token file ARM_OIDC_TOKEN_FILE_PATH: {error.strerror}") from None
    except ValueError:  # not UTF-8 text
        raise RotationError(f"the OIDC token file ARM_OIDC_TOKEN_FILE_PATH ({path}) is not a token") from None
    if not token:
        raise RotationError(f"the OIDC token file ARM_OIDC_TOKEN_FILE_PATH ({path}) is empty")
    return token


def oidc_token_fetcher(
    url: str, bearer: str, audience: str = TOKEN_EXCHANGE_AUDIENCE, timeout: float = 30
) -> Callable[[], str]:
    """A fresh ID token from the run's token endpoint at each call."""
    separator = "&" if "?" in url else "?"
    address = f"{url}{separator}audience={quote(audience, safe='')}"
    headers = {"Authorization": f"bearer {bearer}", "Accept": "application/json"}

    def fetch() -> str:
        try:
            request = urllib.request.Request(address, headers=headers)
            with urllib.request.urlopen(request, timeout=timeout) as reply:
                answer = json.load(reply)
        except urllib.error.HTTPError as error:
            hint = " (does the job have `permissions: id-token: write`?)" if error.code in (401, 403) else ""
            raise RotationError(f"getting this run's OIDC token to sign in to Azure: {error}{hint}") from None
        except (OSError, ValueError, HTTPException) as error:
            raise RotationError(
                f"getting this run's OIDC token to sign in to Azure: {one_line(str(error)) or type(error).__name__}"
            ) from None
        value = answer.get("value") if isinstance(answer, dict) else None
        if not isinstance(value, str) or not value:
            raise RotationError("getting this run's OIDC token to sign in to Azure: the answer held no token")
        return value

    return fetch
