"""Progress for a person (plain lines) or for a pipeline (JSON lines, one event per line, on stdout)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TextIO

from rotation.state import RotationState

EventValue = str | list[str] | None


@dataclass(frozen=True)
class Reporter:
    """Writes events; no event carries a key value, only key names and phases."""

    out: TextIO
    as_json: bool

    def _emit(self, event: str, text: str, **fields: EventValue) -> None:
        if self.as_json:
            self.out.write(json.dumps({"event": event, **fields}) + "\n")
        else:
            self.out.write(text + "\n")
        self.out.flush()

    def state(self, state: RotationState) -> None:
        previous = f", previous key {state.previous_key}" if state.previous_key else ""
        self._emit(
            "state",
            f"State: phase {state.phase}, secret holds {state.active_key}{previous}",
            phase=state.phase.value,
            activeKey=state.active_key.value,
            previousKey=state.previous_key.value if state.previous_key else None,
        )

    def step(self, name: str, summary: str, status: str, detail: str | None = None) -> None:
        text = (
            f"  {status}: {detail}"
            if status == "done"
            else f"* {summary}" + (" (planned)" if status == "planned" else "")
        )
        self._emit(
            "step",
            text,
            step=name,
            status=status,
            summary=summary,
            detail=detail,
        )

    def warning(self, step: str, message: str) -> None:
        self._emit("warning", f"WARNING: {message}", step=step, message=message)

    def action_required(self, reason: str, commands: Sequence[str]) -> None:
        text = "\n".join([f"Action required: {reason}", *(f"    {command}" for command in commands)])
        self._emit("action-required", text, reason=reason, commands=list(commands))

    def result(self, status: str, message: str) -> None:
        self._emit("result", message, status=status, message=message)

    def error(self, message: str) -> None:
        """In JSON mode an error is also an event; the readable line goes to stderr in every mode."""
        if self.as_json:
            self._emit("error", message, message=message)
