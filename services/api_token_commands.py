"""The API token actions of the Account page and, for the owner, of the Staff page (W2): each opens a session,
re-reads the acting member (None once deactivated, which services/api_tokens.py refuses) and runs one service call."""
from __future__ import annotations

from services import api_tokens
from services.api_tokens import ApiTokenView, CreatedToken
from services.inbox_commands import acting
from services.runtime import Runtime


class ApiTokenCommands:
    def __init__(self, runtime: Runtime, *, staff_id: int) -> None:
        self.runtime = runtime
        self.staff_id = staff_id

    async def list_own(self) -> list[ApiTokenView]:
        async with acting(self.runtime, self.staff_id) as (db, actor):
            return await api_tokens.list_own(db=db, staff=actor)

    async def list_of(self, member_id: int) -> list[ApiTokenView]:
        """Another member's tokens: only the store owner may see (and revoke) them."""
        async with acting(self.runtime, self.staff_id) as (db, actor):
            return await api_tokens.list_of_member(db=db, staff=actor, member_id=member_id)

    async def create(self, name: str) -> CreatedToken:
        async with acting(self.runtime, self.staff_id) as (db, actor):
            return await api_tokens.create_token(db=db, staff=actor, name=name)

    async def revoke(self, token_id: int) -> ApiTokenView:
        async with acting(self.runtime, self.staff_id) as (db, actor):
            return await api_tokens.revoke(db=db, staff=actor, token_id=token_id)
