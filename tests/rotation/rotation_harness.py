"""Runs the real command (`rotation.cli.main`) against the fake cloud with real SDK clients and credential."""

from __future__ import annotations

import base64
import io
import json
import shlex
import socket
import stat
import subprocess
import sys
from collections.abc import Callable, Sequence
from contextlib import redirect_stderr, redirect_stdout
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import requests
from azure.core.credentials import TokenCredential
from azure.core.pipeline.transport import RequestsTransport
from azure.identity import ClientSecretCredential

from rotation.cli import Runtime, main
from rotation.clouds import Cloud
from rotation.process import ProcessRunner
from rotation.waiting import Waits
from tests.rotation import fake_pulumi
from tests.rotation.rotation_fake_cloud import (
    ACCOUNT_ID,
    ACI_DEPLOYMENTS,
    ACI_GROUP_PREFIX,
    KUBE_TOKEN,
    LEASE_SECRET_NAME,
    NAMESPACE,
    SECRET_NAME,
    TENANT,
    FakeCloudServer,
    FakeServers,
    World,
)

STACK = "prod"
GATEWAY_ID = ACI_GROUP_PREFIX.replace(
    "Microsoft.ContainerInstance/containerGroups", "Microsoft.Network/applicationGateways/front"
)
FAST_WAITS = ("--poll-interval", "0.001", "--timeout", "2")
#: The real `pulumi` process runner, with short graces so a test of a hanging `pulumi` takes a fraction of a second.
PULUMI_PROCESS = ProcessRunner(cancel_grace=0.3, stop_grace=0.1)


def aci_urn(instance: str) -> str:
    """The URN of an ACI instance's container group; the fake `pulumi` reads the instance from its last part."""
    return f"urn:pulumi:{STACK}::speech-containers::azure-native:containerinstance:ContainerGroup::{instance}"


def instant_waits() -> Waits:
    """Waits on a fake clock, so a timeout of minutes passes at once."""
    now = [0.0]
    return Waits(sleep=lambda seconds: now.__setitem__(0, now[0] + seconds), clock=lambda: now[0])


@dataclass(frozen=True)
class Outcome:
    code: int
    stdout: str
    stderr: str

    def events(self) -> list[dict[str, Any]]:
        return [json.loads(line) for line in self.stdout.splitlines()]

    @property
    def text(self) -> str:
        return self.stdout + self.stderr


@dataclass(frozen=True)
class Bench:
    """What every test shares: the servers, the CA file, a kubeconfig, the fake `pulumi`, one HTTP session.

    The SDK clients share the session's connections, so a run does not pay a TLS handshake per client.
    """

    servers: FakeServers
    ca_file: str
    kubeconfig: Path
    pulumi_dir: Path
    empty_dir: Path
    http: requests.Session

    @classmethod
    def create(cls, servers: FakeServers, ca_file: str, directory: Path) -> Bench:
        kubeconfig = {  # the kubernetes client parses it as YAML in pure Python: short is fast
            "apiVersion": "v1",
            "kind": "Config",
            "clusters": [
                {"name": "fake", "cluster": {"server": servers.cloud.base_url, "certificate-authority": ca_file}}
            ],
            "users": [{"name": "tester", "user": {"token": KUBE_TOKEN}}],
            "contexts": [{"name": "fake", "context": {"cluster": "fake", "user": "tester"}}],
            "current-context": "fake",
        }
        (directory / "kubeconfig").write_text(json.dumps(kubeconfig))
        (directory / "bin").mkdir()
        (directory / "empty").mkdir()
        script = directory / "bin" / "pulumi"
        source = (Path(__file__).parent / "fake_pulumi.py").read_text()
        script.write_text(f"#!{sys.executable} -SI\n{source}")
        script.chmod(script.stat().st_mode | stat.S_IEXEC)
        http = requests.Session()
        http.trust_env = False  # no proxy lookups from the environment
        return cls(servers, ca_file, directory / "kubeconfig", directory / "bin", directory / "empty", http)


@dataclass
class Rotator:
    """One test's command line against a fresh World, with its own stack file for the fake `pulumi`.

    The fake `pulumi` runs in-process unless `pulumi_in_process` is False (then as the executable on PATH).
    """

    bench: Bench
    home: Path
    world: World = field(default_factory=World)
    pulumi_in_process: bool = True
    outcomes: list[Outcome] = field(default_factory=list)
    credentials: dict[str, TokenCredential] = field(default_factory=dict)
    sdk_retries: int = 0
    clock_offset: timedelta = timedelta()

    @property
    def cloud(self) -> FakeCloudServer:
        return self.bench.servers.cloud

    @property
    def stack_file(self) -> Path:
        return self.home / "stack.json"

    def reset(self, host: str, new_credentials: bool = False) -> None:
        """A fresh cloud and stack, for tests that try many failures one after another. The credentials and their
        cached tokens are kept (every world accepts them) unless the test fails token requests."""
        self.world = World()
        self.outcomes.clear()
        if new_credentials:
            self.credentials.clear()
        self.prepare(host)

    def prepare(self, host: str) -> None:
        """Serves a fresh World and writes the stack outputs the Pulumi side promises."""
        self.bench.servers.serve(self.world)
        self.world.host = host
        outputs = {
            "host": host,
            "speechAccountId": ACCOUNT_ID,
            "keyVaultUri": self.cloud.base_url,
            "apiKeySecretName": SECRET_NAME,
            "activeKey": "Key1",
        } | ({"kubernetesNamespace": NAMESPACE} if host == "aks" else {})
        self.write_stack(
            {
                "name": STACK,
                "outputs": outputs,
                "config": {"activeKey": "Key1"},
                "deploy_url": f"{self.bench.servers.containers.base_url}/_fake/aci/deploy",
                "fail_ups": [],
                "targeted_up_refreshes_outputs": False,
                "calls": [],
            }
        )
        self.publish_status(self.bench.servers.containers)

    def publish_status(self, server: FakeCloudServer, tls_certificate: str | None = None) -> None:
        """Points stack outputs `containers` and `aciRolloutBatches` at every ACI instance's /status on `server`
        (and its certificate)."""
        stack = self.stack()
        instances_of = self.world.aci_instances

        def status_url(instance: str) -> str:
            return f"{server.base_url}/aci/{instance}/status"

        stack["outputs"]["containers"] = {
            name: {
                "kind": ACI_DEPLOYMENTS[name],
                "url": f"wss://{instances[0]}.example:443",
                "statusUrl": status_url(instances[0]),
                "instances": [f"wss://{instance}.example:443" for instance in instances],
                "statusUrls": [status_url(instance) for instance in instances],
            }
            for name, instances in instances_of.items()
        }
        replicas = max(len(instances) for instances in instances_of.values())
        stack["outputs"]["aciRolloutBatches"] = [
            [
                {
                    "urn": aci_urn(instances[replica]),
                    "id": f"{ACI_GROUP_PREFIX}/{instances[replica]}",
                    "statusUrl": status_url(instances[replica]),
                }
                for instances in instances_of.values()
                if replica < len(instances)
            ]
            for replica in range(replicas)
        ]
        stack["outputs"].pop("tlsCertificate", None)
        if tls_certificate is not None:
            stack["outputs"]["tlsCertificate"] = tls_certificate
        self.write_stack(stack)

    def enable_front(self, drain_seconds: float = 0.05) -> None:
        """Puts the ACI groups in a VNet behind a gateway (stack output aciFront), each in its deployment's pool,
        its /status at its private address as the stack outputs give it (tests route those addresses to the fake
        containers with `vnet_connections`)."""
        self.world.enable_front(drain_seconds)
        stack = self.stack()
        loopback = urlsplit(self.bench.servers.containers.base_url).hostname or ""
        for name, container in stack["outputs"]["containers"].items():
            container["statusUrls"] = [
                url.replace(loopback, self.world.aci_ips[instance], 1)
                for url, instance in zip(container["statusUrls"], self.world.aci_instances[name], strict=True)
            ]
        for batch in stack["outputs"]["aciRolloutBatches"]:
            for entry in batch:
                instance = entry["id"].rsplit("/", 1)[-1]
                entry["statusUrl"] = entry["statusUrl"].replace(loopback, self.world.aci_ips[instance], 1)
        stack["outputs"]["aciFront"] = {
            "id": GATEWAY_ID,
            "drainSeconds": drain_seconds,
            "pools": {name: f"pool-{name}" for name in self.world.aci_instances},
        }
        self.write_stack(stack)

    def vnet_connections(self, monkeypatch: pytest.MonkeyPatch) -> None:
        """The VNet as the command sees it: a connection to a group's current private address reaches the fake
        containers; one to an address no group holds any more is refused, as a moved group's old IP would be."""
        real = socket.create_connection
        world = self.world

        def connect(address: tuple[str, int], *args: Any, **kwargs: Any) -> socket.socket:
            host, port = address
            if host in world.aci_ips.values():
                return real(("127.0.0.1", port), *args, **kwargs)
            if host.startswith("10."):
                raise ConnectionRefusedError(f"no container group at {host} any more")
            return real(address, *args, **kwargs)

        monkeypatch.setattr(socket, "create_connection", connect)

    def stack(self) -> dict[str, Any]:
        document: dict[str, Any] = json.loads(self.stack_file.read_text())
        return document

    def write_stack(self, stack: dict[str, Any]) -> None:
        self.stack_file.write_text(json.dumps(stack))

    def endpoint_args(self) -> list[str]:
        return ["--arm-endpoint", self.cloud.base_url, "--authority", self.cloud.base_url, *FAST_WAITS]

    def aks_args(self) -> list[str]:
        return [
            "rotate",
            "--account-id",
            ACCOUNT_ID,
            "--vault-url",
            self.cloud.base_url,
            "--host",
            "aks",
            "--namespace",
            NAMESPACE,
            "--kubeconfig",
            str(self.bench.kubeconfig),
            *self.endpoint_args(),
        ]

    def stack_args(self) -> list[str]:
        return ["rotate", "--stack", STACK, "--project-dir", str(self.home), *self.endpoint_args()]

    def credential(self, cloud: Cloud) -> TokenCredential:
        """One per test and authority, like one per process: the runs of a test share its cached tokens."""
        if cloud.authority not in self.credentials:
            self.credentials[cloud.authority] = ClientSecretCredential(
                TENANT,
                "rotation-client",
                "client-secret",
                authority=cloud.authority,
                disable_instance_discovery=True,
                **self.sdk_options(),
            )
        return self.credentials[cloud.authority]

    def sdk_options(self) -> dict[str, Any]:
        """No retries unless the test asks for them (without waiting between them), so an injected failure reaches
        the command; connections shared across runs."""
        transport = RequestsTransport(
            session=self.bench.http, session_owner=False, connection_verify=self.bench.ca_file, use_env_settings=False
        )
        return {"retry_total": self.sdk_retries, "retry_backoff_factor": 0, "transport": transport}

    def now(self) -> datetime:
        """The wall clock this test's runs see (the lease's): real time, moved on by `clock_offset`."""
        return datetime.now(UTC) + self.clock_offset

    def run(
        self,
        args: Sequence[str],
        after_step: Callable[[str], None] = lambda _step: None,
        waits: Waits | None = None,
    ) -> Outcome:
        stdout, stderr = io.StringIO(), io.StringIO()
        runtime = Runtime(
            credential=self.credential,
            waits=waits or Waits(),
            stdout=stdout,
            stderr=stderr,
            sdk_options=self.sdk_options(),
            after_step=after_step,
            run_command=self._in_process_pulumi if self.pulumi_in_process else PULUMI_PROCESS,
            now=self.now,
        )
        code = main(list(args), runtime)
        outcome = Outcome(code, stdout.getvalue(), stderr.getvalue())
        self.outcomes.append(outcome)
        return outcome

    def _in_process_pulumi(self, command: Sequence[str], cwd: str, _waits: Waits) -> subprocess.CompletedProcess[str]:
        stdout, stderr = io.StringIO(), io.StringIO()
        with redirect_stdout(stdout), redirect_stderr(stderr):
            code = fake_pulumi.main(list(command[1:]), str(self.stack_file))
        return subprocess.CompletedProcess(list(command), code, stdout.getvalue(), stderr.getvalue())

    def run_printed_commands(self, commands: Sequence[str]) -> None:
        """What a person does with the commands a paused rotation prints: runs each in order and, after each
        `pulumi up --target`, waits until that batch's /status answers (here: its groups finish loading)."""
        for printed in commands:
            directory, command = printed.removeprefix("cd ").split(" && ")
            completed = self._in_process_pulumi(shlex.split(command), shlex.split(directory)[0], Waits())
            assert completed.returncode == 0, completed.stderr
            self.world.finish_restarts()

    def assert_no_key_printed(self) -> None:
        """No run printed any key value that ever existed in this test (nor a base64 form of one)."""
        printed = "".join(outcome.text for outcome in self.outcomes)
        for value in self.world.every_key_value:
            assert value not in printed
            assert base64.b64encode(value.encode()).decode() not in printed

    def path_with_pulumi(self, present: bool) -> str:
        return str(self.bench.pulumi_dir if present else self.bench.empty_dir)

    def assert_rerun_finishes(self, args: Sequence[str], context: object) -> None:
        """A rerun completes; if the failed run had already finished, the rerun rightly rotates once more."""
        tags = self.world.latest["tags"]
        finished_before = int(tags.get("rotation-phase") == "idle" and tags["speech-key-name"] == "Key2")
        resumed = self.run(args)
        assert resumed.code == 0, (context, resumed.text)
        self.assert_rotated(rotations=1 + finished_before)

    def assert_interrupt_after_step_is_resumed(self, host: str, args: Sequence[str], step: str) -> None:
        self.reset(host)

        def interrupt(done: str) -> None:
            if done == step:
                raise KeyboardInterrupt

        interrupted = self.run(args, after_step=interrupt)
        assert interrupted.code == 130 and "rerun" in interrupted.stderr, (step, interrupted.text)
        self.assert_rerun_finishes(args, step)

    def assert_rotated(self, rotations: int = 1, downtime: Sequence[str] = (), lease_released: bool = True) -> None:
        """Complete and safe: the secret rests on the expected key, every container uses a valid key, no pod or
        group ever ran on an invalidated key, no deployment was down (but the expected `downtime`), the old key
        went last, no run printed a key, and (unless releasing it was made to fail) the lease was released."""
        world = self.world
        expected = "Key2" if rotations % 2 else "Key1"
        assert world.outages == []
        assert world.downtime == list(downtime)
        assert world.latest["tags"]["speech-key-name"] == expected
        assert world.latest["tags"]["rotation-phase"] == "idle"
        assert all(world.key_valid(key) for key in world.running_keys().values())
        assert world.regenerated[-1] != expected, "the previous key is regenerated last"
        self.assert_no_key_printed()
        if lease_released:
            self.assert_lease_released()

    def assert_lease_released(self) -> None:
        """Every lease a run took has expired (a run releases its lease by expiring it as it ends)."""
        for version in self.world.secrets.get(LEASE_SECRET_NAME, []):
            assert datetime.fromisoformat(version["tags"]["rotation-lease-expires-at"]) <= self.now(), version
