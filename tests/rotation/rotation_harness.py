"""Runs the real command (`rotation.cli.main`) against the fake cloud with real SDK clients and credential."""

from __future__ import annotations

import base64
import io
import json
import stat
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from azure.core.credentials import TokenCredential
from azure.identity import ClientSecretCredential

from rotation.cli import Runtime, main
from rotation.clouds import Cloud
from rotation.waiting import Waits
from tests.rotation.rotation_fake_cloud import (
    ACCOUNT_ID,
    KINDS,
    KUBE_TOKEN,
    NAMESPACE,
    SECRET_NAME,
    TENANT,
    FakeCloudServer,
    World,
)

STACK = "prod"
FAST_WAITS = ("--poll-interval", "0.001", "--timeout", "2")


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


@dataclass
class Rotator:
    """One test's command line: the fake cloud, a kubeconfig, and a fake `pulumi` with its stack file."""

    cloud: FakeCloudServer
    containers: FakeCloudServer
    ca_file: str
    home: Path
    outcomes: list[Outcome] = field(default_factory=list)

    @property
    def world(self) -> World:
        return self.cloud.world

    @property
    def stack_file(self) -> Path:
        return self.home / "stack.json"

    @property
    def pulumi_dir(self) -> Path:
        return self.home / "bin"

    def reset(self, host: str) -> None:
        """A fresh cloud and stack, for tests that try many failures one after another."""
        self.cloud.world = self.containers.world = World()
        self.outcomes.clear()
        self.prepare(host)

    def prepare(self, host: str) -> None:
        """Writes the kubeconfig, the fake `pulumi` and the stack outputs the Pulumi side promises."""
        self.world.host = host
        ca_data = base64.b64encode(Path(self.ca_file).read_bytes()).decode()
        kubeconfig = {
            "apiVersion": "v1",
            "kind": "Config",
            "clusters": [
                {"name": "fake", "cluster": {"server": self.cloud.base_url, "certificate-authority-data": ca_data}}
            ],
            "users": [{"name": "tester", "user": {"token": KUBE_TOKEN}}],
            "contexts": [{"name": "fake", "context": {"cluster": "fake", "user": "tester"}}],
            "current-context": "fake",
        }
        (self.home / "kubeconfig").write_text(json.dumps(kubeconfig))
        self.pulumi_dir.mkdir(exist_ok=True)
        script = self.pulumi_dir / "pulumi"
        source = (Path(__file__).parent / "fake_pulumi.py").read_text()
        script.write_text(f"#!{sys.executable} -SI\n{source}")
        script.chmod(script.stat().st_mode | stat.S_IEXEC)
        containers = {
            kind: {"url": f"ws://127.0.0.1:1/{kind}", "statusUrl": f"{self.containers.base_url}/aci/{kind}/status"}
            for kind in KINDS
        }
        outputs = {
            "host": host,
            "speechAccountId": ACCOUNT_ID,
            "keyVaultUri": self.cloud.base_url,
            "apiKeySecretName": SECRET_NAME,
            "containers": containers,
            "activeKey": "Key1",
        } | ({"kubernetesNamespace": NAMESPACE} if host == "aks" else {})
        self.write_stack(
            {
                "name": STACK,
                "outputs": outputs,
                "config": {"activeKey": "Key1"},
                "deploy_url": f"{self.containers.base_url}/_fake/aci/deploy",
                "fail_up": False,
                "calls": [],
            }
        )

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
            str(self.home / "kubeconfig"),
            *self.endpoint_args(),
        ]

    def stack_args(self) -> list[str]:
        return ["rotate", "--stack", STACK, "--project-dir", str(self.home), *self.endpoint_args()]

    def credential(self, cloud: Cloud) -> TokenCredential:
        return ClientSecretCredential(
            TENANT,
            "rotation-client",
            "client-secret",
            authority=cloud.authority,
            disable_instance_discovery=True,
            **self.sdk_options(),
        )

    def sdk_options(self) -> dict[str, Any]:
        """No retries, so an injected failure reaches the command; no proxy lookups from the environment."""
        return {"retry_total": 0, "connection_verify": self.ca_file, "use_env_settings": False}

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
        )
        code = main(list(args), runtime)
        outcome = Outcome(code, stdout.getvalue(), stderr.getvalue())
        self.outcomes.append(outcome)
        return outcome

    def assert_no_key_printed(self) -> None:
        """No run printed any key value that ever existed in this test (nor a base64 form of one)."""
        printed = "".join(outcome.text for outcome in self.outcomes)
        for value in self.world.every_key_value:
            assert value not in printed
            assert base64.b64encode(value.encode()).decode() not in printed

    def path_with_pulumi(self, present: bool) -> str:
        return str(self.pulumi_dir) if present else str(self.home / "empty-path")

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

    def assert_rotated(self, rotations: int = 1) -> None:
        """Complete and safe: the secret rests on the expected key, every container uses a valid key,
        no key in use was ever regenerated, the old key went last, and no run printed a key."""
        world = self.world
        expected = "Key2" if rotations % 2 else "Key1"
        assert world.outages == []
        assert world.latest["tags"]["speech-key-name"] == expected
        assert world.latest["tags"]["rotation-phase"] == "idle"
        assert all(world.key_valid(key) for key in world.keys_in_use())
        assert world.regenerated[-1] != expected, "the previous key is regenerated last"
        self.assert_no_key_printed()
