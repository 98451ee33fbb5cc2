"""Chromium for the benchmarks (Playwright, async API): launch it as e2e/ does, sign staff in, find its pid."""
from __future__ import annotations

import os
from pathlib import Path
from typing import Any

# The same browser and flags as e2e/conftest.py (Debian's Chromium, driven by Playwright).
CHROMIUM = os.environ.get('INBOX_E2E_CHROMIUM', '/usr/bin/chromium')
CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
                 '--disable-sync', '--no-first-run']


async def launch_chromium(playwright: Any) -> Any:
    return await playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)


async def sign_in(page: Any, base: str, email: str, password: str) -> None:
    """Staff sign-in as e2e/page_objects.py does it; ends on the inbox."""
    await page.goto(f'{base}/login')
    await page.get_by_label('E-mail').fill(email)
    await page.get_by_label('Password').fill(password)
    await page.get_by_role('button', name='Sign in').click()
    await page.get_by_text('Conversations', exact=True).wait_for(timeout=30_000)


def browser_pid(browser: Any) -> int | None:
    """The pid of the Chromium that Playwright launched (a child of Playwright's driver)."""
    for entry in Path('/proc').iterdir():
        if not entry.name.isdigit():
            continue
        try:
            cmdline = (entry / 'cmdline').read_bytes().split(b'\0')
            stat = (entry / 'stat').read_text()
        except OSError:
            continue
        if cmdline and cmdline[0].endswith(b'chromium') and b'--remote-debugging-pipe' in cmdline \
                and not any(arg.startswith(b'--type=') for arg in cmdline):
            ppid = int(stat.rsplit(')', 1)[1].split()[1])
            if _is_descendant(ppid, os.getpid()):
                return int(entry.name)
    return None


def _is_descendant(pid: int, ancestor: int) -> bool:
    for _ in range(20):
        if pid == ancestor:
            return True
        if pid <= 1:
            return False
        try:
            pid = int(Path(f'/proc/{pid}/stat').read_text().rsplit(')', 1)[1].split()[1])
        except OSError:
            return False
    return False
