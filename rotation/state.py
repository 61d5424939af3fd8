"""The resumable rotation state, kept in the tags of the latest version of the vault secret.

Tags are the only state: a crash anywhere leaves tags from which a rerun knows what is done.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from enum import StrEnum

from components.catalog import KEY_NAME_TAG
from rotation.errors import RotationError
from rotation.keys import KeyName

PHASE_TAG = "rotation-phase"
PREVIOUS_KEY_TAG = "rotation-previous-key"
STARTED_AT_TAG = "rotation-started-at"
COMPLETED_AT_TAG = "rotation-completed-at"
ROTATION_TAGS = (KEY_NAME_TAG, PHASE_TAG, PREVIOUS_KEY_TAG, STARTED_AT_TAG, COMPLETED_AT_TAG)


class Phase(StrEnum):
    """Where a rotation stands; the containers' key is known exactly in IDLE and VERIFIED."""

    IDLE = "idle"  # containers use the secret's key; no rotation in flight
    ROLLING = "rolling"  # the secret holds the new key; containers may still use the previous one
    VERIFIED = "verified"  # containers were verified on the new key; the previous key is unused


@dataclass(frozen=True)
class RotationState:
    """What the latest secret version says: its key, the rotation phase, and the tags we do not own."""

    version: str
    phase: Phase
    active_key: KeyName
    value_fingerprint: str
    previous_key: KeyName | None = None
    started_at: str | None = None
    completed_at: str | None = None
    foreign_tags: tuple[tuple[str, str], ...] = ()
    #: The version's attributes (not tags): when it was stored, and when it expires (None: never).
    created_on: datetime | None = None
    expires_on: datetime | None = None

    @property
    def lifetime(self) -> timedelta | None:
        """How long this version was given: the next version gets as long (None: no expiry)."""
        if self.created_on is None or self.expires_on is None:
            return None
        return self.expires_on - self.created_on

    @property
    def keys_possibly_in_use(self) -> frozenset[KeyName]:
        """The keys running containers may hold: regenerating one of these would cause an outage."""
        if self.phase is Phase.ROLLING:
            return frozenset({self.active_key, self.active_key.other})
        return frozenset({self.active_key})

    @property
    def rotation_id(self) -> str:
        """Identifies the rotation in flight; also the restart annotation, so restarting twice is a no-op."""
        if self.started_at is None:
            raise RotationError(f"secret tag {STARTED_AT_TAG} is missing in phase {self.phase}")
        return self.started_at

    def tags(self) -> dict[str, str]:
        own = {
            KEY_NAME_TAG: self.active_key.value,
            PHASE_TAG: self.phase.value,
            PREVIOUS_KEY_TAG: self.previous_key.value if self.previous_key else None,
            STARTED_AT_TAG: self.started_at,
            COMPLETED_AT_TAG: self.completed_at,
        }
        return dict(self.foreign_tags) | {name: value for name, value in own.items() if value is not None}

    def advanced(self, now: str) -> RotationState:
        """The state after this phase's work is done: the single transition function of the rotation."""
        match self.phase:
            case Phase.IDLE:
                return replace(
                    self,
                    phase=Phase.ROLLING,
                    active_key=self.active_key.other,
                    previous_key=self.active_key,
                    started_at=now,
                    completed_at=None,
                )
            case Phase.ROLLING:
                return replace(self, phase=Phase.VERIFIED)
            case Phase.VERIFIED:
                return replace(self, phase=Phase.IDLE, previous_key=None, started_at=None, completed_at=now)

    @classmethod
    def from_tags(cls, tags: Mapping[str, str], version: str, value_fingerprint: str) -> RotationState:
        if KEY_NAME_TAG not in tags:
            raise RotationError(f"the secret has no {KEY_NAME_TAG} tag, so the key in use is unknown")
        in_flight = [tag for tag in (PREVIOUS_KEY_TAG, STARTED_AT_TAG) if tag in tags]
        if PHASE_TAG not in tags and in_flight:
            raise RotationError(
                f"secret tag {PHASE_TAG} is missing on version {version}, but {' and '.join(in_flight)} say a "
                "rotation is in flight (the tag was removed by hand?), so which keys the containers use is unclear "
                f"and nothing was changed: set tag {PHASE_TAG}=rolling on that version (always safe: both keys stay "
                "valid until every container is verified on the new one), then rerun"
            )
        phase_text = tags.get(PHASE_TAG, Phase.IDLE.value)
        try:
            phase = Phase(phase_text)
        except ValueError:
            raise RotationError(f"secret tag {PHASE_TAG} is {phase_text!r}; expected one of {list(Phase)}") from None
        active_key = KeyName.parse(tags[KEY_NAME_TAG], f"secret tag {KEY_NAME_TAG}")
        state = cls(
            version=version,
            phase=phase,
            active_key=active_key,
            value_fingerprint=value_fingerprint,
            previous_key=_optional_key(tags, PREVIOUS_KEY_TAG),
            started_at=tags.get(STARTED_AT_TAG),
            completed_at=tags.get(COMPLETED_AT_TAG),
            foreign_tags=tuple(sorted((k, v) for k, v in tags.items() if k not in ROTATION_TAGS)),
        )
        if phase is not Phase.IDLE and state.previous_key is not active_key.other:
            raise RotationError(
                f"secret tags are inconsistent: phase {phase} with {KEY_NAME_TAG}={active_key} "
                f"needs {PREVIOUS_KEY_TAG}={active_key.other}"
            )
        return state


def _optional_key(tags: Mapping[str, str], tag: str) -> KeyName | None:
    text = tags.get(tag)
    return None if text is None else KeyName.parse(text, f"secret tag {tag}")
