"""Hand-made report data: messages written directly at chosen times, then the conversation's K1 columns computed
from them as migration 0024 does (tests/test_report_columns.py checks the real write paths keep the same)."""
from __future__ import annotations

from sqlalchemy import text
from sqlmodel.ext.asyncio.session import AsyncSession

from db.report_backfill import backfill_statements


async def fill_report_columns(db: AsyncSession, conversation_id: int) -> None:
    connection = await db.connection()
    for statement in backfill_statements(connection.dialect.name, where=f'id = {int(conversation_id)}'):
        await connection.execute(text(statement))
    await db.commit()
