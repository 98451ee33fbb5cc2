"""What the shopper does in the store shows up for staff live: cart events, the header cart, the profile."""
from __future__ import annotations

import re

from playwright.sync_api import Browser, expect

from e2e.conftest import STAFF
from e2e.page_objects import Inbox, StorefrontChat

LONG_NAME = 'Merino Wool Hiking Socks — Extra Cushioned Crew 3-Pack'


def test_cart_events_header_cart_profile_and_last_order_follow_the_shopper(browser: Browser, server: str) -> None:
    shopper_context = browser.new_context()
    staff_context = browser.new_context(viewport={'width': 1440, 'height': 900})
    try:
        shopper = StorefrontChat(shopper_context.new_page(), server)
        shopper.begin('cart.shopper@example.com', 'Cara Cart', 'Which socks are warmest?')

        inbox = Inbox(staff_context.new_page(), server)
        inbox.sign_in(STAFF['email'], STAFF['password'])
        inbox.open_conversation('Cara Cart')
        expect(inbox.message('Which socks are warmest?')).to_be_visible()
        page = inbox.page

        shopper.add_to_cart('wool-socks', variant='M / Grey · 12.50 EUR', quantity=2)
        expect(page.get_by_text('Added Wool Socks to the cart')).to_be_visible()
        shopper.add_to_cart('merino-crew')
        expect(page.get_by_text('Added a product to the cart')).to_be_visible()
        expect(page.get_by_text(f'2 × Wool Socks, 1 × {LONG_NAME}')).to_be_visible()
        expect(page.get_by_text('Subtotal 59.90 EUR')).to_be_visible()

        shopper.open_cart()
        shopper.remove_from_cart('Wool Socks')
        expect(page.get_by_text('Removed Wool Socks from the cart')).to_be_visible()
        expect(page.get_by_text(f'1 × {LONG_NAME}', exact=True)).to_be_visible()
        expect(page.get_by_text('Subtotal 34.90 EUR')).to_be_visible()
        expect(page.get_by_text('× 1', exact=True)).to_be_visible()  # the profile's cart line

        shopper.check_out()
        expect(page.get_by_text('The cart is empty.')).to_be_visible()
        expect(page.get_by_role('link', name=re.compile(r'^#\d+$'))).to_be_visible()
        expect(page.get_by_text('Subtotal 34.90 EUR')).to_have_count(0)
        page.screenshot(path='/tmp/e2e-commerce.png')
    finally:
        shopper_context.close()
        staff_context.close()
