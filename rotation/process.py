"""Runs the Pulumi CLI as a child process."""

from __future__ import annotations

import subprocess
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from rotation.waiting import Waits

#: Runs a command in a directory within the waits' timeout; tests swap in the fake Pulumi in-process.
CommandRunner = Callable[[Sequence[str], str, Waits], "subprocess.CompletedProcess[str]"]


@dataclass(frozen=True)
class ProcessRunner:
    cancel_grace: float = 60.0
    stop_grace: float = 10.0

    def __call__(self, command: Sequence[str], cwd: str, waits: Waits) -> subprocess.CompletedProcess[str]:
        return subprocess.run(list(command), cwd=cwd, capture_output=True, text=True, check=False)
