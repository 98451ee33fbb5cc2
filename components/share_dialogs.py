"""Dialogs that pick what to share: products (S1), a discount code (S2), an image (S3)."""
from __future__ import annotations

from collections.abc import Awaitable, Callable

from nicegui import events, ui

from services import locale_format
from services.errors import ServiceError
from services.i18n import N_, _
from services.images import MAX_BYTES, read_upload
from services.inbox_reads import InboxReads
from services.sharing import MAX_PRODUCTS

STATUS_STYLE = {'active': 'bg-green-50 text-green-800', 'scheduled': 'bg-sky-50 text-sky-800',
                'expired': 'bg-stone-100 text-stone-600', 'used_up': 'bg-amber-50 text-amber-900',
                'inactive': 'bg-red-50 text-red-800'}
STATUS_LABEL = {'active': N_('Active'), 'scheduled': N_('Scheduled'), 'expired': N_('Expired'),
                'used_up': N_('Used up'), 'inactive': N_('Inactive')}  # N_: translated with _() when shown


class ProductShareDialog(ui.dialog):
    """Returns (product ids, text) or None."""

    def __init__(self, reads: InboxReads) -> None:
        super().__init__()
        self.reads = reads
        self.selected: list[int] = []
        self.titles: dict[int, str] = {}
        with self, ui.card().classes('w-[560px] max-w-[96vw] gap-2 p-4'):
            ui.label(_('Share products')).classes('text-lg font-semibold')
            self.search = ui.input(placeholder=_('Search by title, SKU or vendor')).props(
                'outlined dense autofocus clearable debounce=250').classes('w-full').mark('product-search')
            self.search.props['aria-label'] = _('Search products')
            self.search.on_value_change(self.load)
            self.results = ui.column().classes('w-full gap-0 max-h-80 overflow-y-auto')
            self.chosen = ui.label('').classes('text-sm text-stone-600').mark('products-chosen')
            self.text = ui.textarea(placeholder=_('Add a message (optional)')).props(
                'outlined dense autogrow maxlength=5000').classes('w-full').mark('product-text')
            with ui.row().classes('w-full justify-end gap-2'):
                ui.button(_('Cancel'), on_click=lambda: self.submit(None)).props('flat no-caps')
                self.send = ui.button(_('Send'), icon='send', on_click=self._send).props(
                    'unelevated no-caps color=indigo-8').mark('send-products')
        self._update_chosen()

    async def load(self) -> None:
        products = await self.reads.shareable_products(self.search.value or '')
        self.results.clear()
        with self.results:
            if not products:
                ui.label(_('No products on the online store match.')).classes('text-sm text-stone-500 p-2')
            for product in products:
                self.titles[product.id] = product.title
                stock = sum(v.available for v in product.variants)
                with ui.row().classes('w-full items-center gap-3 px-2 py-2 no-wrap border-b border-stone-100'):
                    box = ui.checkbox(value=product.id in self.selected).mark(f'pick-product-{product.id}')
                    box.props['aria-label'] = _('Select {title}', title=product.title)
                    box.on_value_change(self._toggler(product.id, box))
                    if product.image_url.startswith(('https://', 'http://', '/')):
                        ui.image(product.image_url).classes('w-10 h-10 rounded shrink-0')
                    else:
                        ui.icon('inventory_2', size='28px').classes('text-stone-300 shrink-0')
                    with ui.column().classes('gap-0 grow min-w-0'):
                        ui.label(product.title).classes('text-sm font-medium truncate w-full')
                        ui.label(_('{n} in stock', n=stock)).classes('text-xs text-stone-500')
                    ui.label(locale_format.money(product.price, product.currency)).classes('text-sm shrink-0')

    def _toggler(self, product_id: int, box: ui.checkbox) -> Callable[[], None]:
        def toggle() -> None:
            if box.value and product_id not in self.selected:
                if len(self.selected) >= MAX_PRODUCTS:
                    box.value = False
                    ui.notify(_('You can share at most {n} products at once.', n=MAX_PRODUCTS), type='warning')
                    return
                self.selected.append(product_id)
            elif not box.value and product_id in self.selected:
                self.selected.remove(product_id)
            self._update_chosen()
        return toggle

    def _update_chosen(self) -> None:
        self.chosen.set_text(_('{n} of {max} selected', n=len(self.selected), max=MAX_PRODUCTS) +
                             (': ' + ', '.join(self.titles.get(i, '') for i in self.selected) if self.selected else ''))
        self.send.set_enabled(bool(self.selected))

    def _send(self) -> None:
        self.submit((list(self.selected), self.text.value or ''))


class DiscountShareDialog(ui.dialog):
    """Calls `share(code_id)`; stays open with the error when the code cannot be shared."""

    def __init__(self, reads: InboxReads, share: Callable[[int], Awaitable[str | None]]) -> None:
        super().__init__()
        self.reads = reads
        self.share = share
        with self, ui.card().classes('w-[520px] max-w-[96vw] gap-2 p-4'):
            ui.label(_('Share a discount code')).classes('text-lg font-semibold')
            self.search = ui.input(placeholder=_('Search codes')).props(
                'outlined dense autofocus clearable debounce=250').classes('w-full').mark('code-search')
            self.search.props['aria-label'] = _('Search codes')
            self.search.on_value_change(self.load)
            self.error = ui.label('').classes('text-sm text-red-700').mark('discount-error')
            self.results = ui.column().classes('w-full gap-0 max-h-80 overflow-y-auto')
            with ui.row().classes('w-full justify-between'):
                ui.link(_('Create or edit codes'), '/discounts', new_tab=True).classes(
                    'text-sm text-indigo-700 self-center')
                ui.button(_('Close'), on_click=lambda: self.submit(None)).props('flat no-caps')

    async def load(self) -> None:
        codes = await self.reads.discount_codes(self.search.value or '')
        self.results.clear()
        with self.results:
            if not codes:
                ui.label(_('No discount codes match.')).classes('text-sm text-stone-500 p-2')
            for code in codes:
                with ui.row().classes('w-full items-center gap-3 px-2 py-2 no-wrap border-b border-stone-100'):
                    with ui.column().classes('gap-0 grow min-w-0'):
                        ui.label(code.code).classes('text-sm font-mono font-semibold')
                        ui.label(_('{value} off', value=code.value)).classes('text-xs text-stone-500')
                    status = ui.label(_(STATUS_LABEL[code.status])).classes(
                        'text-xs rounded-full px-2 py-0.5 ' + STATUS_STYLE[code.status])
                    status.mark(f'code-status-{code.code}')
                    ui.button(_('Share'), on_click=self._sharer(code.id)).props(
                        'flat dense no-caps color=indigo-8').mark(f'share-code-{code.code}')

    def _sharer(self, code_id: int) -> Callable[[], Awaitable[None]]:
        async def share() -> None:
            error = await self.share(code_id)
            if error:
                self.error.set_text(error)
            else:
                self.submit(code_id)
        return share


class ImageShareDialog(ui.dialog):
    """An upload from disk; `upload(bytes)` shares it and returns an error text or None."""

    def __init__(self, upload: Callable[[bytes], Awaitable[str | None]]) -> None:
        super().__init__()
        self.upload_image = upload
        with self, ui.card().classes('w-[440px] max-w-[96vw] gap-2 p-4'):
            ui.label(_('Send an image')).classes('text-lg font-semibold')
            ui.label(_('PNG, JPEG, WebP or GIF, up to 10 MB. Metadata such as location is removed.')).classes(
                'text-sm text-stone-600')
            self.error = ui.label('').classes('text-sm text-red-700').mark('image-error')
            upload = ui.upload(on_upload=self._uploaded, on_rejected=self._rejected, auto_upload=True,
                               max_file_size=MAX_BYTES, max_files=1)
            upload.props('accept="image/png,image/jpeg,image/webp,image/gif" flat bordered').classes('w-full')
            upload.mark('image-upload')
            ui.button(_('Close'), on_click=lambda: self.submit(None)).props('flat no-caps').classes('self-end')

    async def _uploaded(self, event: events.UploadEventArguments) -> None:
        try:
            data = await read_upload(event.file.iterate())
        except ServiceError as refused:
            self.error.set_text(refused.message)
            return
        error = await self.upload_image(data)
        if error:
            self.error.set_text(error)
        else:
            self.submit(True)

    def _rejected(self) -> None:
        self.error.set_text(_('Images can be at most 10 MB.'))

