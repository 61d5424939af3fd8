"""The rotation as an explicit state machine: each phase has idempotent steps, the last one records the next phase.

Rerunning any step is safe, so a crash anywhere is recovered by running the command again.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Protocol

from rotation.account import SpeechAccount
from rotation.errors import RotationError
from rotation.keys import KeyName
from rotation.lease import Lease
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

    def status_endpoints(self) -> Sequence[StatusEndpoint]:
        """Every container to verify; asked again at every poll (pods come and go), so it may raise
        TransientError while the answer is not settled."""
        ...


def utc_now() -> str:
    """Microsecond precision: the start time doubles as the restart mark, so two rotations must differ."""
    return datetime.now(UTC).isoformat(timespec="microseconds").replace("+00:00", "Z")


@dataclass(frozen=True)
class Rotation:
    """`adopt`: when the new key was regenerated out of band after it was stored, store its current value and roll
    onto that (--adopt-regenerated-key) instead of stopping."""

    vault: VaultSecret
    account: SpeechAccount
    host: Host
    stack: PulumiStack | None
    waits: Waits
    lease: Lease
    adopt: bool = False
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
                        "confirm-stored-key",
                        f"check that secret version {state.version} is the latest and holds the account's current "
                        f"{state.active_key}",
                        self._confirm_stored,
                    ),
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
        self._require_unchanged(state)
        key = self.account.regenerate(_unused(state.active_key.other, state))
        stored = self.vault.store(key, state.advanced(self.now()))
        return Done(stored, f"secret version {stored.version} holds {key.name}")

    def _require_unchanged(self, state: RotationState) -> None:
        """Right before a key is regenerated: the secret must still say what this run decided on."""
        fresh = self.vault.read_state()
        if (fresh.version, fresh.tags()) != (state.version, state.tags()):
            raise RotationError(
                f"the secret changed since this run read it (now version {fresh.version}, {fresh.active_key}, phase "
                f"{fresh.phase}); nothing was regenerated: rerun to start from its new state"
            )

    def _confirm_stored(self, state: RotationState) -> Done:
        """Before anything rolls onto the stored version: the CSI driver syncs the latest version, so it must be
        this one, and it must hold the account's current key, or whatever rolls onto it cannot authenticate."""
        latest = self.vault.read_state()
        if latest.version != state.version:
            raise RotationError(
                f"secret version {state.version} is no longer the latest: {latest.version} ({latest.active_key}, "
                f"phase {latest.phase}) was stored after it by someone else, so nothing was rolled onto it: rerun to "
                "continue from the latest version's tags"
            )
        current = self.account.key(state.active_key)
        if current.fingerprint == state.value_fingerprint:
            return Done(state, f"secret version {state.version} holds the account's current {state.active_key}")
        if not self.adopt:
            raise RotationError(self._regenerated_meanwhile(state))
        adopted = self.vault.store(current, replace(state, started_at=self.now()))
        return Done(adopted, f"secret version {adopted.version} holds the current {current.name}, adopted")

    def _regenerated_meanwhile(self, state: RotationState) -> str:
        return (
            f"{state.active_key} of {self.account.label} no longer matches secret version {state.version}: it was "
            "regenerated after this rotation stored it (in the portal, by a script, or by a rotation that does not "
            f"take the lease), so containers rolled onto that version cannot authenticate; {state.active_key.other} "
            f"stays valid until the rotation completes. Rerunning alone cannot fix this: rerun with "
            f"--adopt-regenerated-key to store {state.active_key}'s current value and roll every container onto it"
        )

    def _set_stack_config(self, state: RotationState) -> Done:
        if self.stack is None:
            return Done(state, "skipped: no --stack given")
        if self.stack.executable is None:
            command = self.stack.printable(self.stack.set_active_key_command(state.active_key))
            return Done(state, f"skipped: Pulumi CLI not installed; run later: {command}")
        self.stack.set_active_key(state.active_key)
        return Done(state, f"stack {self.stack.name!r} now selects {state.active_key}")

    def _verify(self, state: RotationState) -> Done:
        """When verification fails, a key regenerated out of band meanwhile is the likelier reason, and one a rerun
        alone cannot fix: then that is the message."""
        try:
            return Done(state, wait_until_valid(self.host.status_endpoints, self.waits))
        except RotationError:
            if self._stored_key_regenerated(state):
                raise RotationError(self._regenerated_meanwhile(state)) from None
            raise

    def _stored_key_regenerated(self, state: RotationState) -> bool:
        """Whether the account's key differs from the stored value; False when the keys cannot be read."""
        try:
            return self.account.key(state.active_key).fingerprint != state.value_fingerprint
        except RotationError:
            return False

    def _retag(self, state: RotationState) -> Done:
        updated = self.vault.retag(state.advanced(self.now()))
        return Done(updated, f"phase is now {updated.phase}")

    def _regenerate_previous(self, state: RotationState) -> Done:
        """Checks first: between runs someone may have moved the containers back (e.g. `pulumi up` elsewhere)."""
        self._require_unchanged(state)
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
            rotation.waits.heartbeat()
            announce(reporter, step, "started")
            done = step.run(state)
            state = done.state
            reporter.step(step.name, step.summary, "done", done.detail)
            after_step(step.name)
        if state.phase is Phase.IDLE:
            return state
