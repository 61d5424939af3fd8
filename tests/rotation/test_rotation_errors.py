"""Failures end in one readable line on stderr (and an error event with --json), never a traceback or a key."""

from __future__ import annotations

import io
import json
from typing import Any, cast

import pytest
from azure.core.credentials import TokenCredential
from azure.core.exceptions import ClientAuthenticationError

from rotation.cli import Runtime, main
from rotation.clouds import Cloud, resolve_cloud
from rotation.errors import RotationError, azure_errors
from tests.rotation.rotation_fake_cloud import Fault
from tests.rotation.rotation_harness import Outcome, Rotator, instant_waits


def _assert_one_line_error(outcome: Outcome, code: int, *fragments: str) -> None:
    assert outcome.code == code, outcome.text
    assert outcome.stderr.count("\n") == 1 and outcome.stderr.startswith("rotation: error: "), outcome.stderr
    assert "Traceback" not in outcome.text
    for fragment in fragments:
        assert fragment in outcome.stderr


@pytest.mark.parametrize(
    ("route", "fragments"),
    [
        ("kv.get", ("reading secret 'speech-api-key'", "permission denied")),
        ("arm.get", ("reading Speech account 'speech-account'", "permission denied")),
        ("aad.token", ("authentication failed",)),
        ("kube.listDeployments", ("listing Deployments in namespace 'speech'", "permission denied")),
    ],
)
def test_missing_permissions_are_named(aks: Rotator, route: str, fragments: tuple[str, ...]) -> None:
    aks.world.forbidden_routes.add(route)

    _assert_one_line_error(aks.run(aks.aks_args()), 1, *fragments)
    assert aks.world.regenerated == []
    aks.assert_no_key_printed()


def test_a_refused_sign_in_shows_entra_ids_reason(aks: Rotator) -> None:
    """The operator needs the AADSTS line (which federated credential or secret is wrong), not just a status."""
    aks.world.sign_in_refused = "AADSTS70021: No matching federated identity record found for presented assertion."

    _assert_one_line_error(
        aks.run(aks.aks_args()), 1, "authentication failed", "AADSTS70021: No matching federated identity record"
    )
    assert aks.world.regenerated == []


class _Reply:
    """What an SDK error carries of an HTTP reply."""

    def __init__(self, status: int, reason: str, body: str = "") -> None:
        self.status_code, self.reason, self.body = status, reason, body
        self.headers: dict[str, str] = {}

    def text(self) -> str:
        return self.body


#: What DefaultAzureCredential says when nothing can sign in (azure-identity 1.27, a runner without az login).
CHAIN_FAILURE = """DefaultAzureCredential failed to retrieve a token from the included credentials.
Attempted credentials:
\tEnvironmentCredential: EnvironmentCredential authentication unavailable. Environment variables are not fully configured.
Visit https://aka.ms/azsdk/python/identity/environmentcredential/troubleshoot to troubleshoot this issue.
\tWorkloadIdentityCredential: WorkloadIdentityCredential authentication unavailable. The workload options are not fully configured. See the troubleshooting guide for more information: https://aka.ms/azsdk/python/identity/workloadidentitycredential/troubleshoot. Missing required arguments: 'tenant_id', 'client_id', 'token_file_path'.
\tManagedIdentityCredential: ManagedIdentityCredential authentication unavailable.
\tSharedTokenCacheCredential: SharedTokenCacheCredential authentication unavailable. No accounts were found in the cache.
\tVisualStudioCodeCredential: VisualStudioCodeCredential requires the 'azure-identity-broker' package to be installed. You must also ensure you have the Azure Resources extension installed and have signed in to Azure via Visual Studio Code.
\tAzureCliCredential: Azure CLI not found on path
\tAzurePowerShellCredential: PowerShell is not installed
\tAzureDeveloperCliCredential: Azure Developer CLI could not be found. Please visit https://aka.ms/azure-dev for installation instructions and then,once installed, authenticate to your Azure account using 'azd auth login'.
\tBrokerCredential: InteractiveBrowserBrokerCredential unavailable. The 'azure-identity-broker' package is required to use brokered authentication.
To mitigate this issue, please refer to the troubleshooting guidelines here at https://aka.ms/azsdk/python/identity/defaultazurecredential/troubleshoot."""  # noqa: E501

TENANT_REFUSED = (
    '{"error": {"code": "InvalidAuthenticationTokenTenant", "message": "The access token is from the wrong issuer '
    "'https://sts.windows.net/t1/'. It must match the tenant 'https://sts.windows.net/t2/' associated with this "
    'subscription."}}'
)


@pytest.mark.parametrize(
    ("error", "fragments", "absent"),
    [
        (  # a federated sign-in Entra ID refuses: the reason is in the message, not in the HTTP status
            ClientAuthenticationError(
                message="Authentication failed: AADSTS70021: No matching federated identity record found for "
                "presented assertion. Assertion Subject: 'repo:org/speech:environment:prod'.",
                response=cast(Any, _Reply(400, "Bad Request")),
            ),
            ("AADSTS70021: No matching federated identity record", "Assertion Subject: 'repo:org/speech:"),
            ("Bad Request",),
        ),
        (  # a credential chain: each credential it tried, by its first sentence
            ClientAuthenticationError(message=CHAIN_FAILURE),
            (
                "EnvironmentCredential: EnvironmentCredential authentication unavailable;",
                "AzureCliCredential: Azure CLI not found on path;",
                "BrokerCredential: InteractiveBrowserBrokerCredential unavailable",
            ),
            ("Visit https://", "To mitigate", "..."),
        ),
        (  # a service refusing a token: its code, once
            ClientAuthenticationError(response=cast(Any, _Reply(401, "Unauthorized", TENANT_REFUSED))),
            ("InvalidAuthenticationTokenTenant: The access token is from the wrong issuer",),
            ("Code:",),
        ),
    ],
)
def test_a_failed_sign_in_keeps_its_reason_on_one_line(
    error: Exception, fragments: tuple[str, ...], absent: tuple[str, ...]
) -> None:
    with pytest.raises(RotationError) as caught, azure_errors("listing keys"):
        raise error

    message = str(caught.value)
    assert message.startswith("listing keys: authentication failed (") and "\n" not in message, message
    for fragment in fragments:
        assert fragment in message, message
    for fragment in absent:
        assert fragment not in message, message


def test_permission_to_regenerate_missing_changes_nothing_and_a_rerun_with_it_finishes(aks: Rotator) -> None:
    aks.world.forbidden_routes.add("arm.regenerateKey")

    outcome = aks.run([*aks.aks_args(), "--json"])

    _assert_one_line_error(outcome, 1, "regenerating Key2 of Speech account 'speech-account'", "permission denied")
    assert outcome.events()[-1]["event"] == "error"
    assert aks.world.latest["tags"] == {"speech-key-name": "Key1"}
    aks.world.forbidden_routes.clear()
    assert aks.run(aks.aks_args()).code == 0
    aks.assert_rotated()


def test_a_missing_secret_is_named(aks: Rotator) -> None:
    aks.world.secret_exists = False

    _assert_one_line_error(aks.run(aks.aks_args()), 1, "secret 'speech-api-key'", "not found", "SecretNotFound")


def test_a_missing_account_is_named(aks: Rotator) -> None:
    aks.world.account_exists = False

    _assert_one_line_error(aks.run(aks.aks_args()), 1, "Speech account 'speech-account'", "not found")


def test_a_vault_that_does_not_exist_is_named(aks: Rotator) -> None:
    args = aks.aks_args()
    args[args.index("--vault-url") + 1] = "https://127.0.0.1:9"

    _assert_one_line_error(aks.run(args), 1, "https://127.0.0.1:9", "cannot reach the service")


def test_a_vault_challenge_for_another_domain_is_refused_unless_allowed(aks: Rotator) -> None:
    aks.world.vault_challenge_resource = "https://vault.azure.net"
    # The SDK caches challenges per host and port for the whole process, and ports are reused between tests:
    # a host name no other test uses makes sure this vault's own challenge is the one checked.
    vault = ["--vault-url", aks.cloud.base_url.replace("127.0.0.1", "localhost")]

    _assert_one_line_error(aks.run([*aks.aks_args(), *vault]), 1, "does not match the requested domain")
    assert aks.run([*aks.aks_args(), *vault, "--no-verify-vault-challenge"]).code == 0


@pytest.mark.parametrize(
    ("replace", "code", "fragment"),
    [
        (("--host", "vm"), 2, "argument --host: invalid choice: 'vm'"),
        (("--cloud", "Mars"), 2, "argument --cloud: invalid choice: 'Mars'"),
        (("--account-id", "/subscriptions/x"), 1, "is not an ARM id"),
        (("--vault-url", "http://vault"), 1, "must start with https://"),
        (("--arm-endpoint", "http://arm"), 1, "must start with https://"),
        (("--timeout", "soon"), 2, "argument --timeout: invalid float value: 'soon'"),
    ],
)
def test_bad_arguments_are_one_line(aks: Rotator, replace: tuple[str, str], code: int, fragment: str) -> None:
    args = [*aks.aks_args(), *replace]

    _assert_one_line_error(aks.run(args), code, fragment)
    assert aks.world.routes == []


def test_a_cloud_other_than_the_workload_identitys_stops_before_any_call(
    aks: Rotator, monkeypatch: pytest.MonkeyPatch
) -> None:
    """In a US Government cluster the webhook points AZURE_AUTHORITY_HOST at login.microsoftonline.us: a run for
    the public cloud would sign in at the wrong authority."""
    monkeypatch.setenv("AZURE_AUTHORITY_HOST", "https://login.microsoftonline.us/")
    public = aks.aks_args()
    at = public.index("--authority")
    del public[at : at + 2]  # the cloud's own authority, as in the CronJob

    _assert_one_line_error(
        aks.run(public),
        1,
        "AZURE_AUTHORITY_HOST is https://login.microsoftonline.us/ but --cloud AzurePublicCloud signs in at "
        "https://login.microsoftonline.com",
    )
    assert aks.world.routes == []
    for written in (
        "https://login.microsoftonline.us/",
        "login.microsoftonline.us",
        "HTTPS://Login.MicrosoftOnline.US",
        "https://login.microsoftonline.us / ",
        "https://login.microsoftonline.us:443",
    ):
        matching = resolve_cloud("AzureUSGovernment", None, None, True, written)
        assert matching.authority == "https://login.microsoftonline.us"
    with pytest.raises(RotationError, match=r"AZURE_AUTHORITY_HOST is login\.microsoftonline\.com but"):
        resolve_cloud("AzureUSGovernment", None, None, True, "login.microsoftonline.com")
    with pytest.raises(RotationError, match="must be an https URL"):
        resolve_cloud("AzureUSGovernment", None, None, True, "http://login.microsoftonline.us")


def test_a_missing_target_names_the_option(aks: Rotator, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", aks.path_with_pulumi(present=False))

    _assert_one_line_error(aks.run(["rotate", "--stack", "prod"]), 1, "--host is required")
    _assert_one_line_error(aks.run(["rotate"]), 1, "no --stack was given")
    _assert_one_line_error(aks.run([]), 2, "the following arguments are required: command")


def test_no_permission_to_read_the_container_groups_names_the_role_and_changes_nothing(aci: Rotator) -> None:
    aci.world.forbidden_routes.add("arm.getContainerGroup")

    outcome = aci.run([*aci.stack_args(), "--apply"])

    _assert_one_line_error(
        outcome,
        1,
        "reading container group 'en-us-1' in resource group speech-rg: permission denied",
        "grant Reader on resource group speech-rg",
    )
    assert aci.world.regenerated == []


def test_a_container_group_that_does_not_exist_is_named_and_changes_nothing(aci: Rotator) -> None:
    stack = aci.stack()
    entry = stack["outputs"]["aciRolloutBatches"][1][0]
    entry["id"] = entry["id"].replace("en-us-2", "deleted-group")
    aci.write_stack(stack)

    outcome = aci.run([*aci.stack_args(), "--apply"])

    _assert_one_line_error(
        outcome, 1, "container group 'deleted-group'", "not found", "names a group that does not exist"
    )
    assert aci.world.regenerated == []


@pytest.mark.parametrize(
    ("fault", "sdk_retries"),
    [
        (Fault("arm.regenerateKey", 1, status=0, after_effect=True), 0),
        (Fault("arm.regenerateKey", 1, after_effect=True), 3),
    ],
    ids=["connection-dropped-after-the-request", "error-after-the-effect-with-sdk-retries"],
)
def test_a_lost_reply_to_regenerate_is_settled_by_reading_the_keys_never_by_regenerating_again(
    aks: Rotator, fault: Fault, sdk_retries: int
) -> None:
    aks.world.faults.append(fault)
    aks.sdk_retries = sdk_retries

    outcome = aks.run(aks.aks_args())

    assert outcome.code == 0 and aks.world.fired == [fault], outcome.text
    aks.assert_rotated()
    assert aks.world.regenerated == ["Key2", "Key1"]


@pytest.mark.parametrize("route", ["kv.get", "arm.listKeys", "kv.set", "lease.set"])
def test_a_connection_dropped_after_the_request_was_sent_is_one_line(aks: Rotator, route: str) -> None:
    aks.world.faults.append(Fault(route, 1, status=0, after_effect=True))

    outcome = aks.run([*aks.aks_args(), "--json"])

    _assert_one_line_error(outcome, 1, "the connection broke after the request was sent")
    assert outcome.events()[-1]["event"] == "error"


def test_a_status_page_that_answers_garbage_is_a_one_line_timeout(aci: Rotator) -> None:
    aci.world.garbage_status.add("en-us-1")

    outcome = aci.run([*aci.stack_args(), "--apply", "--timeout", "10", "--poll-interval", "5"], waits=instant_waits())

    _assert_one_line_error(outcome, 1, "timed out after 10s", "en-us #1: /status unreachable (not HTTP:")
    assert aci.world.regenerated == ["Key2"]


def test_an_unexpected_failure_is_still_one_line_with_an_error_event(aks: Rotator) -> None:
    def broken_credential(_cloud: Cloud) -> TokenCredential:
        raise TypeError("no credential today")

    stdout, stderr = io.StringIO(), io.StringIO()
    code = main([*aks.aks_args(), "--json"], Runtime(credential=broken_credential, stdout=stdout, stderr=stderr))

    assert code == 1 and stderr.getvalue().count("\n") == 1, stderr.getvalue()
    assert stderr.getvalue().startswith("rotation: error: internal error (TypeError: no credential today)")
    assert json.loads(stdout.getvalue().splitlines()[-1])["event"] == "error"
