"""The rotation lease: only one run at a time may regenerate keys or roll containers for a secret.

Key Vault has no conditional writes, so the lease is built from what it does have: every write of a secret adds a
version, and a read after a write sees it. A run adds a version (its ticket) to the lease secret
`<secret>-rotation-lease`, tagged with its holder and an expiry, then lists the versions: if any other ticket is
still live, it expires its own and stops. Of two runs, the later to add its ticket always sees the earlier one's,
so at most one goes on (if both add theirs before either lists, both stop and a rerun finds the lease free). No
clock needs to agree for that; clocks only decide when an abandoned ticket (a run killed before it could release
it) stops counting. The holder renews its ticket while it works and expires it when it ends.

Tickets also expire in Key Vault, as long after they are added as a new key version would (at least a day after the
lease), so that the Azure Policies the key versions satisfy pass the tickets too (unless keys live under a day):
"Key Vault secrets should have an expiration date", "... more than the specified number of days before expiration",
"... the specified maximum validity period" (https://learn.microsoft.com/azure/key-vault/policy-reference, read
2026-12-03). Renewals change only the tags, never that expiry: the lease is decided by the tags alone.
"""

from __future__ import annotations

import getpass
import os
import socket
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from uuid import uuid4

from azure.keyvault.secrets import SecretClient

from rotation.errors import RotationError, azure_errors

HOLDER_TAG = "rotation-lease-holder"
RUN_TAG = "rotation-lease-run"
EXPIRES_TAG = "rotation-lease-expires-at"
#: Long enough to outlast any one call between two renewals; short enough that a killed run blocks others briefly.
LEASE_DURATION = timedelta(minutes=5)
#: Renewed when less than this is left: every step and every poll of a wait may renew.
RENEW_BELOW = LEASE_DURATION * 2 / 3
#: A ticket that expires in Key Vault does so at least this long after the lease: clocks may disagree.
VAULT_EXPIRY_MARGIN = timedelta(days=1)
#: How far ahead of ours another machine's clock may plausibly be.
CLOCK_SKEW = timedelta(minutes=5)


class LeaseHeldError(RotationError):
    """Another run holds the lease: nothing was changed. `plausible`: the holder's ticket ends within one lease (a
    run renews it by LEASE_DURATION at most), so a run is likely at work; a ticket that ends much later was written
    by a clock far ahead, or by hand, and blocks every run until then."""

    def __init__(self, message: str, plausible: bool) -> None:
        super().__init__(message)
        self.plausible = plausible


def default_holder() -> str:
    """Who holds the lease, for the message another operator sees."""
    try:
        user = getpass.getuser()
    except (KeyError, OSError):  # no user name in a bare container
        user = "unknown"
    return f"{user}@{socket.gethostname()} (pid {os.getpid()})"


@dataclass(frozen=True)
class Ticket:
    version: str
    holder: str
    run: str
    expires: datetime


@dataclass
class Lease:
    client: SecretClient
    secret_name: str
    now: Callable[[], datetime]
    holder: str = field(default_factory=default_holder)
    run: str = field(default_factory=lambda: uuid4().hex)
    #: Our ticket's version and expiry while we hold the lease.
    _version: str | None = field(default=None, init=False)
    _expires: datetime = field(default=datetime.min, init=False)

    @property
    def name(self) -> str:
        return f"{self.secret_name}-rotation-lease"

    @property
    def _label(self) -> str:
        return f"secret {self.name!r} in {self.client.vault_url}"

    @contextmanager
    def held(self, vault_expiry: datetime | None) -> Iterator[None]:
        """Takes the lease for the block and releases it however the block ends. `vault_expiry`: when a key version
        stored now would expire in Key Vault (None: never); the ticket expires then too."""
        self._take(vault_expiry)
        try:
            yield
        finally:
            self._release()

    def keep(self) -> None:
        """Renews the lease when due; refuses to go on once it has expired, since another run may hold it now.
        A failed renewal is tried again at the next call, while the lease lasts."""
        if self._version is None:
            return
        now = self.now()
        if now >= self._expires:
            raise RotationError(
                f"this run's rotation lease expired at {_text(self._expires)} (the run was paused or blocked for "
                "longer than it lasts), so another rotation may have started since; stopped before the next "
                "step: rerun to continue from the recorded state"
            )
        if self._expires - now < RENEW_BELOW:
            with suppress(RotationError):
                self._expires = self._write_expiry(now + LEASE_DURATION)

    def _take(self, vault_expiry: datetime | None) -> None:
        expires = self.now() + LEASE_DURATION
        tags = {HOLDER_TAG: self.holder, RUN_TAG: self.run, EXPIRES_TAG: _text(expires)}
        try:
            with azure_errors(f"taking the rotation lease ({self._label})"):
                # Not retried by the SDK: a retry after a lost reply would add a second ticket, which releasing the
                # version the retry returns would leave live; a failed write is cleaned up below instead.
                version = self.client.set_secret(
                    self.name,
                    self.holder,
                    content_type="text/plain",
                    tags=tags,
                    expires_on=vault_expiry and max(vault_expiry, expires + VAULT_EXPIRY_MARGIN),
                    retry_total=0,
                )
        except RotationError:
            self._expire_lost_tickets()
            raise
        self._version, self._expires = version.properties.version, expires
        try:
            self._require_no_rival()
        except RotationError:
            self._release()
            raise

    def _require_no_rival(self) -> None:
        rivals = [ticket for ticket in self._tickets() if ticket.run != self.run and ticket.expires > self.now()]
        if rivals:
            rival = max(rivals, key=lambda ticket: ticket.expires)
            plausible = rival.expires - self.now() <= LEASE_DURATION + CLOCK_SKEW
            unless = (
                "a run that died without releasing the lease blocks others until it expires"
                if plausible
                else f"no run renews a lease that far ahead ({LEASE_DURATION.seconds // 60} minutes at most), so that "
                "ticket was written by a clock far ahead or by hand: if no rotation runs, set its "
                f"{EXPIRES_TAG} tag to a past time"
            )
            raise LeaseHeldError(
                f"another rotation holds the rotation lease: {rival.holder} until {_text(rival.expires)} "
                f"({self._label}, version {rival.version}); nothing was changed: rerun once it has finished (two runs "
                f"started at the same moment both stand back, and a rerun goes ahead; {unless})",
                plausible,
            )

    def _release(self) -> None:
        """Expires our ticket (unless it has expired already). If that fails, it expires by itself."""
        if self._version is not None and self.now() < self._expires:
            with suppress(RotationError):
                self._write_expiry(self.now())
        self._version = None

    def _write_expiry(self, expires: datetime) -> datetime:
        tags = {HOLDER_TAG: self.holder, RUN_TAG: self.run, EXPIRES_TAG: _text(expires)}
        with azure_errors(f"renewing the rotation lease ({self._label})"):
            self.client.update_secret_properties(self.name, self._version, tags=tags)
        return expires

    def _tickets(self) -> list[Ticket]:
        with azure_errors(f"reading the rotation lease ({self._label})"):
            found = [(p.version, p.tags or {}) for p in self.client.list_properties_of_secret_versions(self.name)]
        tickets = []
        for version, tags in found:
            with suppress(KeyError, ValueError):  # not a ticket
                expires = datetime.fromisoformat(tags[EXPIRES_TAG])
                tickets.append(Ticket(version or "", tags[HOLDER_TAG], tags[RUN_TAG], expires))
        return tickets

    def _expire_lost_tickets(self) -> None:
        """After a failed write our ticket may exist all the same (a lost reply): expire it, so it does not block
        the rerun. Best effort: if this fails too, it expires by itself."""
        with suppress(RotationError):
            for ticket in self._tickets():
                if ticket.run == self.run:
                    self._version, self._expires = ticket.version, ticket.expires
                    self._release()


def _text(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")
