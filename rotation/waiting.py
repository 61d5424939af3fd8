"""Polling with injectable clock and sleep, so tests wait milliseconds where production waits minutes."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from rotation.errors import RotationError


@dataclass(frozen=True)
class Waits:
    poll_interval: float = 5.0
    timeout: float = 900.0
    sleep: Callable[[float], None] = time.sleep
    clock: Callable[[], float] = time.monotonic

    def until_done(self, what: str, pending: Callable[[], str | None]) -> None:
        """Poll `pending` (which says what is still missing, or None when done) until done or timed out."""
        deadline = self.clock() + self.timeout
        while (missing := pending()) is not None:
            if self.clock() >= deadline:
                raise RotationError(
                    f"timed out after {self.timeout:g}s waiting for {what} ({missing}); rerun to resume"
                )
            self.sleep(self.poll_interval)
