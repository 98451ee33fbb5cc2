"""Read models handed to pages, components and the API (never table rows)."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from services.customer_names import shown_name

CUSTOMER_VISIBLE_KINDS = frozenset({'text', 'products', 'discount', 'image'})
SHOPPER_SYSTEM_KINDS = frozenset({'survey', 'auto'})
"""System messages the shopper sees too (K2's survey; A1's away message and A2's answers, kind auto); every
other system message is for staff only."""


@dataclass(frozen=True)
class SessionIds:
    """What posting a message needs of a chat session; fixed for the session's life (so it can be cached)."""
    id: int
    conversation_id: int
    customer_id: int


@dataclass(frozen=True)
class MessageView:
    id: int
    conversation_id: int
    session_id: int | None
    author: str
    author_name: str
    kind: str
    body: str
    payload: dict[str, Any]
    created_at: datetime
    delivery: str | None = None
    topic: str | None = None

    @property
    def visible_to_customer(self) -> bool:
        if self.author == 'system':
            return self.kind in SHOPPER_SYSTEM_KINDS
        return self.author in ('customer', 'staff') and self.kind in CUSTOMER_VISIBLE_KINDS

    def to_api(self) -> dict[str, Any]:
        """The shape API.md promises to shoppers."""
        data: dict[str, Any] = {
            'id': self.id,
            'conversation_id': self.conversation_id,
            'author': self.author,
            'kind': self.kind,
            'body': self.body,
            'created_at': self.created_at.isoformat(),
        }
        if self.author == 'staff' and self.author_name:
            data['author_name'] = self.author_name
        if self.kind == 'products':
            data['products'] = self.payload.get('products', [])
        elif self.kind == 'discount':
            data['code'] = self.payload.get('code', '')
        elif self.kind == 'image':
            data['url'] = self.payload.get('url', '')
        elif self.kind == 'survey':
            data['answered'] = bool(self.payload.get('answered'))
        elif self.kind == 'auto' and 'instant_answer_id' in self.payload:
            data['instant_answer_id'] = self.payload['instant_answer_id']  # A2's answer, not A1's away message
        return data


@dataclass(frozen=True)
class ConversationRow:
    id: int
    customer_id: int
    customer_name: str
    customer_email: str
    online: bool
    status: str
    unread: bool
    preview: str
    preview_author: str
    last_message_at: datetime
    started_at: datetime
    channel: str
    assignee_id: int | None
    assignee_name: str
    topics: list[str] = field(default_factory=list)
    session_email: str = ''
    unverified_claim: bool = False
    """The newest chat session is not verified and uses the address of a customer known before it (V1): staff see
    "Unverified" and should not share that customer's details with it."""
    customer_blocked: bool = False
    """Staff blocked this sender (R4): their chats, messages and e-mails are refused."""
    mentioned: bool = False
    """R2: a note in it names the viewer (filled only for the Mentioned view, services/notes.py)."""
    mention_unseen: bool = False
    """R2: ... and the viewer has not opened the conversation since (the Mentioned view lists these first)."""

    @property
    def shown_name(self) -> str:
        """The name staff see, in the viewer's language: "Erased customer" once erased (G1)."""
        return shown_name(self.customer_name, self.customer_email)

