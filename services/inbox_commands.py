"""The staff command layer (DESIGN.md, "One door per action"): each staff action is one call that opens the
database session, loads the acting staff member, runs the service (which checks the permission, commits and
publishes) and returns what the UI shows. Components call these and show a ServiceError through
components/command_feedback.py; they never open database sessions themselves (tests/test_layers.py).

Here: the conversation commands (close/reopen, mark as read or unread, assign, topics), replies and the e-mail
retry, the staff member's language and notification choices, and the customer note. Sharing products, codes and
images is services/share_commands.py; what the inbox reads is services/inbox_reads.py.
"""
from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Literal

from sqlmodel.ext.asyncio.session import AsyncSession

from db.models import Staff
from db.states import ConversationStatus
from services import conversations, customers, messages, tagging
from services import staff as staff_service
from services.customers import CustomerProfile
from services.mail.outbox import retry_now
from services.messages import require_chat_permission
from services.runtime import Runtime
from services.staff import get_active_staff
from services.views import MessageView


@asynccontextmanager
async def acting(runtime: Runtime, staff_id: int) -> AsyncIterator[tuple[AsyncSession, Staff | None]]:
    """A database session and the acting staff member (None once deactivated: the services refuse None)."""
    async with runtime.db.sessions() as db:
        yield db, await get_active_staff(db=db, staff_id=staff_id)


class InboxCommands:
    def __init__(self, runtime: Runtime, *, staff_id: int) -> None:
        self.runtime = runtime
        self.staff_id = staff_id

    async def toggle_status(self, conversation_id: int) -> Literal['open', 'closed']:
        """Close an open conversation, reopen a closed one; the status it has now."""
        async with acting(self.runtime, self.staff_id) as (db, actor):
            row = await conversations.get_row(db=db, conversation_id=conversation_id)
            target = ConversationStatus.CLOSED if row.status == ConversationStatus.OPEN else ConversationStatus.OPEN
            await conversations.set_status(db=db, bus=self.runtime.bus, staff=actor, conversation_id=conversation_id,
                                           status=target, mail_domain=self.runtime.config.mail.reply_domain)
        return 'closed' if target == ConversationStatus.CLOSED else 'open'

    async def mark_read(self, conversation_id: int) -> None:
        """Staff are looking at the conversation: it is read (not a choice staff make, so no permission is needed)."""
        async with self.runtime.db.sessions() as db:
            await conversations.mark_read(db=db, bus=self.runtime.bus, conversation_id=conversation_id)

    async def mark_unread(self, conversation_id: int) -> None:
        async with acting(self.runtime, self.staff_id) as (db, actor):
            await conversations.mark_unread(db=db, bus=self.runtime.bus, staff=actor, conversation_id=conversation_id)

    async def assign(self, conversation_id: int, assignee_id: int | None) -> None:
        """Assign to a staff member with the chat permission, or unassign with None."""
        async with acting(self.runtime, self.staff_id) as (db, actor):
            await conversations.assign(db=db, bus=self.runtime.bus, staff=actor, conversation_id=conversation_id,
                                       assignee_id=assignee_id)

    async def set_topic(self, conversation_id: int, topic: str) -> None:
        async with acting(self.runtime, self.staff_id) as (db, actor):
            await tagging.set_topic(db=db, bus=self.runtime.bus, staff=actor, conversation_id=conversation_id,
                                    topic=topic)

    async def remove_topic(self, conversation_id: int, topic: str) -> None:
        async with acting(self.runtime, self.staff_id) as (db, actor):
            await tagging.remove_topic(db=db, bus=self.runtime.bus, staff=actor, conversation_id=conversation_id,
                                       topic=topic)

    async def send_reply(self, conversation_id: int, text: str) -> MessageView:
        async with acting(self.runtime, self.staff_id) as (db, actor):
            return await messages.send_staff_reply(db=db, bus=self.runtime.bus, staff=actor,
                                                   conversation_id=conversation_id, body=text,
                                                   mail_domain=self.runtime.config.mail.reply_domain)

    async def retry_email(self, message_id: int) -> MessageView:
        """A fresh round of attempts for a reply's e-mail that was given up; only staff who may chat retry it."""
        async with acting(self.runtime, self.staff_id) as (db, actor):
            require_chat_permission(actor)
            return await retry_now(db=db, bus=self.runtime.bus, message_id=message_id)

    async def set_language(self, language: str) -> None:
        async with self.runtime.db.sessions() as db:
            await staff_service.set_language(db=db, staff_id=self.staff_id, language=language)

    async def save_notification_preferences(self, *, scope: str, sound: bool) -> Staff:
        async with self.runtime.db.sessions() as db:
            return await staff_service.update_notification_preferences(db=db, staff_id=self.staff_id, scope=scope,
                                                                       sound=sound)

    async def save_note(self, *, customer_id: int, text: str) -> CustomerProfile:
        async with acting(self.runtime, self.staff_id) as (db, actor):
            return await customers.save_note(db=db, staff=actor, customer_id=customer_id, text=text)
