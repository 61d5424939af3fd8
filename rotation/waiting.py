"""Polling with injectable clock and sleep, so tests wait milliseconds where production waits minutes."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from rotation.errors import RotationError, TransientError


def _nothing() -> None:
    """The default heartbeat."""


@dataclass(frozen=True)
class Waits:
    """`heartbeat` runs before every poll (and while a child process runs): it keeps the rotation lease."""

    poll_interval: float = 5.0
    timeout: float = 900.0
    sleep: Callable[[float], None] = time.sleep
    clock: Callable[[], float] = time.monotonic
    heartbeat: Callable[[], None] = _nothing

    def until_done(self, what: str, pending: Callable[[], str | None]) -> None:
        """Poll `pending` (which says what is still missing, or None when done) until done or timed out. A
        TransientError from `pending` counts as "not yet": one API server hiccup must not end a long wait."""
        deadline = self.clock() + self.timeout
        while True:
            self.heartbeat()
            try:
                missing = pending()
            except TransientError as error:
                missing = str(error)
            if missing is None:
                return
            if self.clock() >= deadline:
                raise RotationError(
                    f"timed out after {self.timeout:g}s waiting for {what} ({missing}); rerun to resume"
                )
            self.sleep(self.poll_interval)
