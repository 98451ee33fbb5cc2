"""Sharing into a conversation from the staff inbox, one call each (the sibling of services/inbox_commands.py):
product cards (S1), a discount code (S2) and an image (S3). The sharing services check the permission, store the
message, queue its e-mail when the shopper has left and publish it."""
from __future__ import annotations

from services import catalog, discounts, sharing
from services import store as store_service
from services.errors import NotFound
from services.i18n import _
from services.images import store_image
from services.inbox_commands import acting
from services.permissions import Permission, require
from services.runtime import Runtime
from services.views import MessageView


class ShareCommands:
    def __init__(self, runtime: Runtime, *, staff_id: int) -> None:
        self.runtime = runtime
        self.staff_id = staff_id

    async def share_products(self, conversation_id: int, *, product_ids: list[int], text: str) -> MessageView:
        config = self.runtime.config
        async with acting(self.runtime, self.staff_id) as (db, actor):
            currency = (await store_service.get_store(db)).currency
            return await sharing.share_products(
                db=db, bus=self.runtime.bus, staff=actor, conversation_id=conversation_id, product_ids=product_ids,
                text=text, currency=currency, product_url_base=catalog.product_url_base(config.public_url),
                mail_domain=config.mail.reply_domain)

    async def share_discount(self, conversation_id: int, *, code_id: int, text: str = '') -> MessageView:
        async with acting(self.runtime, self.staff_id) as (db, actor):
            return await sharing.share_discount(db=db, bus=self.runtime.bus, staff=actor,
                                                conversation_id=conversation_id, code_id=code_id, text=text,
                                                mail_domain=self.runtime.config.mail.reply_domain)

    async def share_discount_by_code(self, conversation_id: int, *, code: str, text: str = '') -> MessageView:
        """S2 by the code's text (the staff API): the permission is checked before the code is looked up, so a
        member who may not share codes cannot learn which codes exist."""
        async with acting(self.runtime, self.staff_id) as (db, actor):
            require(actor, Permission.SHARE_DISCOUNTS)
            found = await discounts.find_code(db, code)
        if found is None or found.id is None:
            raise NotFound(_('This discount code does not exist.'), code='discount_unknown')
        return await self.share_discount(conversation_id, code_id=found.id, text=text)

    async def share_image(self, conversation_id: int, *, data: bytes) -> MessageView:
        """Clean and store the uploaded image (services/images.py), then send it."""
        name, image = await store_image(uploads_dir=self.runtime.config.uploads_dir, data=data)
        async with acting(self.runtime, self.staff_id) as (db, actor):
            return await sharing.share_image(db=db, bus=self.runtime.bus, staff=actor,
                                             conversation_id=conversation_id, name=name, image=image,
                                             mail_domain=self.runtime.config.mail.reply_domain)
