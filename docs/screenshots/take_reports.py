"""The Reports screenshots (K1, K2) on the demo store's history (app/demo_history.py), 1440x900 and full page, in
Debian's Chromium. Against a fresh demo server:

    INBOX_DATA_DIR=/tmp/shots-data .venv/bin/inbox serve --demo-if-empty --port 8099 &   # prints the password
    .venv/bin/python docs/screenshots/take_reports.py http://127.0.0.1:8099 owner@example.com PASSWORD
"""
from __future__ import annotations

import sys
from pathlib import Path

from playwright.sync_api import sync_playwright

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
from e2e.conftest import CHROMIUM, CHROMIUM_ARGS  # noqa: E402
from e2e.page_objects import Inbox  # noqa: E402

OUT = Path(__file__).resolve().parent


def main(base: str, email: str, password: str) -> None:
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_context(viewport={'width': 1440, 'height': 900}, locale='en-GB').new_page()
        Inbox(page, base).sign_in(email, password)
        page.goto(f'{base}/reports')
        page.get_by_text('First response (median)', exact=True).first.wait_for()
        page.wait_for_timeout(1500)  # the charts' animation
        page.screenshot(path=str(OUT / 'reports.png'))
        # (reports-satisfaction.png, the Satisfaction card after a rating, is taken by e2e/test_ratings.py)
        page.get_by_text('When conversations start (store time)', exact=True).first.evaluate(
            "e => e.scrollIntoView({block: 'start'})")
        page.wait_for_timeout(800)
        page.screenshot(path=str(OUT / 'reports-breakdowns.png'))
        page.screenshot(path='/tmp/shots/reports-full.png', full_page=True)
        browser.close()


if __name__ == '__main__':
    main(*sys.argv[1:4])
