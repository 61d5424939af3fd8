"""The Pulumi stack, through the Pulumi CLI: its outputs, the activeKey config, and `pulumi up`."""

from __future__ import annotations

import json
import shlex
import shutil
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from rotation.errors import Interrupted, RotationError, one_line
from rotation.keys import KeyName
from rotation.process import CommandRunner, Ending, ProcessStoppedError
from rotation.waiting import Waits

ACTIVE_KEY_CONFIG_PATH = "speech.activeKey"
ACTIVE_KEY_OUTPUT = "activeKey"


@dataclass
class PulumiStack:
    """A stack by name; `executable` is None when the Pulumi CLI is not installed (then we print commands).

    Outputs are read once and again only after `pulumi up`: each CLI call costs a second or more.
    """

    name: str
    project_dir: str
    executable: str | None
    runner: CommandRunner
    waits: Waits
    _outputs: Mapping[str, Any] | None = field(default=None, init=False, repr=False)

    @classmethod
    def find(cls, name: str, project_dir: str, runner: CommandRunner, waits: Waits) -> PulumiStack:
        return cls(name, project_dir, shutil.which("pulumi"), runner, waits)

    def set_active_key_command(self, key: KeyName) -> list[str]:
        return ["pulumi", "config", "set", "--path", ACTIVE_KEY_CONFIG_PATH, key.value, "--stack", self.name]

    def up_command(self, targets: Sequence[str] = ()) -> list[str]:
        """With `targets` (resource URNs), Pulumi updates only those resources and leaves the rest as they are."""
        return ["pulumi", "up", "--yes", "--stack", self.name, *_targeting(targets)]

    def refresh_command(self, targets: Sequence[str]) -> list[str]:
        """Reads the targeted resources back from Azure (e.g. one deleted by hand), changing nothing there."""
        return ["pulumi", "refresh", "--yes", "--stack", self.name, *_targeting(targets)]

    def printable(self, command: Sequence[str]) -> str:
        return f"cd {shlex.quote(self.project_dir)} && {shlex.join(command)}"

    def outputs(self) -> Mapping[str, Any]:
        if self._outputs is None:
            text = self._run(["pulumi", "stack", "output", "--json", "--stack", self.name])
            try:
                result = json.loads(text)
            except ValueError:
                result = None
            if not isinstance(result, dict):
                raise RotationError(f"`pulumi stack output` for stack {self.name!r} did not return a JSON object")
            self._outputs = result
        return self._outputs

    def deployed_key(self) -> KeyName:
        """Stack output `activeKey`: the key the last untargeted `pulumi up` injected. Whether a targeted one
        refreshes it too is not promised, so ACI trusts it only together with the container groups' tags."""
        text = self.outputs().get(ACTIVE_KEY_OUTPUT)
        if not isinstance(text, str):
            raise RotationError(
                f"stack {self.name!r} has no output {ACTIVE_KEY_OUTPUT!r}, so the key the containers got is unknown"
            )
        return KeyName.parse(text, f"stack output {ACTIVE_KEY_OUTPUT}")

    def set_active_key(self, key: KeyName) -> None:
        self._run(self.set_active_key_command(key))

    def up(self, targets: Sequence[str] = ()) -> None:
        """Only an untargeted update rereads the outputs (a CLI call each): after a targeted one they may be stale,
        which is safe because no decision rests on output activeKey alone."""
        if not targets:
            self._outputs = None
        self._run(self.up_command(targets))

    def _run(self, command: list[str]) -> str:
        if self.executable is None:
            raise RotationError("the Pulumi CLI is not installed (pulumi is not on PATH)")
        try:
            completed = self.runner([self.executable, *command[1:]], self.project_dir, self.waits)
        except OSError as error:
            raise RotationError(f"cannot run {shlex.join(command)}: {error.strerror}") from None
        except ProcessStoppedError as stopped:
            raise self._stopped(command, stopped) from None
        if completed.returncode != 0:
            lines = completed.stderr.strip().splitlines()
            detail = one_line(lines[-1]) if lines else f"exit code {completed.returncode}"
            raise RotationError(f"`{shlex.join(command)}` failed: {detail}")
        return completed.stdout

    def _stopped(self, command: Sequence[str], stopped: ProcessStoppedError) -> BaseException:
        """What a stopped `pulumi` left behind, and what to do: a cancelled update resumes with a rerun; a killed
        one may have left the stack locked with pending operations."""
        if stopped.ending is Ending.CANCELLED:
            how = "pulumi cancelled the update gracefully; rerun the same command to resume"
        else:
            how = (
                f"it did not stop after SIGINT and was {stopped.ending}, so the stack may be locked with pending "
                f"operations: run `pulumi cancel --yes --stack {self.name}` (if Pulumi still reports an update in "
                f"progress), then `pulumi refresh --yes --stack {self.name}`, then rerun"
            )
        what = f"`{shlex.join(command)}`"
        if isinstance(stopped.why, KeyboardInterrupt):
            return Interrupted(f"interrupted during {what}: {how}")
        if isinstance(stopped.why, TimeoutError):
            return RotationError(f"{what} {stopped.why}: {how}")
        return RotationError(f"{stopped.why}; {what} was stopped: {how}")


def _targeting(urns: Sequence[str]) -> list[str]:
    return [arg for urn in urns for arg in ("--target", urn)]
