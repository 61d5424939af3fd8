"""Command line: `python -m rotation rotate ...`; exit 0 done, 1 error, 2 bad argument, 3 paused for a person."""

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import Callable, Mapping, Sequence
from contextlib import ExitStack
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import Any, NoReturn, TextIO

from azure.core.credentials import TokenCredential
from azure.keyvault.secrets import SecretClient
from azure.mgmt.cognitiveservices import CognitiveServicesManagementClient

from rotation import machine, signin
from rotation.account import AccountId, SpeechAccount
from rotation.aci import AciHost
from rotation.clouds import KNOWN_CLOUDS, Cloud, resolve_cloud
from rotation.container_groups import ContainerGroupKeys
from rotation.errors import ActionRequiredError, RotationError, one_line
from rotation.lease import Lease, LeaseHeldError
from rotation.process import CommandRunner, ProcessRunner
from rotation.progress import Reporter
from rotation.stack import PulumiStack
from rotation.state import Phase, RotationState
from rotation.status import StatusTrust
from rotation.vault import VaultSecret
from rotation.waiting import Waits

EXIT_OK, EXIT_ERROR, EXIT_USAGE, EXIT_PAUSED, EXIT_INTERRUPTED = 0, 1, 2, 3, 130
DEFAULT_SECRET_NAME = "speech-api-key"
#: The API server as pods reach it.
IN_CLUSTER_API_HOST = "kubernetes.default.svc"
#: The most days --if-older-than-days and --expiry-days take (ten years).
MAX_DAYS = 3650


@dataclass(frozen=True)
class Runtime:
    """What tests replace: the credential, the waits, the streams, SDK transport options, a hook after each step,
    and how the Pulumi CLI is run."""

    credential: Callable[[Cloud], TokenCredential] = signin.credential
    waits: Waits = field(default_factory=Waits)
    stdout: TextIO = field(default_factory=lambda: sys.stdout)
    stderr: TextIO = field(default_factory=lambda: sys.stderr)
    sdk_options: Mapping[str, Any] = field(default_factory=dict)
    after_step: Callable[[str], None] = lambda _step: None
    run_command: CommandRunner = field(default_factory=ProcessRunner)
    now: Callable[[], datetime] = lambda: datetime.now(UTC)


class UsageError(Exception):
    """A bad argument; reported in one line like every other error."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        raise UsageError(message)


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="python -m rotation", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    rotate = commands.add_parser("rotate", help="rotate the Speech key the containers use, without downtime")
    target = rotate.add_argument_group("target (defaults come from the stack outputs with --stack)")
    target.add_argument("--stack", help="Pulumi stack name; its outputs supply every target default")
    target.add_argument("--project-dir", default=".", help="directory of Pulumi.yaml (default: .)")
    target.add_argument("--account-id", help="ARM id of the Speech account")
    target.add_argument("--vault-url", help="https://<vault>.vault.azure.net")
    target.add_argument("--secret-name", help=f"vault secret with the containers' key (default: {DEFAULT_SECRET_NAME})")
    target.add_argument("--host", choices=["aci", "aks"], help="where the containers run")
    target.add_argument("--namespace", help="AKS: Kubernetes namespace of the Deployments")
    target.add_argument("--kubeconfig", help="AKS: kubeconfig file (default: $KUBECONFIG or ~/.kube/config)")
    target.add_argument("--kube-context", help="AKS: kubeconfig context (default: the current context)")
    target.add_argument(
        "--in-cluster",
        action="store_true",
        help="AKS: use the pod's service account instead of a kubeconfig (the scheduled rotation CronJob)",
    )
    cloud = rotate.add_argument_group("cloud")
    cloud.add_argument("--cloud", default="AzurePublicCloud", choices=list(KNOWN_CLOUDS))
    cloud.add_argument("--arm-endpoint", help="ARM endpoint overriding the cloud's (https://...)")
    cloud.add_argument("--authority", help="Entra ID authority overriding the cloud's (https://...)")
    cloud.add_argument(
        "--no-verify-vault-challenge",
        action="store_true",
        help="accept a Key Vault auth challenge whose resource is not the vault's domain (custom domains)",
    )
    behaviour = rotate.add_argument_group("behaviour")
    behaviour.add_argument("--apply", action="store_true", help="ACI: run `pulumi up` instead of printing it")
    behaviour.add_argument(
        "--status-ca-file",
        help="ACI: CA certificates (PEM) that vouch for your TLS certificate on /status "
        "(default: pin the stack's self-signed certificate, else the system trust store)",
    )
    behaviour.add_argument(
        "--adopt-regenerated-key",
        action="store_true",
        help="if the new key was regenerated outside this rotation after it was stored, store its current value and "
        "roll every container onto it (the command says when this is needed)",
    )
    behaviour.add_argument(
        "--if-older-than-days",
        type=_days,
        help="rotate only if the secret's current version is at least this old (a rotation left half-done always "
        "resumes): for schedules",
    )
    behaviour.add_argument(
        "--expiry-days",
        type=_days,
        help="the new secret version expires this many days after it is stored; 0: never (default: the stack "
        "output apiKeyExpiryDays, else as long as the current version was given)",
    )
    behaviour.add_argument("--dry-run", action="store_true", help="show the remaining steps; change nothing")
    behaviour.add_argument("--json", action="store_true", help="JSON lines on stdout, one event per line")
    behaviour.add_argument("--poll-interval", type=float, default=Waits.poll_interval, help="seconds")
    behaviour.add_argument("--timeout", type=float, default=Waits.timeout, help="seconds for each wait")
    return parser


def _days(text: str) -> int:
    if not text.isascii() or not text.isdigit() or int(text) > MAX_DAYS:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number of days from 0 to {MAX_DAYS}")
    return int(text)


@dataclass(frozen=True)
class Target:
    """Where to rotate: explicit arguments win over the stack outputs."""

    account_id: AccountId
    vault_url: str
    secret_name: str
    host: str
    namespace: str | None
    #: Days each new secret version lives (None: as long as the current one).
    expiry_days: int | None = None

    @classmethod
    def resolve(cls, args: argparse.Namespace, stack: PulumiStack | None) -> Target:
        outputs: Mapping[str, Any] = {}
        if stack is not None and stack.executable is not None:
            outputs = stack.outputs()
        hint = "the Pulumi CLI is not installed" if stack is not None else "no --stack was given"

        def pick(argument: str | None, output: str, option: str) -> str:
            value = argument or outputs.get(output)
            if not isinstance(value, str) or not value:
                raise RotationError(f"{option} is required ({hint}, or the stack has no output {output!r})")
            return value

        host = pick(args.host, "host", "--host")
        if host not in ("aci", "aks"):
            raise RotationError(f"host {host!r} is not aci or aks")
        vault_url = pick(args.vault_url, "keyVaultUri", "--vault-url")
        if not vault_url.startswith("https://"):
            raise RotationError(f"--vault-url {vault_url!r} must start with https://")
        return cls(
            account_id=AccountId.parse(pick(args.account_id, "speechAccountId", "--account-id")),
            vault_url=vault_url,
            secret_name=args.secret_name or str(outputs.get("apiKeySecretName") or DEFAULT_SECRET_NAME),
            host=host,
            namespace=pick(args.namespace, "kubernetesNamespace", "--namespace") if host == "aks" else None,
            expiry_days=args.expiry_days if args.expiry_days is not None else _int_or_none(outputs, "apiKeyExpiryDays"),
        )


def _int_or_none(outputs: Mapping[str, Any], name: str) -> int | None:
    value = outputs.get(name)
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _aks_host(args: argparse.Namespace, namespace: str, waits: Waits) -> machine.Host:
    """Imported lazily: the kubernetes client is only needed (and its config only read) for AKS."""
    from kubernetes.client import ApiClient, Configuration
    from kubernetes.config import ConfigException, load_incluster_config, new_client_from_config

    from rotation.aks import AksHost
    from rotation.kube import KubernetesApi

    try:
        if args.in_cluster:
            configuration = Configuration()
            load_incluster_config(client_configuration=configuration)  # type: ignore[no-untyped-call]
            # The service's DNS name rather than its IP: behind an HTTP proxy, NO_PROXY names in-cluster hosts
            # (`.svc`), never the service IP, and the API server's certificate names both.
            configuration.host = f"https://{IN_CLUSTER_API_HOST}:{os.environ.get('KUBERNETES_SERVICE_PORT', '443')}"
            api_client = ApiClient(configuration)
        else:
            api_client = new_client_from_config(  # type: ignore[no-untyped-call]
                config_file=args.kubeconfig, context=args.kube_context
            )
    except (ConfigException, OSError) as error:
        where = "the pod's service account" if args.in_cluster else "the kubeconfig"
        raise RotationError(f"cannot load {where}: {error}") from None
    return AksHost(KubernetesApi.of(api_client), namespace, waits)


def build_rotation(args: argparse.Namespace, runtime: Runtime, resources: ExitStack) -> machine.Rotation:
    cloud = resolve_cloud(
        args.cloud,
        args.arm_endpoint,
        args.authority,
        not args.no_verify_vault_challenge,
        os.environ.get("AZURE_AUTHORITY_HOST"),
    )
    waits = replace(runtime.waits, poll_interval=args.poll_interval, timeout=args.timeout)
    stack = PulumiStack.find(args.stack, args.project_dir, runtime.run_command, waits) if args.stack else None
    target = Target.resolve(args, stack)
    if target.host == "aci" and stack is None:
        raise RotationError("ACI needs --stack: the stack injects the key into the containers")
    credential = runtime.credential(cloud)
    secret_client = resources.enter_context(
        SecretClient(
            target.vault_url,
            credential,
            verify_challenge_resource=cloud.verify_vault_challenge,
            **runtime.sdk_options,
        )
    )
    lease = Lease(secret_client, target.secret_name, runtime.now)
    waits = replace(waits, heartbeat=lease.keep)
    if stack is not None:
        stack.waits = waits  # the stack was needed to find the vault; its `pulumi up`s keep the lease too
    arm_client = resources.enter_context(
        CognitiveServicesManagementClient(
            credential,
            target.account_id.subscription,
            base_url=cloud.arm_endpoint,
            credential_scopes=[cloud.arm_scope],
            **runtime.sdk_options,
        )
    )
    host: machine.Host
    if stack is not None and target.host == "aci":
        status_ca = StatusTrust.verifying(args.status_ca_file) if args.status_ca_file else None
        host = AciHost(stack, ContainerGroupKeys(arm_client), args.apply, waits, status_ca, arm_client)
    else:
        host = _aks_host(args, target.namespace or "", waits)
    return machine.Rotation(
        vault=VaultSecret(secret_client, target.secret_name, _lifetime(target.expiry_days)),
        account=SpeechAccount(arm_client, target.account_id),
        host=host,
        stack=stack,
        waits=waits,
        lease=lease,
        adopt=args.adopt_regenerated_key,
    )


def _lifetime(days: int | None) -> timedelta | None:
    return None if days is None else timedelta(days=days)


def _not_due(state: RotationState, min_age_days: int | None, now: datetime) -> str | None:
    """Why a scheduled run leaves the key alone (None: rotate). A rotation in flight is always finished."""
    if min_age_days is None or state.phase is not Phase.IDLE:
        return None
    if state.created_on is None:
        return None
    age = now - state.created_on
    if age >= timedelta(days=min_age_days):
        return None
    due = state.created_on + timedelta(days=min_age_days)
    return (
        f"not due: the key's secret version {state.version} is {age.days} day(s) old, under {min_age_days}; "
        f"it is due on {due:%Y-%m-%dT%H:%M:%SZ}; nothing was changed"
    )


def _reported_not_due(state: RotationState, args: argparse.Namespace, runtime: Runtime, reporter: Reporter) -> bool:
    """Whether the key is not due; if so, reports the state that says so and the result."""
    reason = _not_due(state, args.if_older_than_days, runtime.now())
    if reason is None:
        return False
    reporter.state(state)
    reporter.result("not-due", reason)
    return True


def _rotate(args: argparse.Namespace, runtime: Runtime, reporter: Reporter) -> int:
    with ExitStack() as resources:
        rotation = build_rotation(args, runtime, resources)
        rotation.account.check_exists()
        state = rotation.vault.read_state()
        if args.dry_run:
            reporter.state(state)
            for step in machine.plan(rotation, state):
                machine.announce(reporter, step, "planned")
            reporter.result("planned", "dry run: nothing was changed")
            return EXIT_OK
        # A scheduled run with nothing to do ends before the lease: it adds no ticket and stands in no one's way.
        if _reported_not_due(state, args, runtime, reporter):
            return EXIT_OK
        try:
            with rotation.lease.held(rotation.vault.next_expiry(state)):
                state = rotation.vault.read_state()  # again: another run may have moved it before we took the lease
                if _reported_not_due(state, args, runtime, reporter):
                    return EXIT_OK
                reporter.state(state)
                final = machine.run(rotation, state, reporter, runtime.after_step)
        except LeaseHeldError as busy:
            if args.if_older_than_days is None or not busy.plausible:
                raise
            # A scheduled run beside a person's (or another schedule's): nothing failed, so no alert; the next
            # scheduled run checks again. A ticket no run could hold that long fails the run (and alerts) instead.
            reporter.result("busy", str(busy))
            return EXIT_OK
        except ActionRequiredError as paused:
            reporter.action_required(paused.reason, paused.commands)
            reporter.result("paused", "paused in a resumable state; rerun the same command to continue")
            return EXIT_PAUSED
        reporter.result(
            "complete",
            f"rotation complete: containers use {final.active_key}; {final.active_key.other} was regenerated",
        )
        return EXIT_OK


def main(argv: Sequence[str] | None = None, runtime: Runtime | None = None) -> int:
    runtime = runtime or Runtime()
    # The Azure SDKs log a failed sign-in as a warning, which Python would print to stderr beside our one line; a
    # handler of the caller's (on the root logger) still gets them.
    azure_log = logging.getLogger("azure")
    if not azure_log.handlers:
        azure_log.addHandler(logging.NullHandler())
    try:
        args = build_parser().parse_args(argv)
    except UsageError as error:
        runtime.stderr.write(f"rotation: error: {error} (see --help)\n")
        return EXIT_USAGE
    reporter = Reporter(runtime.stdout, args.json)
    try:
        return _rotate(args, runtime, reporter)
    except RotationError as error:
        message, code = str(error), EXIT_ERROR
    except KeyboardInterrupt as interrupt:  # Interrupted says what the interrupt left behind
        message, code = str(interrupt) or "interrupted; rerun the same command to resume", EXIT_INTERRUPTED
    except Exception as error:  # a bug: still one line, and the error event for pipelines
        message = f"internal error ({type(error).__name__}: {one_line(str(error))}); please report it"
        code = EXIT_ERROR
    reporter.error(message)
    runtime.stderr.write(f"rotation: error: {message}\n")
    return code
