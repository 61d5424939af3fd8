"""The ACI scheduled-rotation recipe (docs/examples/aci-key-rotation.yml) against what it relies on: the command's
flags, the schedule, the stack config's place, and the shell that commits the new active key."""

from __future__ import annotations

import os
import shlex
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from components.config.cron import longest_gap_days
from rotation.cli import build_parser

ROOT = Path(__file__).resolve().parents[1]
RECIPE = ROOT / "docs" / "examples" / "aci-key-rotation.yml"


def _workflow() -> dict[Any, Any]:
    loaded: dict[Any, Any] = yaml.safe_load(RECIPE.read_text())
    return loaded


def _step(name: str) -> dict[str, Any]:
    steps: list[dict[str, Any]] = _workflow()["jobs"]["rotate"]["steps"]
    (step,) = [s for s in steps if s.get("name") == name]
    return step


def test_the_schedule_runs_and_only_one_run_per_stack_at_a_time() -> None:
    workflow = _workflow()
    triggers = workflow[True]  # YAML 1.1 reads the key `on` as true
    (schedule,) = triggers["schedule"]
    assert longest_gap_days(schedule["cron"]) == 7
    assert workflow["concurrency"] == {"group": "speech-key-rotation-${{ vars.STACK }}", "cancel-in-progress": False}
    assert workflow["permissions"] == {"id-token": "write", "contents": "write"}


def test_the_rotation_step_is_a_command_line_the_command_accepts() -> None:
    run = _step("Rotate the key if it is due")["run"]
    words = shlex.split(run.replace('"$STACK"', "prod").replace('"$ROTATION_PERIOD_DAYS"', "60"))
    assert words[:3] == [".venv/bin/python", "-m", "rotation"]
    args = build_parser().parse_args(words[3:])
    assert (args.stack, args.apply, args.if_older_than_days, args.json) == ("prod", True, 60, True)


def test_the_job_gives_the_steps_what_they_read() -> None:
    job = _workflow()["jobs"]["rotate"]
    assert job["runs-on"] == "ubuntu-latest"
    assert job["timeout-minutes"] <= 360  # GitHub-hosted runners stop a job at 6 hours
    env = job["env"]
    assert env["STACK"] == "${{ vars.STACK }}" and env["ROTATION_PERIOD_DAYS"] == "${{ vars.ROTATION_PERIOD_DAYS }}"
    # The azure-native provider and the command (rotation/signin.py) sign in with the run's own OIDC token.
    assert env["ARM_USE_OIDC"] == "true"
    assert {"ARM_CLIENT_ID", "ARM_TENANT_ID", "ARM_SUBSCRIPTION_ID"} <= set(env)
    steps = job["steps"]
    assert [s["uses"].split("@")[0] for s in steps if "uses" in s] == [
        "actions/checkout",
        "actions/setup-python",
        "pulumi/actions",
        "azure/login",
    ]
    assert steps[0]["with"]["fetch-depth"] == 0  # the commit step rebases
    assert not any(s.get("continue-on-error") for s in steps)


def test_the_install_step_is_a_make_target_that_installs_the_commands_packages() -> None:
    target = _step("Install")["run"].removeprefix("make ")
    makefile = (ROOT / "Makefile").read_text()
    assert target == ".venv/bin/.installed"
    assert "\n$(BIN)/.installed:" in makefile
    assert "-r rotation/requirements.txt" in (ROOT / "requirements.txt").read_text()


def _git(cwd: Path, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True, text=True).stdout


@pytest.fixture
def checkout(tmp_path: Path) -> Path:
    """A clone with this repository's stack-config layout, pushing to a bare remote."""
    remote, clone = tmp_path / "remote.git", tmp_path / "clone"
    _git(tmp_path, "init", "-q", "--bare", "-b", "main", str(remote))
    _git(tmp_path, "clone", "-q", str(remote), str(clone))
    (clone / "stacks").mkdir()
    (clone / "stacks" / "Pulumi.prod.yaml").write_text("config:\n  speech-containers:speech:\n    activeKey: key1\n")
    (clone / "README.md").write_text("x\n")
    _git(clone, "add", ".")
    _git(clone, "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-q", "-m", "start")
    _git(clone, "push", "-q", "origin", "HEAD:main")
    return clone


def _record(clone: Path, stack: str = "prod") -> subprocess.CompletedProcess[str]:
    """The step as the runner runs it: `bash -e` (GitHub's default shell for `run`)."""
    step = _step("Record the active key in the stack's config")
    assert step["if"] == "always()"
    env = {
        **os.environ,
        "STACK": stack,
        "GITHUB_RUN_ID": "42",
        "GITHUB_REF": "refs/tags/v1",
        "GIT_CONFIG_NOSYSTEM": "1",
    }
    return subprocess.run(["bash", "-e", "-c", step["run"]], cwd=clone, env=env, capture_output=True, text=True)


def _rotated(clone: Path) -> None:
    (clone / "stacks" / "Pulumi.prod.yaml").write_text("config:\n  speech-containers:speech:\n    activeKey: key2\n")


def _push_from_elsewhere(checkout: Path, path: str, text: str) -> None:
    """Another commit lands on the branch while the rotation runs."""
    other = checkout.parent / "other"
    _git(checkout.parent, "clone", "-q", str(checkout.parent / "remote.git"), str(other))
    (other / path).write_text(text)
    _git(other, "-c", "user.name=o", "-c", "user.email=o@o", "commit", "-q", "-am", "elsewhere")
    _git(other, "push", "-q", "origin", "HEAD:main")


def test_the_new_active_key_is_committed_and_pushed_and_nothing_else(checkout: Path) -> None:
    assert (ROOT / "Pulumi.yaml").read_text().count("stackConfigDir: stacks") == 1
    _rotated(checkout)
    (checkout / "README.md").write_text("changed by something else\n")

    recorded = _record(checkout)

    assert recorded.returncode == 0, recorded.stderr
    remote = checkout.parent / "remote.git"
    assert _git(remote, "log", "-1", "--format=%s", "main").strip() == "speech.activeKey of prod: key rotation, run 42"
    assert _git(remote, "show", "--name-only", "--format=", "main").split() == ["stacks/Pulumi.prod.yaml"]
    assert "activeKey: key2" in _git(remote, "show", "main:stacks/Pulumi.prod.yaml")


def test_a_run_that_changed_nothing_commits_nothing(checkout: Path) -> None:
    before = _git(checkout.parent / "remote.git", "rev-parse", "main")

    recorded = _record(checkout)

    assert recorded.returncode == 0, recorded.stderr
    assert _git(checkout.parent / "remote.git", "rev-parse", "main") == before


def test_a_commit_pushed_meanwhile_is_rebased_onto_not_lost(checkout: Path) -> None:
    _push_from_elsewhere(checkout, "README.md", "a release note\n")
    _rotated(checkout)

    recorded = _record(checkout)

    assert recorded.returncode == 0, recorded.stderr
    remote = checkout.parent / "remote.git"
    assert _git(remote, "log", "--format=%s", "main").split("\n")[:2] == [
        "speech.activeKey of prod: key rotation, run 42",
        "elsewhere",
    ]
    assert "activeKey: key2" in _git(remote, "show", "main:stacks/Pulumi.prod.yaml")


def test_a_conflicting_change_to_the_config_fails_the_step_and_shows_the_change_to_make(checkout: Path) -> None:
    _push_from_elsewhere(checkout, "stacks/Pulumi.prod.yaml", "config:\n  speech-containers:region: westeurope\n")
    _rotated(checkout)

    recorded = _record(checkout)

    assert recorded.returncode == 1
    assert "::error::could not push stacks/Pulumi.prod.yaml" in recorded.stdout
    assert "+    activeKey: key2" in recorded.stdout
    assert not (checkout / ".git" / "rebase-merge").exists()


@pytest.mark.parametrize(
    ("stack", "message"), [("myorg/prod", "bare stack name"), ("staging", "is not in the repository")]
)
def test_a_stack_the_repository_has_no_config_for_fails_instead_of_committing_nothing(
    checkout: Path, stack: str, message: str
) -> None:
    _rotated(checkout)
    (checkout / "stacks" / "Pulumi.staging.yaml").write_text("config: {}\n")  # made by `pulumi config set`, untracked

    recorded = _record(checkout, stack)

    assert recorded.returncode == 1 and message in recorded.stdout


def _refuse_pushes(checkout: Path, times: int) -> None:
    """The remote refuses the next `times` pushes (a pre-receive hook), as a race or a protected branch would."""
    remote = checkout.parent / "remote.git"
    counter = checkout.parent / "refusals-left"
    counter.write_text(str(times))
    hook = remote / "hooks" / "pre-receive"
    hook.write_text(
        f"#!/bin/sh\nleft=$(cat {counter})\n"
        f'[ "$left" -gt 0 ] || exit 0\necho $((left - 1)) > {counter}\necho refused >&2\nexit 1\n'
    )
    hook.chmod(0o755)


def test_a_refused_push_is_tried_again(checkout: Path) -> None:
    _refuse_pushes(checkout, 2)
    _rotated(checkout)

    recorded = _record(checkout)

    assert recorded.returncode == 0, recorded.stderr
    assert "activeKey: key2" in _git(checkout.parent / "remote.git", "show", "main:stacks/Pulumi.prod.yaml")


def test_a_push_refused_for_good_fails_the_step_and_changes_nothing(checkout: Path) -> None:
    remote = checkout.parent / "remote.git"
    before = _git(remote, "rev-parse", "main")
    _refuse_pushes(checkout, 99)
    _rotated(checkout)

    recorded = _record(checkout)

    assert recorded.returncode == 1
    assert "::error::could not push stacks/Pulumi.prod.yaml: commit this change to main by hand" in recorded.stdout
    assert _git(remote, "rev-parse", "main") == before


def test_a_run_not_on_a_branch_fails_instead_of_pushing_somewhere_else(checkout: Path) -> None:
    assert _workflow()["jobs"]["rotate"]["if"] == "github.ref_type == 'branch'"
    _git(checkout, "checkout", "-q", "--detach")
    _rotated(checkout)

    recorded = _record(checkout)

    assert recorded.returncode == 1 and "::error::not on a branch" in recorded.stdout
