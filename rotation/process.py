"""Runs the Pulumi CLI so that neither Ctrl-C nor a timeout leaves the stack locked when that can be avoided.

On its first SIGINT Pulumi cancels an update gracefully: it lets the operations in flight finish, records them and
unlocks the stack. A second SIGINT makes it stop at once, and SIGKILL leaves the stack locked with pending
operations. So the child runs in a session of its own (a Ctrl-C in the terminal reaches only us, not it as well,
which would count as its second), and when it has to stop (Ctrl-C, the timeout, a lost lease) it gets exactly one
SIGINT and `cancel_grace` seconds; only then a second SIGINT and, after `stop_grace`, SIGKILL.
"""

from __future__ import annotations

import signal
import subprocess
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from enum import StrEnum

from rotation.errors import RotationError
from rotation.waiting import Waits

#: Runs a command in a directory within the waits' timeout; tests swap in the fake Pulumi in-process.
CommandRunner = Callable[[Sequence[str], str, Waits], "subprocess.CompletedProcess[str]"]


class Ending(StrEnum):
    """How a child that had to stop ended."""

    CANCELLED = "cancelled"  # exited after the first SIGINT: Pulumi cancelled gracefully
    STOPPED = "stopped"  # exited after the second SIGINT
    KILLED = "killed"


class ProcessStoppedError(Exception):
    """The child was stopped before it finished: `why` (Ctrl-C, the timeout, a lost lease) and how it ended."""

    def __init__(self, why: BaseException, ending: Ending) -> None:
        super().__init__(str(why))
        self.why = why
        self.ending = ending


@dataclass(frozen=True)
class ProcessRunner:
    #: Pulumi's graceful cancel waits for the resource operations in flight (an ACI group update takes minutes).
    cancel_grace: float = 300.0
    stop_grace: float = 10.0

    def __call__(self, command: Sequence[str], cwd: str, waits: Waits) -> subprocess.CompletedProcess[str]:
        """Runs `command` for at most `waits.timeout` seconds, keeping the lease (`waits.heartbeat`) meanwhile."""
        process = subprocess.Popen(
            list(command),
            cwd=cwd,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            start_new_session=True,
        )
        deadline = time.monotonic() + waits.timeout
        try:
            while True:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise TimeoutError(f"did not finish within {waits.timeout:g}s")
                try:
                    stdout, stderr = process.communicate(timeout=min(waits.poll_interval, left))
                except subprocess.TimeoutExpired:
                    waits.heartbeat()
                    continue
                return subprocess.CompletedProcess(list(command), process.returncode, stdout, stderr)
        except (KeyboardInterrupt, TimeoutError, RotationError) as why:  # RotationError: the lease is lost
            raise ProcessStoppedError(why, self._stop(process)) from None

    def _stop(self, process: subprocess.Popen[str]) -> Ending:
        process.send_signal(signal.SIGINT)
        if _exits(process, self.cancel_grace):
            return Ending.CANCELLED
        process.send_signal(signal.SIGINT)
        if _exits(process, self.stop_grace):
            return Ending.STOPPED
        process.kill()
        process.communicate()
        return Ending.KILLED


def _exits(process: subprocess.Popen[str], grace: float) -> bool:
    """Whether the process exits within `grace` seconds; another Ctrl-C meanwhile means: stop waiting."""
    try:
        process.communicate(timeout=grace)
    except (subprocess.TimeoutExpired, KeyboardInterrupt):
        return False
    return True
