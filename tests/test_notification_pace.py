"""C3 under load: a staff tab gets the first notification at once and then at most one per interval, the newest."""
from __future__ import annotations

import asyncio

from components.notifier import Pacer


async def test_the_first_notification_goes_at_once_and_a_burst_after_it_ends_with_only_its_newest() -> None:
    sent: list[str] = []
    arrived = asyncio.Event()

    def send(item: str) -> None:
        sent.append(item)
        arrived.set()

    pacer = Pacer(send, every=0.2)
    pacer.offer('first')
    assert sent == ['first']
    arrived.clear()
    for item in ('second', 'third', 'fourth'):
        pacer.offer(item)
    assert sent == ['first']  # the burst waits for the interval to end
    await asyncio.wait_for(arrived.wait(), 5)
    assert sent == ['first', 'fourth']
    await asyncio.sleep(0.3)  # a whole interval later: nothing else was offered, nothing else is sent
    assert sent == ['first', 'fourth']
    pacer.offer('later')
    assert sent == ['first', 'fourth', 'later']


async def test_a_closed_tab_gets_nothing_that_was_still_waiting() -> None:
    sent: list[str] = []
    pacer = Pacer(sent.append, every=0.1)
    pacer.offer('first')
    pacer.offer('waiting')
    pacer.cancel()
    await asyncio.sleep(0.25)
    assert sent == ['first']
