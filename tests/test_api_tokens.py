"""W2 personal API tokens: shown once and kept hashed, listed and revoked by their owner (the store owner may revoke
anyone's), and authenticated only while the token is live and its staff member active."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel.ext.asyncio.session import AsyncSession

from db.models import ApiToken
from services import api_tokens
from services.errors import Invalid, NotFound, PermissionDenied, Unauthorized
from services.tokens import hash_token
from tests.conftest import add_staff


async def test_w2_a_token_is_shown_once_with_its_prefix_and_stored_only_as_its_hash(db: AsyncSession) -> None:
    ana = await add_staff(db)
    made = await api_tokens.create_token(db=db, staff=ana, name='  Order   sync ')
    assert made.secret.startswith('inbox_pat_') and len(made.secret) > 40
    assert made.token.name == 'Order sync' and made.token.last_used_at is None
    row = await db.get(ApiToken, made.token.id)
    assert row is not None and row.token_hash == hash_token(made.secret) and made.secret not in row.token_hash
    assert [token.id for token in await api_tokens.list_own(db=db, staff=ana)] == [made.token.id]
    found = await api_tokens.authenticate(db=db, token=made.secret)
    assert found is not None and found.id == ana.id


async def test_w2_a_token_needs_a_short_name_and_an_active_member(db: AsyncSession) -> None:
    ana = await add_staff(db)
    for bad in ('', '   ', 'x' * 101):
        with pytest.raises(Invalid):
            await api_tokens.create_token(db=db, staff=ana, name=bad)
    with pytest.raises(Unauthorized):
        await api_tokens.create_token(db=db, staff=None, name='script')


async def test_w2_each_member_lists_and_revokes_only_their_own_tokens_but_the_owner_any(db: AsyncSession) -> None:
    ana = await add_staff(db)
    ben = await add_staff(db, email='ben@example.com', name='Ben')
    boss = await add_staff(db, email='owner@example.com', name='Olga', is_owner=True)
    anas = await api_tokens.create_token(db=db, staff=ana, name='Ana script')
    bens = await api_tokens.create_token(db=db, staff=ben, name='Ben script')
    assert [t.name for t in await api_tokens.list_own(db=db, staff=ana)] == ['Ana script']
    assert [t.name for t in await api_tokens.list_of_member(db=db, staff=boss, member_id=ben.id or 0)] == ['Ben script']
    with pytest.raises(PermissionDenied):
        await api_tokens.list_of_member(db=db, staff=ana, member_id=ben.id or 0)
    with pytest.raises(PermissionDenied):
        await api_tokens.revoke(db=db, staff=ana, token_id=bens.token.id)
    with pytest.raises(NotFound):
        await api_tokens.revoke(db=db, staff=ana, token_id=10_000)
    assert (await api_tokens.revoke(db=db, staff=ana, token_id=anas.token.id)).revoked_at is not None
    assert (await api_tokens.revoke(db=db, staff=boss, token_id=bens.token.id)).revoked_at is not None
    assert await api_tokens.list_own(db=db, staff=ana) == []
    assert await api_tokens.authenticate(db=db, token=anas.secret) is None
    assert await api_tokens.authenticate(db=db, token=bens.secret) is None


async def test_w2_unknown_tokens_and_deactivated_members_are_refused(db: AsyncSession) -> None:
    ana = await add_staff(db)
    made = await api_tokens.create_token(db=db, staff=ana, name='script')
    for wrong in (None, '', 'inbox_pat_made-up', made.secret[:-1], made.secret.removeprefix('inbox_pat_')):
        assert await api_tokens.authenticate(db=db, token=wrong) is None
    ana.active = False
    db.add(ana)
    await db.commit()
    assert await api_tokens.authenticate(db=db, token=made.secret) is None


async def test_w2_last_used_is_written_at_most_once_a_minute(db: AsyncSession) -> None:
    ana = await add_staff(db)
    made = await api_tokens.create_token(db=db, staff=ana, name='script')
    first = made.token.created_at
    await api_tokens.authenticate(db=db, token=made.secret, now=first)
    await api_tokens.authenticate(db=db, token=made.secret, now=first + timedelta(seconds=59))
    row = await db.get(ApiToken, made.token.id)
    assert row is not None
    await db.refresh(row)
    assert row.last_used_at == first
    await api_tokens.authenticate(db=db, token=made.secret, now=first + timedelta(seconds=61))
    await db.refresh(row)
    assert row.last_used_at == first + timedelta(seconds=61)


async def test_g4_token_use_writes_one_audit_row_a_minute_with_the_address(db: AsyncSession) -> None:
    from sqlmodel import select

    from db.models import AuditEvent

    ana = await add_staff(db)
    made = await api_tokens.create_token(db=db, staff=ana, name='crm sync')
    first = made.token.created_at
    for seconds in (0, 10, 59):
        await api_tokens.authenticate(db=db, token=made.secret, now=first + timedelta(seconds=seconds),
                                      address='203.0.113.9')
    await api_tokens.authenticate(db=db, token=made.secret, now=first + timedelta(seconds=61), address='203.0.113.10')
    rows = (await db.exec(select(AuditEvent).where(AuditEvent.action == 'api_token_used')
                          .order_by(AuditEvent.id))).all()  # type: ignore[arg-type]
    target = f'crm sync (#{made.token.id})'
    assert [(row.actor_staff_id, row.target, row.address) for row in rows] == [
        (ana.id, target, '203.0.113.9'), (ana.id, target, '203.0.113.10')]
    revoked = await api_tokens.revoke(db=db, staff=ana, token_id=made.token.id)
    assert revoked.revoked_at is not None
    assert await api_tokens.authenticate(db=db, token=made.secret, now=first + timedelta(hours=1)) is None
    assert len((await db.exec(select(AuditEvent).where(AuditEvent.action == 'api_token_used'))).all()) == 2
