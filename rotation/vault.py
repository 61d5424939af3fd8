"""The Key Vault secret that holds the containers' key and, in its tags, the rotation state."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta

from azure.keyvault.secrets import KeyVaultSecret, SecretClient, SecretProperties

from rotation.errors import RotationError, azure_errors
from rotation.keys import AccountKey, fingerprint
from rotation.state import RotationState

#: The shortest lifetime a new version copies from the current one (with no --expiry-days).
MIN_COPIED_LIFETIME = timedelta(days=1)


@dataclass(frozen=True)
class VaultSecret:
    """`lifetime`: each stored version expires this long after it is stored (None: as long as the current version
    was given; a timedelta of 0: no expiry)."""

    client: SecretClient
    name: str
    lifetime: timedelta | None = None

    @property
    def _label(self) -> str:
        return f"secret {self.name!r} in {self.client.vault_url}"

    def read_state(self) -> RotationState:
        with azure_errors(f"reading {self._label}"):
            secret = self.client.get_secret(self.name)
        return _state_of(secret)

    def store(self, key: AccountKey, state: RotationState) -> RotationState:
        """Adds a new secret version holding `key`, tagged with `state` (the CSI driver syncs the latest)."""
        if key.name is not state.active_key:
            raise RotationError(f"refusing to store {key.name} under tag {state.active_key}")
        with azure_errors(f"storing {key.name} as a new version of {self._label}"):
            secret = self.client.set_secret(self.name, key.value, tags=state.tags(), expires_on=self.next_expiry(state))
        return _state_of(secret)

    def next_expiry(self, state: RotationState) -> datetime | None:
        """When a version stored now, after the version `state` was read from, expires (None: never). A lifetime
        copied from the current version must be at least a day: one that expired before it was stored (set by hand)
        or lived minutes would give the new key as little."""
        lifetime = state.lifetime if self.lifetime is None else self.lifetime
        if self.lifetime is None and lifetime is not None and lifetime < MIN_COPIED_LIFETIME:
            raise RotationError(
                f"the current version {state.version} of {self._label} was given {_days(lifetime)} from creation to "
                "expiry, which a new key would copy; pass --expiry-days (the stack's keyVault.apiKeyExpiryDays); "
                "nothing was changed"
            )
        return datetime.now(UTC) + lifetime if lifetime else None

    def retag(self, state: RotationState) -> RotationState:
        """Records a phase change on the version `state` was read from."""
        with azure_errors(f"updating the tags of {self._label}"):
            properties = self.client.update_secret_properties(self.name, state.version, tags=state.tags())
        return _dated(
            RotationState.from_tags(properties.tags or {}, state.version, state.value_fingerprint), properties
        )


def _days(span: timedelta) -> str:
    return f"{span.total_seconds() / 86_400:.2f} day(s)"


def _state_of(secret: KeyVaultSecret) -> RotationState:
    version = secret.properties.version
    if version is None or secret.value is None:
        raise RotationError(f"secret {secret.name!r} has no current value")
    return _dated(
        RotationState.from_tags(secret.properties.tags or {}, version, fingerprint(secret.value)), secret.properties
    )


def _dated(state: RotationState, properties: SecretProperties) -> RotationState:
    return replace(state, created_on=properties.created_on, expires_on=properties.expires_on)
