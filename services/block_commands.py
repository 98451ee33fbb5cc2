"""Blocking and unblocking a sender from the staff inbox (R4), one call each (the sibling of
services/inbox_commands.py): the service checks the permission, commits and tells open lists and threads."""
from __future__ import annotations

from services import blocking
from services.inbox_commands import acting
from services.runtime import Runtime


class BlockCommands:
    def __init__(self, runtime: Runtime, *, staff_id: int, address: str = '') -> None:
        self.runtime = runtime
        self.staff_id = staff_id
        self.address = address  # the client's IP address, for the audit log (G4)

    async def block(self, customer_id: int) -> None:
        async with acting(self.runtime, self.staff_id) as (db, actor):
            await blocking.block_customer(db=db, bus=self.runtime.bus, staff=actor, customer_id=customer_id,
                                         address=self.address)

    async def unblock(self, customer_id: int) -> None:
        async with acting(self.runtime, self.staff_id) as (db, actor):
            await blocking.unblock_customer(db=db, bus=self.runtime.bus, staff=actor, customer_id=customer_id,
                                         address=self.address)
