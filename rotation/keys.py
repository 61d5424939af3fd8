"""Account key names and key values that cannot leak into output by accident."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from enum import StrEnum

from rotation.errors import RotationError


class KeyName(StrEnum):
    """The two keys of a Cognitive Services account, spelled as ARM and the vault tag spell them."""

    KEY1 = "Key1"
    KEY2 = "Key2"

    @property
    def other(self) -> KeyName:
        return KeyName.KEY2 if self is KeyName.KEY1 else KeyName.KEY1

    @classmethod
    def parse(cls, text: str, source: str) -> KeyName:
        for name in cls:
            if name.value.lower() == text.strip().lower():
                return name
        raise RotationError(f"{source} is {text!r}; expected Key1 or Key2")


def fingerprint(value: str) -> str:
    """SHA-256 of a key value: lets us compare keys without ever holding them in output."""
    return hashlib.sha256(value.encode()).hexdigest()


@dataclass(frozen=True)
class AccountKey:
    """A key value whose repr and str are redacted, so formatting it anywhere prints no secret."""

    name: KeyName
    value: str = field(repr=False)

    def __str__(self) -> str:
        return f"{self.name} (value redacted)"

    @property
    def fingerprint(self) -> str:
        return fingerprint(self.value)
