"""The offline plan command: what the README's main job prints, and how it fails."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from components import config
from plan import command as plan
from tests.sample_stacks import plan_program
from tests.security.samples import stack_file_values

ROOT = Path(__file__).resolve().parent.parent
SAMPLE_STACKS = sorted(
    p.name.removeprefix("Pulumi.").removesuffix(".yaml") for p in (ROOT / "stacks").glob("Pulumi.*.yaml")
)


def test_dev_plan_shows_account_vault_secrets_and_each_container(capsys: pytest.CaptureFixture[str]) -> None:
    assert plan.main(["dev"]) == 0
    out = capsys.readouterr().out
    assert "Offline plan of stack 'dev': host aci, region eastus" in out
    for resource in (
        "azure:cognitiveservices:Account",
        "azure:keyvault:Vault",
        "speech-vault-api-key",
        "speech-vault-billing-endpoint",
        "speech-aci-speech-to-text-0",
        "speech-aci-language-identification-0",
    ):
        assert resource in out
    stt_row = next(line for line in out.splitlines() if line.startswith("speech-aci-speech-to-text-0 "))
    assert stt_row.split()[1:5] == ["speech-to-text:5.1.0-amd64-en-us", "1", "4", "8"]
    assert "ready /ready every 10s; live / every 30s after 1200s" in stt_row
    assert "wss://contoso-speech-dev-speech-to-text-0.eastus.azurecontainer.io:443" in out
    assert "mock-speech-key" not in out


@pytest.mark.parametrize("stack", SAMPLE_STACKS)
def test_every_sample_stack_plans_and_renders(stack: str) -> None:
    """`main` is exercised end to end above; here each stack file's plan (shared with the policy tests) renders."""
    settings = config.parse(stack_file_values(stack))
    planned = plan_program(stack_file_values(stack), stack)
    rendered = plan.render(stack, settings, planned, 0.0)
    assert f"Offline plan of stack '{stack}': host {settings.host}" in rendered
    endpoints = rendered.split("ENDPOINTS\n", 1)[1].split("\n\n", 1)[0].splitlines()[2:]
    assert len(endpoints) == len(settings.containers) > 0
    for row in endpoints:
        name, kind, url, status, voice = row.split()
        expected = planned.outputs["containers"][name]
        assert (kind, url, status, voice) == (
            expected["kind"],
            expected["url"],
            expected["statusUrl"],
            expected.get("voice", "-"),
        )


def test_unknown_stack_lists_the_known_ones(capsys: pytest.CaptureFixture[str]) -> None:
    assert plan.main(["staging"]) == 2
    err = capsys.readouterr().err
    assert "no stack file" in err
    assert "stacks here: " + ", ".join(SAMPLE_STACKS) in err


def test_config_errors_are_listed_without_a_traceback(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "Pulumi.bad.yaml").write_text(
        "config:\n  speech-containers:host: aci\n  speech-containers:location: eastus\n"
        "  speech-containers:containers:\n    speech-to-text: {cpu: 2}\n"
    )
    assert plan.main(["bad", "--stacks-dir", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert "speech-containers:containers.speech-to-text.cpu: 2 cores is out of range" in err
    assert "speech-containers:eula: must be 'accept'" in err
    assert "Traceback" not in err


def test_encrypted_values_are_replaced_not_decrypted(tmp_path: Path) -> None:
    (tmp_path / "Pulumi.s.yaml").write_text("config:\n  speech-containers:host: aci\n  x:token:\n    secure: v1:abc\n")
    values = plan.read_stack_config("s", tmp_path)
    assert values == {"speech-containers:host": "aci", "x:token": plan.SECRET_PLACEHOLDER}


def test_nested_secure_values_set_with_path_are_replaced_too(tmp_path: Path) -> None:
    (tmp_path / "Pulumi.s.yaml").write_text(
        "config:\n  speech-containers:aci:\n    tls:\n      mode: certificate\n"
        "      privateKey:\n        secure: v1:x\n"
    )
    values = plan.read_stack_config("s", tmp_path)
    assert values["speech-containers:aci"]["tls"] == {"mode": "certificate", "privateKey": plan.SECRET_PLACEHOLDER}


def test_invalid_yaml_is_a_clear_error(tmp_path: Path) -> None:
    (tmp_path / "Pulumi.y.yaml").write_text("config: [unclosed\n")
    with pytest.raises(plan.StackFileError, match="is not valid YAML"):
        plan.read_stack_config("y", tmp_path)


def test_plan_runs_as_a_module_the_way_the_readme_says() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "plan.command", "dev"], cwd=ROOT, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr
    assert "CONTAINERS" in result.stdout


def test_secure_values_make_their_key_secret(tmp_path: Path) -> None:
    (tmp_path / "Pulumi.s.yaml").write_text(
        "config:\n  speech-containers:host: aci\n  speech-containers:containers:\n    speech-to-text:\n"
        "      env:\n        APP_TOKEN:\n          secure: v1:abc\n"
    )
    _, secret_keys = plan.read_stack("s", tmp_path)
    assert secret_keys == {"speech-containers:containers"}
