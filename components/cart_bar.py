"""E2: while the shopper has a non-empty cart, a bar under the thread header shows each item's quantity and the
subtotal."""
from __future__ import annotations

from nicegui import ui

from services import locale_format
from services.carts import CartView
from services.i18n import _


class CartBar:
    def __init__(self) -> None:
        self.root = ui.row().classes('w-full items-center gap-2 px-4 py-1.5 bg-indigo-50 text-indigo-950 text-sm '
                                     'border-b border-indigo-100 no-wrap').mark('header-cart')

    def hide(self) -> None:
        self.root.clear()
        self.root.set_visibility(False)

    def show(self, cart: CartView) -> None:
        self.root.clear()
        self.root.set_visibility(not cart.is_empty)
        if cart.is_empty:
            return
        with self.root:
            ui.icon('shopping_cart', size='18px').classes('shrink-0')
            ui.label(', '.join(f'{line.quantity} × {line.product_title}' for line in cart.items)).classes(
                'truncate grow').mark('header-cart-items')
            ui.label(_('Subtotal {amount}', amount=locale_format.money(cart.subtotal, cart.currency))).classes(
                'shrink-0 font-semibold').mark('header-cart-subtotal')
