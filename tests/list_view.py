"""The conversation list as a simulated user meets it.

Its rows are drawn in the browser from data (components/conversation_rows.js), so NiceGUI's User sees one element,
not a row's labels: these helpers read the rows that element has sent to the browser and fire the events a click,
a swipe or a quick action fires. What the browser draws from that data is checked in Chromium by the e2e tests.
"""
from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

from nicegui.testing import User

from components.conversation_rows import ConversationRows

Rows = list[dict[str, Any]]


def rows_element(user: User) -> ConversationRows:
    found = [e for e in user.find(marker='conversation-rows').elements if isinstance(e, ConversationRows)]
    assert len(found) == 1, found
    return found[0]


def listed(user: User) -> Rows:
    """The rows the list shows, top first."""
    return rows_element(user).shown()


def row_texts(element: ConversationRows) -> set[str]:
    """Every text the rows put on the page, their fixed words included."""
    texts = set(element.props.get('labels', {}).values())
    for row in element.shown():
        texts.update((row['name'], row['aria'], row['time'], row['preview'], row['assignee']))
        texts.update(topic['label'] for topic in row['topics'])
    return {text.strip() for text in texts if text and text.strip()}


async def list_shows(user: User, check: Callable[[Rows], bool], *, retries: int = 30) -> Rows:
    """Wait until the list's rows pass `check` (the list updates from events, a moment after they happen)."""
    rows: Rows = []
    for _attempt in range(retries):
        rows = listed(user)
        if check(rows):
            return rows
        await asyncio.sleep(0.1)
    raise AssertionError(f'the conversation list shows {rows}')


def row_of(rows: Rows, conversation_id: int) -> dict[str, Any] | None:
    return next((row for row in rows if row['id'] == conversation_id), None)


def on_row(user: User, event: str, conversation_id: int) -> None:
    """What a row does in the browser: 'select' (a click or Enter), 'toggle' (a swipe or the close/reopen button),
    'assign' (the assign button)."""
    assert row_of(listed(user), conversation_id) is not None, f'conversation {conversation_id} is not listed'
    user.find(marker='conversation-rows').trigger(event, conversation_id)
