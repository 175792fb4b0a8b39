"""What a page receives: the kit, the services, and who is using this browser session."""

from __future__ import annotations

from dataclasses import dataclass

from alliance_kit.clinic.access import Actor
from alliance_kit.clinic.accounts import Account
from alliance_kit.clinic.services import Services
from alliance_kit.kit import Kit
from alliance_kit.types import ANONYMOUS


@dataclass(frozen=True)
class App:
    """The current session's view of the application (rebuilt on every rerun)."""

    kit: Kit
    #: None when the database cannot be opened; ``store_error`` then says why.
    services: Services | None
    store_error: str | None
    account: Account | None
    role: str = ANONYMOUS

    @property
    def actor(self) -> Actor:
        """The staff member acting; pages call services with it."""
        if self.account is None:
            raise PermissionError("nobody is logged in")
        return self.account.actor
