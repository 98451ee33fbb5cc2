"""The one door for shoppers' chat messages (C1, API.md `POST /chat/messages`).

Every shopper message passes `receive`: who is posting (the bearer token's session), the rate limits, the
message's rules (services.messages.clean_message), storing it once per client_msg_id in the store picked at start-up
(services/message_store.py), then publishing it once it is committed, then what follows a new message (`after_new`:
the away message of A1, services/away_notices.py). Routes only read the request and call this.
"""
from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from services.events import EventBus
from services.message_store import MessageStore
from services.messages import Received, clean_message
from services.rate_limit import RateLimits
from services.views import MessageView, SessionIds

AfterNew = Callable[[SessionIds, MessageView], Awaitable[object]]
log = logging.getLogger('inbox.shopper_messages')


class ShopperMessages:
    def __init__(self, *, store: MessageStore, bus: EventBus, limits: RateLimits,
                 after_new: AfterNew | None = None) -> None:
        self.store = store
        self.bus = bus
        self.limits = limits
        self.after_new = after_new

    async def receive(self, *, token: str | None, address: str, body: str, client_msg_id: str) -> Received:
        """A message from the public API: authenticated by its token and rate-limited per session and address."""
        session = await self.store.session_for_token(token)
        self.limits.check_message(session_id=session.id, address=address)
        return await self.receive_as(session, body=body, client_msg_id=client_msg_id)

    async def receive_as(self, session: SessionIds, *, body: str, client_msg_id: str) -> Received:
        """A message of a session the caller already holds (the demo store, tests): the same rules, store and
        events as `receive`, without the public rate limits."""
        message = clean_message(body=body, client_msg_id=client_msg_id)
        received = await self.store.store(session, message)
        if received.created:
            self.bus.publish_message(received.message)
            if self.after_new is not None:
                try:
                    await self.after_new(session, received.message)
                except Exception:  # the shopper's message is stored and answered whatever happens here
                    log.exception('after storing message %s', received.message.id)
        return received
