"""The Staff and Account pages' actions (U1): each opens a session, re-reads the acting member (None once
deactivated, which services/staff_admin.py refuses) and runs one service call."""
from __future__ import annotations

from collections.abc import Iterable

from db.models import Staff
from services import staff_admin
from services.inbox_commands import acting
from services.permissions import Permission
from services.runtime import Runtime
from services.staff_admin import AddedStaff


class StaffCommands:
    def __init__(self, runtime: Runtime, *, staff_id: int, address: str = '') -> None:
        self.runtime = runtime
        self.staff_id = staff_id
        self.address = address  # the client's IP address, for the audit log (G4)

    async def list(self) -> list[Staff]:
        async with acting(self.runtime, self.staff_id) as (db, actor):
            return await staff_admin.list_staff(db=db, actor=actor)

    async def add(self, *, email: str, name: str, permissions: Iterable[Permission],
                  password: str | None) -> AddedStaff:
        async with acting(self.runtime, self.staff_id) as (db, actor):
            return await staff_admin.add_member(db=db, actor=actor, email=email, name=name, permissions=permissions,
                                                password=password, address=self.address)

    async def edit(self, staff_id: int, *, name: str, permissions: Iterable[Permission]) -> Staff:
        async with acting(self.runtime, self.staff_id) as (db, actor):
            return await staff_admin.edit_member(db=db, actor=actor, staff_id=staff_id, name=name,
                                                 permissions=permissions, address=self.address)

    async def set_active(self, staff_id: int, *, active: bool) -> Staff:
        async with acting(self.runtime, self.staff_id) as (db, actor):
            return await staff_admin.set_active(db=db, actor=actor, staff_id=staff_id, active=active,
                                              address=self.address)

    async def reset_password(self, staff_id: int, *, password: str | None) -> str | None:
        async with acting(self.runtime, self.staff_id) as (db, actor):
            return await staff_admin.reset_password(db=db, actor=actor, staff_id=staff_id, password=password,
                                                    address=self.address)

    async def change_own_password(self, *, current: str, new: str) -> Staff:
        async with self.runtime.db.sessions() as db:
            return await staff_admin.change_own_password(db=db, staff_id=self.staff_id, current=current, new=new,
                                                         address=self.address)

    async def sign_out_other_browsers(self) -> Staff:
        async with self.runtime.db.sessions() as db:
            return await staff_admin.sign_out_other_browsers(db=db, staff_id=self.staff_id, address=self.address)
