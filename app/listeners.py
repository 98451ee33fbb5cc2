"""Every process-wide listener of the event bus, wired in one place (DESIGN.md: one listener per concern).

Page-scoped listeners (a staff tab's list, thread and notifications) subscribe while the page is built, in
pages/inbox.py, and are removed with their client.
"""
from __future__ import annotations

from pages.api.chat_socket import SocketHub
from pages.login import reload_tabs_of_staff
from services.events import from_another_process
from services.mail.outbox import OutboxWake
from services.runtime import Runtime


def wire_listeners(runtime: Runtime, *, sockets: SocketHub, outbox: OutboxWake) -> None:
    bus = runtime.bus
    bus.message_created.subscribe(sockets.deliver)  # shoppers' open sockets get what they may see
    bus.message_created.subscribe(runtime.tagger.message_created)  # topics for shopper texts (T1)
    bus.message_created.subscribe(outbox.message_stored)  # a reply queued for e-mail (C1)
    bus.message_updated.subscribe(outbox.message_stored)  # a failed e-mail retried by staff
    # (relayed ones too: whichever process claims the mail first sends it, the outbox's row lock keeps it once)
    bus.message_created.subscribe(runtime.message_events.message_created)  # message.created webhooks (W1)
    bus.conversation_changed.subscribe(runtime.webhook_sender.nudge)  # other webhook rows were written with these
    bus.cart_changed.subscribe(runtime.webhook_sender.nudge)
    bus.staff_access_changed.subscribe(_end_pages_changed_elsewhere)
    bus.message_created.subscribe(runtime.typing.message_stored)  # a message ends its author's "typing…" (R3)
    bus.typing_changed.subscribe(sockets.typing_changed)  # staff typing reaches the shopper's page (R3)
    bus.sender_blocked.subscribe(sockets.sender_blocked)  # a blocked sender's open chat ends at once (R4)


def _end_pages_changed_elsewhere(staff_id: int) -> None:
    """A member's access changed in another process: their pages here end now (locally that process did it)."""
    if from_another_process():
        reload_tabs_of_staff(staff_id)
