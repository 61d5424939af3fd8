"""The rotation as an explicit state machine: each phase has idempotent steps, the last one records the next phase.

Rerunning any step is safe, so a crash anywhere is recovered by running the command again.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Protocol

from rotation.account import SpeechAccount
from rotation.errors import RotationError
from rotation.keys import KeyName
from rotation.progress import Reporter
from rotation.stack import ACTIVE_KEY_CONFIG_PATH, PulumiStack
from rotation.state import Phase, RotationState
from rotation.status import StatusEndpoint, wait_until_valid
from rotation.vault import VaultSecret
from rotation.waiting import Waits


@dataclass(frozen=True)
class Done:
    """What a step leaves behind: the (possibly new) state and a line for the operator."""

    state: RotationState
    detail: str | None = None


@dataclass(frozen=True)
class Step:
    """`warning`: what running it costs (e.g. downtime), reported before it runs or when it is planned."""

    name: str
    summary: str
    run: Callable[[RotationState], Done]
    warning: str | None = None


class Host(Protocol):
    """Where the containers run: it knows which key they use and how to move them onto another."""

    def check_in_use(self, state: RotationState) -> str:
        """Fails unless the containers use the secret's key; returns what it checked."""
        ...

    def roll_steps(self, state: RotationState) -> Sequence[Step]:
        """Steps that move every container onto the secret's key (the state is in phase ROLLING)."""
        ...

    def status_endpoints(self) -> Sequence[StatusEndpoint]: ...


def utc_now() -> str:
    """Microsecond precision: the start time doubles as the restart mark, so two rotations must differ."""
    return datetime.now(UTC).isoformat(timespec="microseconds").replace("+00:00", "Z")


@dataclass(frozen=True)
class Rotation:
    vault: VaultSecret
    account: SpeechAccount
    host: Host
    stack: PulumiStack | None
    waits: Waits
    now: Callable[[], str] = utc_now

    def steps_for(self, state: RotationState) -> Sequence[Step]:
        match state.phase:
            case Phase.IDLE:
                unused = state.active_key.other
                return (
                    Step("check-key-in-use", f"check that the containers use {state.active_key}", self._check),
                    Step(
                        "regenerate-unused-key",
                        f"regenerate {unused}, which no container uses, and store it as a new secret version",
                        self._regenerate_and_store,
                    ),
                )
            case Phase.ROLLING:
                return (
                    Step(
                        "set-stack-config",
                        f"set stack config {ACTIVE_KEY_CONFIG_PATH}={state.active_key}",
                        self._set_stack_config,
                    ),
                    *self.host.roll_steps(state),
                    Step(
                        "verify-status",
                        f"wait until every container's /status reports {state.active_key} valid",
                        self._verify,
                    ),
                    Step("mark-verified", "record in the secret tags that the containers are verified", self._retag),
                )
            case Phase.VERIFIED:
                return (
                    Step(
                        "regenerate-previous-key",
                        f"check again that the containers use {state.active_key}, "
                        f"then regenerate {state.active_key.other}, which no container uses any more",
                        self._regenerate_previous,
                    ),
                    Step("mark-complete", "record in the secret tags that the rotation is complete", self._retag),
                )

    def _check(self, state: RotationState) -> Done:
        return Done(state, self.host.check_in_use(state))

    def _regenerate_and_store(self, state: RotationState) -> Done:
        key = self.account.regenerate(_unused(state.active_key.other, state))
        stored = self.vault.store(key, state.advanced(self.now()))
        return Done(stored, f"secret version {stored.version} holds {key.name}")

    def _set_stack_config(self, state: RotationState) -> Done:
        if self.stack is None:
            return Done(state, "skipped: no --stack given")
        if self.stack.executable is None:
            command = self.stack.printable(self.stack.set_active_key_command(state.active_key))
            return Done(state, f"skipped: Pulumi CLI not installed; run later: {command}")
        self.stack.set_active_key(state.active_key)
        return Done(state, f"stack {self.stack.name!r} now selects {state.active_key}")

    def _verify(self, state: RotationState) -> Done:
        return Done(state, wait_until_valid(self.host.status_endpoints, self.waits))

    def _retag(self, state: RotationState) -> Done:
        updated = self.vault.retag(state.advanced(self.now()))
        return Done(updated, f"phase is now {updated.phase}")

    def _regenerate_previous(self, state: RotationState) -> Done:
        """Checks first: between runs someone may have moved the containers back (e.g. `pulumi up` elsewhere)."""
        checked = self.host.check_in_use(state)
        previous = self.account.regenerate(_unused(state.active_key.other, state)).name
        return Done(state, f"{checked}; {previous} regenerated, the old key value no longer works")


def _unused(key_name: KeyName, state: RotationState) -> KeyName:
    """The guard in front of every regeneration: never invalidate a key containers may be using."""
    if key_name in state.keys_possibly_in_use:
        raise RotationError(f"refusing to regenerate {key_name}: containers may be using it (phase {state.phase})")
    return key_name


def plan(rotation: Rotation, state: RotationState) -> list[Step]:
    """Every step from `state` to the end of the rotation, without running any (for --dry-run)."""
    steps: list[Step] = []
    while True:
        steps.extend(rotation.steps_for(state))
        state = state.advanced(rotation.now())
        if state.phase is Phase.IDLE:
            return steps


def announce(reporter: Reporter, step: Step, status: str) -> None:
    """Reports a step as started or planned, after its warning: the operator reads the cost before it is paid."""
    if step.warning is not None:
        reporter.warning(step.name, step.warning)
    reporter.step(step.name, step.summary, status)


def run(
    rotation: Rotation, state: RotationState, reporter: Reporter, after_step: Callable[[str], None]
) -> RotationState:
    """Runs the steps from `state` until the rotation is complete; `after_step` lets tests interrupt."""
    while True:
        for step in rotation.steps_for(state):
            announce(reporter, step, "started")
            done = step.run(state)
            state = done.state
            reporter.step(step.name, step.summary, "done", done.detail)
            after_step(step.name)
        if state.phase is Phase.IDLE:
            return state
