"""The composer's three share buttons: pick products (S1), a discount code (S2) or an image (S3) in its dialog and
send it into the open conversation through services/share_commands.py."""
from __future__ import annotations

from collections.abc import Awaitable, Callable, Collection

from nicegui import ui

from components.share_dialogs import DiscountShareDialog, ImageShareDialog, ProductShareDialog
from services.errors import ServiceError
from services.i18n import _
from services.inbox_reads import InboxReads
from services.share_commands import ShareCommands
from services.views import MessageView

SHARE_KINDS = frozenset({'products', 'discount', 'image'})


class ShareFlows:
    def __init__(self, *, shares: ShareCommands, reads: InboxReads, open_conversation: Callable[[], int | None],
                 on_sent: Callable[[MessageView], None]) -> None:
        self.shares = shares
        self.reads = reads
        self.open_conversation = open_conversation
        self.on_sent = on_sent

    def buttons(self, allowed: Collection[str] = SHARE_KINDS) -> dict[str, Callable[[], Awaitable[None]]]:
        """The composer's `on_share`: only the kinds this member may share (U1: the UI hides, the service refuses)."""
        every = {'products': self.share_products, 'discount': self.share_discount, 'image': self.share_image}
        return {kind: flow for kind, flow in every.items() if kind in allowed}

    async def _share(self, action: Callable[[int], Awaitable[MessageView]]) -> str | None:
        """Run one share command on the open conversation; the error text when it was refused (then nothing was
        sent), for the dialog to show."""
        conversation_id = self.open_conversation()
        if conversation_id is None:
            return _('Open a conversation first.')
        try:
            view = await action(conversation_id)
        except ServiceError as error:
            return error.message
        self.on_sent(view)
        return None

    async def share_products(self) -> None:
        dialog = ProductShareDialog(self.reads)
        await dialog.load()
        choice = await dialog
        dialog.delete()
        if not choice:
            return
        ids, text = choice
        error = await self._share(lambda cid: self.shares.share_products(cid, product_ids=ids, text=text))
        if error:
            ui.notify(error, type='negative')

    async def share_discount(self) -> None:
        async def share(code_id: int) -> str | None:
            return await self._share(lambda cid: self.shares.share_discount(cid, code_id=code_id))

        dialog = DiscountShareDialog(self.reads, share)
        await dialog.load()
        await dialog
        dialog.delete()

    async def share_image(self) -> None:
        async def upload(data: bytes) -> str | None:
            return await self._share(lambda cid: self.shares.share_image(cid, data=data))

        dialog = ImageShareDialog(upload)
        await dialog
        dialog.delete()
