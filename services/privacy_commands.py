"""The staff command layer for privacy (G1 erase, G2 export, G3 retention): one call per action, as in
services/inbox_commands.py; the services check the permission."""
from __future__ import annotations

from services import customer_erasure, customer_export, retention
from services.customer_erasure import ErasureFiles, ErasureReport
from services.inbox_commands import acting
from services.retention import RetentionPreview, RetentionReport
from services.runtime import Runtime
from services.staff import get_active_staff


def erasure_files(runtime: Runtime) -> ErasureFiles:
    return ErasureFiles(uploads_dir=runtime.config.uploads_dir, mail_dir=runtime.config.mail.mail_dir)


class PrivacyCommands:
    def __init__(self, runtime: Runtime, *, staff_id: int, address: str = '') -> None:
        self.runtime = runtime
        self.staff_id = staff_id
        self.address = address  # the client's IP address, for the audit log (G4)

    async def erase_customer(self, customer_id: int) -> ErasureReport:
        async with self.runtime.db.sessions() as db:
            actor = await get_active_staff(db=db, staff_id=self.staff_id)
        return await customer_erasure.erase_customer(
            database=self.runtime.db, bus=self.runtime.bus, files=erasure_files(self.runtime), staff=actor,
            customer_id=customer_id, forget_tokens=self.runtime.message_store.forget,
            address=self.address)

    async def export_customer(self, customer_id: int) -> tuple[str, bytes]:
        """The file name and the JSON document (G2)."""
        async with self.runtime.db.sessions() as db:
            actor = await get_active_staff(db=db, staff_id=self.staff_id)
            document = await customer_export.export_customer(db=db, staff=actor, customer_id=customer_id,
                                                              address=self.address)
        return customer_export.file_name(customer_id), customer_export.to_json(document).encode()

    async def retention_preview(self, days: int) -> RetentionPreview:
        async with acting(self.runtime, self.staff_id) as (db, actor):
            return await retention.preview(db=db, staff=actor, days=days)

    async def set_retention(self, days: int | None) -> int | None:
        async with acting(self.runtime, self.staff_id) as (db, actor):
            return await retention.set_retention(db=db, staff=actor, days=days, address=self.address)

    async def run_retention(self) -> RetentionReport | None:
        async with self.runtime.db.sessions() as db:
            actor = await get_active_staff(db=db, staff_id=self.staff_id)
        return await retention.run_now(database=self.runtime.db, files=erasure_files(self.runtime),
                                       bus=self.runtime.bus, staff=actor, address=self.address)
