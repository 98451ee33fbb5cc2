"""C3: desktop notifications (Notification API) and a sound for new shopper messages.

A tab gets at most one notification a second (`Pacer`): the first at once, then the newest of those that arrived
meanwhile. A person reads one notification at a time, the unread dots in the list show the rest, and each
notification costs the tab a script to run: at 60 shopper messages a second that was about a tenth of its main
thread's time (README, Benchmarks: live latency)."""
from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Callable
from typing import Any

from nicegui import context, ui

from services.i18n import _
from services.inbox_reads import InboxReads
from services.notes import mentions_of
from services.views import ConversationRow, MessageView

NOTIFY_JS = '''
<script>
window.inboxNotify = function (p) {
  // One audio context for the page, and at most one chime every 2 s: a busy store must not make the tab
  // create an audio graph per message (each one costs the browser an audio thread's work).
  const now = Date.now();
  if (p.sound && now - (window.inboxLastChime || 0) > 2000) {
    window.inboxLastChime = now;
    try {
      const ctx = window.inboxAudio = window.inboxAudio || new (window.AudioContext || window.webkitAudioContext)();
      const osc = ctx.createOscillator(); const gain = ctx.createGain();
      osc.frequency.value = 880; gain.gain.setValueAtTime(0.08, ctx.currentTime);
      gain.gain.exponentialRampToValueAtTime(0.0001, ctx.currentTime + 0.25);
      osc.connect(gain).connect(ctx.destination); osc.start(); osc.stop(ctx.currentTime + 0.25);
    } catch (e) { /* no audio: nothing to do */ }
  }
  window.inboxLastNotification = p;
  if (!('Notification' in window) || Notification.permission !== 'granted') return;
  const n = new Notification(p.title, {body: p.body, tag: 'conversation-' + p.id});
  n.onclick = () => { window.focus(); window.location.href = '/inbox/' + p.id; n.close(); };
};
</script>
'''


NOTIFY_EVERY_SECONDS = 1.0


class Pacer:
    """Hands `send` the first item at once and afterwards at most one item per `every` seconds: the newest one offered
    meanwhile (older ones in between are dropped)."""

    def __init__(self, send: Callable[[Any], None], every: float) -> None:
        self.send = send
        self.every = every
        self.last_sent = -float('inf')
        self.pending: Any = None
        self.timer: asyncio.TimerHandle | None = None

    def offer(self, item: Any) -> None:
        now = time.monotonic()
        if self.timer is None and now - self.last_sent >= self.every:
            self._send(item)
            return
        self.pending = item
        if self.timer is None:
            self.timer = asyncio.get_running_loop().call_later(self.last_sent + self.every - now, self._send_pending)

    def cancel(self) -> None:
        if self.timer is not None:
            self.timer.cancel()
            self.timer = None
        self.pending = None

    def _send_pending(self) -> None:
        self.timer = None
        item, self.pending = self.pending, None
        if item is not None:
            self._send(item)

    def _send(self, item: Any) -> None:
        self.last_sent = time.monotonic()
        self.send(item)


class Notifier:
    def __init__(self, reads: InboxReads, *, staff_id: int, scope: str, sound: bool,
                 open_conversation_id: Callable[[], int | None],
                 known_row: Callable[[int], ConversationRow | None] = lambda _id: None) -> None:
        self.reads = reads
        self.staff_id = staff_id
        self.scope = scope
        self.sound = sound
        self.open_conversation_id = open_conversation_id
        self.known_row = known_row  # the list's copy of a row, so a busy inbox does not read it again per message
        self.client = context.client
        self.pacer = Pacer(self._notify, NOTIFY_EVERY_SECONDS)
        self.client.on_delete(self.pacer.cancel)
        ui.add_head_html(NOTIFY_JS)

    async def message_created(self, view: MessageView) -> None:
        """Shopper messages only; not for the conversation on screen; only assigned ones if so chosen. And a note
        naming this member (R2), whatever the scope."""
        if view.kind == 'note':
            self.note_created(view)
            return
        if view.author != 'customer' or view.conversation_id == self.open_conversation_id():
            return
        row = self.known_row(view.conversation_id)
        if row is None:
            row = await self.reads.row_if_any(view.conversation_id)
            if row is None:
                return
        if self.scope == 'assigned' and row.assignee_id != self.staff_id:
            return
        payload = {'id': row.id, 'title': _('New message from {name}', name=row.shown_name),
                   'body': view.body[:200], 'sound': self.sound}
        self.pacer.offer(payload)

    def note_created(self, view: MessageView) -> None:
        """R2: a note names this member: notified at once, outside the pacer (mentions are few, and one must not be
        dropped for a shopper's message); not when the conversation is on their screen."""
        if self.staff_id not in mentions_of(view) or view.conversation_id == self.open_conversation_id():
            return
        self._notify({'id': view.conversation_id, 'body': view.body[:200], 'sound': self.sound,
                      'title': _('{name} mentioned you in a note', name=view.author_name or _('Staff'))})

    def _notify(self, payload: dict[str, Any]) -> None:
        if not self.client.is_deleted:
            self.client.run_javascript(f'window.inboxNotify({json.dumps(payload)})')
