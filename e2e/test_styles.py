"""The staff pages are styled by the compiled stylesheet (app/styles/tailwind.css), with NiceGUI's in-browser Tailwind
turned off: the layout holds on a desktop and on a phone."""
from __future__ import annotations

from playwright.sync_api import Browser, expect

from e2e.conftest import STAFF
from e2e.page_objects import Inbox, translated_in_context
from e2e.shopper_api import ApiShopper

STYLE_OF = '''(element) => {
  const style = getComputedStyle(element);
  return {cursor: style.cursor, display: style.display, paddingLeft: style.paddingLeft,
          width: element.getBoundingClientRect().width};
}'''
LIST_PANE_WIDTH = '''() => document.querySelector('.conversation-row').closest('.border-r')
    .getBoundingClientRect().width'''


def test_the_inbox_is_laid_out_by_the_compiled_stylesheet_on_a_desktop_and_a_phone(browser: Browser,
                                                                                    server: str) -> None:
    ApiShopper(server, 'styled.rows@example.com', 'Stella Style').say('Do you ship to Norway?')
    for viewport, list_width in (({'width': 1280, 'height': 800}, 340), ({'width': 390, 'height': 800}, 390)):
        context = browser.new_context(viewport=viewport)
        try:
            inbox = Inbox(context.new_page(), server)
            inbox.sign_in(STAFF['email'], STAFF['password'])
            row = inbox.row('Stella Style')
            expect(row).to_be_visible()
            page = inbox.page
            assert page.locator('script[src*="tailwindcss"]').count() == 0
            assert page.locator('link[rel="stylesheet"][href^="/styles/tailwind.css"]').count() == 1
            style = row.evaluate(STYLE_OF)
            assert (style['cursor'], style['display'], style['paddingLeft']) == ('pointer', 'flex', '16px')  # px-4
            assert page.evaluate(LIST_PANE_WIDTH) == list_width  # md:w-[340px] on a desktop, w-full on a phone
            if list_width == 340:  # a row's close and assign buttons are made on its first hover
                close = row.get_by_role('button', name=translated_in_context(inbox.lang, 'conversation', 'Close'))
                assert close.count() == 0
                row.hover()
                expect(close).to_be_visible()
                expect(row.get_by_role('button', name=inbox.t('Assign'))).to_be_visible()
        finally:
            context.close()
