"""K1's per-conversation figures (db/models.py: Conversation.first_customer_at ... close_seconds) computed from the
stored messages in plain SQL: by migration 0024 for what was stored before, and after bulk loads that write
messages directly (the demo shop, bench/generate.py). Day to day, services/report_columns.py keeps them."""
from __future__ import annotations


def _seconds_between(later: str, earlier: str, dialect: str) -> str:
    """In whole milliseconds, as services/report_columns.py keeps them (SQLite's julianday is off by microseconds)."""
    if dialect == 'sqlite':
        seconds = f'((julianday({later}) - julianday({earlier})) * 86400.0)'
    else:
        seconds = f'(EXTRACT(EPOCH FROM ({later} - {earlier})))'
    return f'ROUND(CAST({seconds} AS NUMERIC), 3)'


def backfill_statements(dialect: str, *, where: str = '1 = 1') -> list[str]:
    """UPDATE statements filling the columns of the conversations matching `where` (SQL on `conversation`)."""
    first_reply_at = ("(SELECT min(m.created_at) FROM message m WHERE m.conversation_id = conversation.id "
                      "AND m.author = 'staff' AND m.kind <> 'note' AND m.created_at >= conversation.first_customer_at)")
    return [
        "UPDATE conversation SET first_customer_at = (SELECT min(m.created_at) FROM message m "
        "WHERE m.conversation_id = conversation.id AND m.author = 'customer'), "
        "staff_replied = EXISTS (SELECT 1 FROM message m WHERE m.conversation_id = conversation.id "
        f"AND m.author = 'staff' AND m.kind <> 'note') WHERE {where}",
        "UPDATE conversation SET first_response_seconds = "
        f"{_seconds_between(first_reply_at, 'first_customer_at', dialect)}, "
        "first_responder_id = (SELECT min(m.staff_id) FROM message m WHERE m.conversation_id = conversation.id "
        f"AND m.author = 'staff' AND m.kind <> 'note' AND m.created_at = {first_reply_at}) "
        f"WHERE first_customer_at IS NOT NULL AND ({where})",
        f"UPDATE conversation SET close_seconds = {_seconds_between('closed_at', 'started_at', dialect)} "
        f"WHERE closed_at IS NOT NULL AND ({where})",
        f"DELETE FROM conversation_staff WHERE conversation_id IN (SELECT id FROM conversation WHERE {where})",
        "INSERT INTO conversation_staff (conversation_id, staff_id, replies) "
        "SELECT m.conversation_id, m.staff_id, count(*) FROM message m "
        "WHERE m.author = 'staff' AND m.kind <> 'note' AND m.staff_id IS NOT NULL "
        f"AND m.conversation_id IN (SELECT id FROM conversation WHERE {where}) "
        "GROUP BY m.conversation_id, m.staff_id",
    ]
