"""The staff command layer for privacy requests (G1 erase, G2 export): one call per action, as in
services/inbox_commands.py; the services check the permission."""
from __future__ import annotations

from services import customer_erasure, customer_export
from services.customer_erasure import ErasureFiles, ErasureReport
from services.runtime import Runtime
from services.staff import get_active_staff


def erasure_files(runtime: Runtime) -> ErasureFiles:
    return ErasureFiles(uploads_dir=runtime.config.uploads_dir, mail_dir=runtime.config.mail.mail_dir)


class PrivacyCommands:
    def __init__(self, runtime: Runtime, *, staff_id: int) -> None:
        self.runtime = runtime
        self.staff_id = staff_id

    async def erase_customer(self, customer_id: int) -> ErasureReport:
        async with self.runtime.db.sessions() as db:
            actor = await get_active_staff(db=db, staff_id=self.staff_id)
        return await customer_erasure.erase_customer(
            database=self.runtime.db, bus=self.runtime.bus, files=erasure_files(self.runtime), staff=actor,
            customer_id=customer_id, forget_tokens=self.runtime.message_store.forget)

    async def export_customer(self, customer_id: int) -> tuple[str, bytes]:
        """The file name and the JSON document (G2)."""
        async with self.runtime.db.sessions() as db:
            actor = await get_active_staff(db=db, staff_id=self.staff_id)
            document = await customer_export.export_customer(db=db, staff=actor, customer_id=customer_id)
        return customer_export.file_name(customer_id), customer_export.to_json(document).encode()
