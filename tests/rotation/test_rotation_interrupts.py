"""Ctrl-C and timeouts during `pulumi up`: Pulumi gets one SIGINT and time to cancel gracefully (which unlocks the
stack); only a `pulumi` that does not stop is killed, and then the message says how to unlock the stack."""

from __future__ import annotations

import json
import os
import signal
import threading
import time
from collections.abc import Iterator

import pytest

from tests.rotation.rotation_harness import STACK, Rotator


@pytest.fixture
def hanging_up(aci: Rotator) -> Iterator[Rotator]:
    """The first batch's `pulumi up` (the real executable) hangs; Ctrl-C reaches this process as SIGINT does."""
    aci.pulumi_in_process = False
    stack = aci.stack()
    stack["hang_ups"] = [1]
    aci.write_stack(stack)
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    yield aci
    signal.signal(signal.SIGINT, previous)


def _press_ctrl_c_once_pulumi_hangs(rotator: Rotator) -> None:
    def hanging() -> bool:
        try:
            return "hanging_pid" in json.loads(rotator.stack_file.read_text())
        except ValueError:  # caught halfway through a write
            return False

    def press() -> None:
        while not hanging():
            time.sleep(0.01)
        os.kill(os.getpid(), signal.SIGINT)

    threading.Thread(target=press, daemon=True).start()


def test_ctrl_c_during_pulumi_up_lets_pulumi_cancel_gracefully_and_a_rerun_resumes(hanging_up: Rotator) -> None:
    _press_ctrl_c_once_pulumi_hangs(hanging_up)

    interrupted = hanging_up.run([*hanging_up.stack_args(), "--apply", "--json"])

    assert interrupted.code == 130, interrupted.text
    assert interrupted.stderr.count("\n") == 1
    assert f"interrupted during `pulumi up --yes --stack {STACK} --target " in interrupted.stderr
    assert "pulumi cancelled the update gracefully; rerun the same command to resume" in interrupted.stderr
    assert interrupted.events()[-1]["event"] == "error"
    assert hanging_up.stack()["locked"] is False
    hanging_up.pulumi_in_process = True
    assert hanging_up.run([*hanging_up.stack_args(), "--apply"]).code == 0
    hanging_up.assert_rotated()


def test_a_pulumi_up_that_outlives_the_timeout_and_ignores_the_cancel_is_killed_and_the_unlock_is_explained(
    hanging_up: Rotator,
) -> None:
    stack = hanging_up.stack()
    stack["ignore_sigint"] = True
    hanging_up.write_stack(stack)

    outcome = hanging_up.run([*hanging_up.stack_args(), "--apply", "--timeout", "0.5"])

    assert outcome.code == 1, outcome.text
    assert "did not finish within 0.5s" in outcome.stderr
    assert "it did not stop after SIGINT and was killed" in outcome.stderr
    assert f"run `pulumi cancel --yes --stack {STACK}`" in outcome.stderr
    with pytest.raises(ProcessLookupError):
        os.kill(hanging_up.stack()["hanging_pid"], 0)
    assert hanging_up.world.regenerated == ["Key2"]
