"""Issue 9 end to end: a shopper whose browser is German chats in German with a staff member who works in Italian."""
from __future__ import annotations

import re

from playwright.sync_api import Browser, expect

from e2e.conftest import THIRD_STAFF
from e2e.page_objects import ChatPage, Inbox


def test_german_shopper_and_italian_staff_each_read_their_own_language(browser: Browser, server: str,
                                                                       tmp_path_factory) -> None:
    shopper_context = browser.new_context(locale='de-DE')  # Chromium then sends Accept-Language: de-DE
    staff_context = browser.new_context(viewport={'width': 1440, 'height': 900})  # an English browser
    shots = tmp_path_factory.mktemp('screens')
    try:
        # The staff member's first sign-in takes the browser's language (English); she picks Italian in the header.
        inbox = Inbox(staff_context.new_page(), server)
        inbox.sign_in(THIRD_STAFF['email'], THIRD_STAFF['password'])
        inbox.choose_language('it')
        page = inbox.page
        expect(page.get_by_text('Conversazioni', exact=True)).to_be_visible()
        expect(page.get_by_text('Conversations', exact=True)).to_have_count(0)
        expect(page.get_by_role('button', name='Lingua')).to_be_visible()
        expect(page.locator('html')).to_have_attribute('lang', 'it')

        # The shopper opens the chat page: it speaks German without being told to.
        shopper = ChatPage(shopper_context.new_page(), server, lang='de')
        shopper.open()
        expect(shopper.page.locator('html')).to_have_attribute('lang', 'de')
        # the title; the subtitle under the store's name becomes A1's status line once /chat/config is read
        expect(shopper.page).to_have_title(re.compile('^Chatte mit uns'))
        expect(shopper.page.get_by_text(re.compile(r'^Online · Wir antworten'))).to_be_visible()
        expect(shopper.page.get_by_role('button', name='Chat starten')).to_be_visible()
        expect(shopper.page.get_by_label('Name (optional)')).to_be_visible()
        expect(shopper.page.get_by_text('Start chat')).to_have_count(0)
        shopper.start_chat('lena.fischer@example.com', 'Lena Fischer')
        expect(shopper.page.get_by_placeholder('Nachricht schreiben…')).to_be_visible()
        expect(shopper.page.get_by_role('button', name='Senden', exact=True)).to_be_visible()
        shopper.send('Hallo! Gibt es die Wanderschuhe auch in Größe 42?')
        expect(shopper.message('Hallo! Gibt es die Wanderschuhe auch in Größe 42?')).to_be_visible()

        # It arrives live in the Italian inbox, with the shopper shown as online.
        row = inbox.row('Lena Fischer')
        expect(row).to_be_visible()
        expect(page.get_by_role('button', name='Apri la conversazione con Lena Fischer')).to_be_visible()
        expect(row.get_by_text('Online', exact=True)).to_be_visible()
        expect(row.get_by_text('Hallo! Gibt es die Wanderschuhe auch in Größe 42?')).to_be_visible()
        inbox.open_conversation('Lena Fischer')
        expect(page).to_have_url(re.compile(r'/inbox/\d+$'))
        expect(inbox.toolbar.get_by_role('button', name='Assegna', exact=True)).to_be_visible()
        expect(page.get_by_role('button', name='Invia', exact=True)).to_be_visible()
        expect(page.get_by_placeholder('Scrivi una risposta…')).to_be_visible()
        expect(page.get_by_text('Dettagli della conversazione', exact=True)).to_be_visible()

        # The Italian staff member replies (in German, for her shopper); the German page shows it live.
        inbox.reply('Ja, Größe 42 ist auf Lager. Soll ich dir ein Paar reservieren?')
        expect(inbox.message('Ja, Größe 42 ist auf Lager. Soll ich dir ein Paar reservieren?')).to_be_visible()
        expect(shopper.message('Ja, Größe 42 ist auf Lager. Soll ich dir ein Paar reservieren?')).to_be_visible()
        shopper.send('Ja, bitte!')
        expect(inbox.message('Ja, bitte!')).to_be_visible()

        # Each side still speaks only its own language.
        expect(shopper.page.get_by_placeholder('Nachricht schreiben…')).to_be_visible()
        expect(page.get_by_text('Conversazioni', exact=True)).to_be_visible()
        page.screenshot(path=str(shots / 'inbox-it.png'))
        shopper.page.screenshot(path=str(shots / 'chat-de.png'))

        # The shopper leaves: the Italian inbox says so in Italian (and no shopper stays online for the next test).
        shopper.page.close()
        expect(row.get_by_text('Online', exact=True)).to_be_hidden()
        expect(page.get_by_text('Lena Fischer ha lasciato il negozio.', exact=False)).to_be_visible()
    finally:
        shopper_context.close()
        staff_context.close()
