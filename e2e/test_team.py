"""Two staff members share the inbox: assignment and status changes reach the other live, and a new
shopper message notifies on the desktop and bumps the unread count."""
from __future__ import annotations

from playwright.sync_api import Browser, expect

from e2e.conftest import SECOND_STAFF, STAFF
from e2e.page_objects import Inbox
from e2e.shopper_api import ApiShopper

RECORD_NOTIFICATIONS = '''
(() => {
  const Original = window.Notification;
  window.__notifications = [];
  window.Notification = class extends Original {
    constructor(title, options) { super(title, options); window.__notifications.push(title); }
  };
})();
'''


def test_assign_close_badge_tabs_and_notification_live_between_two_staff(browser: Browser, server: str) -> None:
    assigned = ApiShopper(server, 'team.one@example.com', 'Tove Team')
    assigned.say('Can someone help me with my order?')
    closing = ApiShopper(server, 'team.two@example.com', 'Teo Team')
    closing.say('Thanks, all sorted!')

    ana_context = browser.new_context(viewport={'width': 1400, 'height': 860})
    cleo_context = browser.new_context(viewport={'width': 1400, 'height': 860}, permissions=['notifications'],
                                       base_url=server)
    cleo_context.add_init_script(RECORD_NOTIFICATIONS)
    try:
        ana = Inbox(ana_context.new_page(), server)
        ana.sign_in(STAFF['email'], STAFF['password'])
        cleo = Inbox(cleo_context.new_page(), server)
        cleo.sign_in(SECOND_STAFF['email'], SECOND_STAFF['password'])
        open_tab = cleo.page.get_by_role('tab', name='Open (')
        expect(open_tab).to_be_visible()
        open_before = int(open_tab.inner_text().split('(')[1].rstrip(')'))

        ana.open_conversation('Tove Team')
        ana.thread_action('Assign')
        ana.page.get_by_role('button', name='Assign to Cleo Dahl').click()
        expect(ana.page.get_by_text('Assigned to Cleo Dahl by Ana Berg')).to_be_visible()
        expect(cleo.row('Tove Team').get_by_text('Assigned to you')).to_be_visible()

        ana.open_conversation('Teo Team')
        ana.thread_action('Close')
        expect(cleo.page.get_by_role('tab', name=f'Open ({open_before - 1})')).to_be_visible()
        expect(cleo.row('Teo Team')).to_have_count(0)

        unread_before = cleo.page.get_by_label('Unread conversations').inner_text() or '0'
        assigned.say('Hello again, are you there?')
        expect(cleo.row('Tove Team').get_by_text('Hello again, are you there?')).to_be_visible()
        cleo.page.wait_for_function('window.__notifications.length > 0')
        assert cleo.page.evaluate('window.__notifications') == ['New message from Tove Team']
        expect(cleo.page.get_by_label('Unread conversations')).not_to_have_text(unread_before)
    finally:
        ana_context.close()
        cleo_context.close()
