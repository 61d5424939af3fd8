"""The Speech (Cognitive Services) account whose two keys we rotate, through the ARM management API."""

from __future__ import annotations

import re
from dataclasses import dataclass

from azure.mgmt.cognitiveservices import CognitiveServicesManagementClient
from azure.mgmt.cognitiveservices.models import ApiKeys

from rotation.errors import RotationError, azure_errors
from rotation.keys import AccountKey, KeyName

ACCOUNT_ID_PATTERN = re.compile(
    r"^/subscriptions/(?P<subscription>[^/]+)/resourceGroups/(?P<group>[^/]+)"
    r"/providers/Microsoft\.CognitiveServices/accounts/(?P<name>[^/]+)$",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class AccountId:
    subscription: str
    resource_group: str
    name: str

    @classmethod
    def parse(cls, text: str) -> AccountId:
        match = ACCOUNT_ID_PATTERN.match(text.strip().rstrip("/"))
        if match is None:
            raise RotationError(
                f"account id {text!r} is not an ARM id like "
                "/subscriptions/<id>/resourceGroups/<group>/providers/Microsoft.CognitiveServices/accounts/<name>"
            )
        return cls(match["subscription"], match["group"], match["name"])


@dataclass(frozen=True)
class SpeechAccount:
    client: CognitiveServicesManagementClient
    account_id: AccountId

    @property
    def label(self) -> str:
        return f"Speech account {self.account_id.name!r} (resource group {self.account_id.resource_group})"

    def check_exists(self) -> None:
        with azure_errors(f"reading {self.label}"):
            self.client.accounts.get(self.account_id.resource_group, self.account_id.name)

    def key(self, key_name: KeyName) -> AccountKey:
        """The key's current value (listKeys)."""
        with azure_errors(f"reading the keys of {self.label}"):
            keys = self.client.accounts.list_keys(self.account_id.resource_group, self.account_id.name)
        return _pick(keys, key_name)

    def regenerate(self, key_name: KeyName) -> AccountKey:
        """Invalidates `key_name` at once: callers must be sure no container uses it.

        Regenerating is not idempotent, so it is never retried, by the SDK (which retries POSTs answered 500, 503
        or 504) or by us: when the reply is lost or an error, listKeys tells whether it took effect.
        """
        before = self.key(key_name)
        try:
            with azure_errors(f"regenerating {key_name} of {self.label}"):
                keys = self.client.accounts.regenerate_key(
                    self.account_id.resource_group, self.account_id.name, key_name.value, retry_total=0
                )
        except RotationError as failed:
            after = self.key(key_name)
            if after.fingerprint == before.fingerprint:
                raise RotationError(
                    f"{failed}; listKeys shows {key_name} unchanged, so it was not regenerated"
                ) from None
            return after
        return _pick(keys, key_name)


def _pick(keys: ApiKeys, key_name: KeyName) -> AccountKey:
    value = keys.key1 if key_name is KeyName.KEY1 else keys.key2
    if not value:
        raise RotationError(f"ARM returned no value for {key_name}")
    return AccountKey(key_name, value)
