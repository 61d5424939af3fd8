"""The Key Vault secret that holds the containers' key and, in its tags, the rotation state."""

from __future__ import annotations

from dataclasses import dataclass

from azure.keyvault.secrets import KeyVaultSecret, SecretClient

from rotation.errors import RotationError, azure_errors
from rotation.keys import AccountKey, fingerprint
from rotation.state import RotationState


@dataclass(frozen=True)
class VaultSecret:
    client: SecretClient
    name: str

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
            secret = self.client.set_secret(self.name, key.value, tags=state.tags())
        return _state_of(secret)

    def retag(self, state: RotationState) -> RotationState:
        """Records a phase change on the version `state` was read from."""
        with azure_errors(f"updating the tags of {self._label}"):
            properties = self.client.update_secret_properties(self.name, state.version, tags=state.tags())
        return RotationState.from_tags(properties.tags or {}, state.version, state.value_fingerprint)


def _state_of(secret: KeyVaultSecret) -> RotationState:
    version = secret.properties.version
    if version is None or secret.value is None:
        raise RotationError(f"secret {secret.name!r} has no current value")
    return RotationState.from_tags(secret.properties.tags or {}, version, fingerprint(secret.value))
