"""Staff shares products, a discount code and an image; the shopper sees them live, applies the code and pays less."""
from __future__ import annotations

import io

from PIL import Image
from playwright.sync_api import Browser, expect

from e2e.conftest import STAFF
from e2e.page_objects import Inbox, StorefrontChat


def a_png(path: str) -> str:
    image = Image.new('RGB', (120, 80), (30, 120, 200))
    out = io.BytesIO()
    image.save(out, format='PNG')
    with open(path, 'wb') as handle:
        handle.write(out.getvalue())
    return path


def test_products_code_and_image_reach_the_shopper_and_the_code_lowers_the_order(browser: Browser, server: str,
                                                                                  tmp_path) -> None:
    shopper_context = browser.new_context()
    staff_context = browser.new_context(viewport={'width': 1440, 'height': 900})
    try:
        shopper = StorefrontChat(shopper_context.new_page(), server)
        shopper.begin('share.shopper@example.com', 'Sho Share', 'Any tips for a hiking trip?')

        inbox = Inbox(staff_context.new_page(), server)
        inbox.sign_in(STAFF['email'], STAFF['password'])
        page = inbox.page
        inbox.goto('/discounts')
        page.get_by_role('button', name='New code').click()
        page.get_by_label('Code').fill('HIKE10')
        page.get_by_label('Value (percent or amount)').fill('10')
        page.get_by_role('button', name='Save').click()
        expect(page.get_by_text('HIKE10')).to_be_visible()

        inbox.goto('/inbox')
        inbox.open_conversation('Sho Share')
        expect(inbox.message('Any tips for a hiking trip?')).to_be_visible()

        page.get_by_role('button', name='Share products').click()
        dialog = page.get_by_role('dialog')
        dialog.get_by_label('Search products').fill('socks')
        expect(dialog.get_by_text('Trail Tent 2P')).to_have_count(0)  # the search has run
        dialog.get_by_role('checkbox', name='Select Wool Socks').click()
        dialog.get_by_role('checkbox', name='Select Merino Wool Hiking Socks').click()
        dialog.get_by_placeholder('Add a message (optional)').fill('These two keep feet warm.')
        dialog.get_by_role('button', name='Send').click()
        expect(shopper.message('These two keep feet warm.')).to_be_visible()
        expect(shopper.chat.get_by_text('Wool Socks', exact=True)).to_be_visible()

        page.get_by_role('button', name='Share a discount code').click()
        page.get_by_role('dialog').get_by_role('button', name='Share').click()
        expect(shopper.chat.get_by_text('HIKE10')).to_be_visible()

        page.get_by_role('button', name='Send an image').click()
        page.get_by_role('dialog').locator('input[type=file]').set_input_files(a_png(str(tmp_path / 'trail.png')))
        image = shopper.chat.get_by_role('img', name='Image')
        expect(image).to_be_visible()
        assert image.evaluate('img => img.naturalWidth') == 120

        shopper.add_to_cart('wool-socks', variant='S / Grey · 12.50 EUR', quantity=2)
        shopper.open_widget()
        shopper.chat.get_by_role('button', name='Apply to cart').click()
        expect(shopper.chat.get_by_text('Applied to your cart')).to_be_visible()
        shopper.open_cart()
        expect(shopper.page.get_by_text('Discount code HIKE10 will be applied at checkout.')).to_be_visible()
        shopper.check_out()
        expect(shopper.page.get_by_text('22.50 EUR (with HIKE10)', exact=False)).to_be_visible()
        page.screenshot(path='/tmp/e2e-sharing.png')
    finally:
        shopper_context.close()
        staff_context.close()
