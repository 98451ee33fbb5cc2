"""Selectors in one place: what a shopper and a staff member see and touch."""
from __future__ import annotations

from playwright.sync_api import FrameLocator, Locator, Page, expect


class StorefrontChat:
    """The demo store with the chat widget, as a shopper uses it."""

    def __init__(self, page: Page, base_url: str) -> None:
        self.page = page
        self.base_url = base_url

    def open_store(self) -> None:
        self.page.goto(f'{self.base_url}/store')

    def begin(self, email: str, name: str, first_message: str) -> None:
        """Open the store, open the widget, start the chat and say something."""
        self.open_store()
        self.open_widget()
        self.start_chat(email, name)
        self.send(first_message)

    @property
    def chat(self) -> FrameLocator:
        return self.page.frame_locator('iframe[title="Chat"]')

    def open_widget(self) -> None:
        self.page.get_by_role('button', name='Chat with us').click()

    def start_chat(self, email: str, name: str = '') -> None:
        self.chat.get_by_label('E-mail').fill(email)
        if name:
            self.chat.get_by_label('Name (optional)').fill(name)
        self.chat.get_by_role('button', name='Start chat').click()
        expect(self.composer).to_be_visible()

    @property
    def composer(self) -> Locator:
        return self.chat.get_by_placeholder('Write a message…')

    def send(self, text: str) -> None:
        self.composer.fill(text)
        self.composer.press('Enter')

    def message(self, text: str) -> Locator:
        return self.chat.get_by_text(text, exact=True)

    def add_to_cart(self, handle: str, variant: str | None = None, quantity: int = 1) -> None:
        self.page.goto(f'{self.base_url}/store/products/{handle}')
        form = self.page.locator('#add-to-cart')
        if variant:
            form.get_by_label('Variant').select_option(label=variant)
        form.get_by_label('Quantity').fill(str(quantity))
        form.get_by_role('button', name='Add to cart').click()
        expect(self.page.get_by_text('Added to your cart.')).to_be_visible()

    def open_cart(self) -> None:
        self.page.goto(f'{self.base_url}/store/cart')

    def remove_from_cart(self, product: str) -> None:
        self.page.get_by_role('button', name=f'Remove {product}').click()
        expect(self.page.get_by_role('button', name=f'Remove {product}')).to_have_count(0)

    def check_out(self) -> None:
        self.page.get_by_role('button', name='Check out').click()
        expect(self.page.get_by_text('Thank you! Order #')).to_be_visible()


class Inbox:
    def __init__(self, page: Page, base_url: str) -> None:
        self.page = page
        self.base_url = base_url

    def sign_in(self, email: str, password: str) -> None:
        self.page.goto(f'{self.base_url}/login')
        self.page.get_by_label('E-mail').fill(email)
        self.page.get_by_label('Password').fill(password)
        self.page.get_by_role('button', name='Sign in').click()
        expect(self.page.get_by_text('Conversations', exact=True)).to_be_visible()
        self.wait_until_connected()

    def wait_until_connected(self) -> None:
        """NiceGUI pages render before their socket is up; clicks before that would be lost."""
        self.page.wait_for_function('() => window.socket && window.socket.connected && window.did_handshake')

    def goto(self, path: str) -> None:
        self.page.goto(self.base_url + path)
        self.wait_until_connected()

    def open_conversation(self, customer: str) -> None:
        name = self.toolbar.get_by_text(customer, exact=True)
        self.row(customer).click()
        try:
            expect(name).to_be_visible(timeout=5_000)
        except AssertionError:
            # Seen about once in 30 runs on a loaded 2-core machine: the click reached no handler (its
            # socket event was dropped). A person clicks again; so does the test, once.
            self.wait_until_connected()
            self.row(customer).click()
            expect(name).to_be_visible()

    def row(self, customer: str) -> Locator:
        return self.page.get_by_role('button', name=f'Open conversation with {customer}')

    @property
    def toolbar(self) -> Locator:
        return self.page.get_by_role('toolbar', name='Conversation')

    def thread_action(self, name: str) -> None:
        self.toolbar.get_by_role('button', name=name).click()

    @property
    def composer(self) -> Locator:
        return self.page.get_by_label('Reply')

    def reply(self, text: str) -> None:
        self.composer.fill(text)
        self.composer.press('Enter')

    def message(self, text: str) -> Locator:
        return self.page.get_by_role('log', name='Messages').get_by_text(text, exact=True)
