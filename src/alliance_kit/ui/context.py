"""What a page receives: the kit, the services, and who is using this browser session."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from alliance_kit.clinic.access import Actor
from alliance_kit.clinic.accounts import Account
from alliance_kit.clinic.services import Services
from alliance_kit.i18n import t
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
    #: The language staff chose for the app's own words (pages that are translated use it).
    language: str = "en"

    @property
    def translate(self) -> Callable[[str], str]:
        """The gettext function for :attr:`language` (bind it as ``_`` in a page)."""
        return t(self.language)

    @property
    def actor(self) -> Actor:
        """The staff member acting; pages call services with it."""
        if self.account is None:
            raise PermissionError("nobody is logged in")
        return self.account.actor
