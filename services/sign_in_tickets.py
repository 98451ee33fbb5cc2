"""Hand-offs from a checked password to a fresh staff browser session.

A password is checked over the page's socket, where no cookie can be set. The sign-in page therefore gets a ticket
and sends the browser to an ordinary request, which gives the browser a new id (so an id planted in the browser
before sign-in never becomes a signed-in one) and redeems the ticket. A ticket is random, used once, bound to the
browser id it was issued to and valid for a minute.
"""
from __future__ import annotations

import hmac
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from services.tokens import hash_token, new_token

TICKET_SECONDS = 60.0


@dataclass(frozen=True)
class SignInTicket:
    staff_id: int
    browser_id: str
    expires_at: float
    renewed: bool
    """False: issued to the browser id of the sign-in page; True: issued to the new id given at sign-in."""


@dataclass
class SignInTickets:
    lifetime_seconds: float = TICKET_SECONDS
    clock: Callable[[], float] = time.monotonic
    _tickets: dict[str, SignInTicket] = field(default_factory=dict)

    def issue(self, *, staff_id: int, browser_id: str, renewed: bool = False) -> str:
        now = self.clock()
        for key in [k for k, t in self._tickets.items() if t.expires_at <= now]:
            del self._tickets[key]
        ticket = new_token()
        self._tickets[hash_token(ticket)] = SignInTicket(staff_id=staff_id, browser_id=browser_id,
                                                         expires_at=now + self.lifetime_seconds, renewed=renewed)
        return ticket

    def redeem(self, ticket: str, *, browser_id: str) -> SignInTicket | None:
        """The ticket's sign-in when it is known, unexpired and was issued to this browser id; used up either way."""
        if not ticket or len(ticket) > 100:
            return None
        found = self._tickets.pop(hash_token(ticket), None)
        if found is None or found.expires_at <= self.clock():
            return None
        if not hmac.compare_digest(found.browser_id.encode(), browser_id.encode('utf-8', 'replace')):
            return None
        return found
