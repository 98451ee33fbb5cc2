"""C3: desktop notifications (Notification API) and a sound for new shopper messages."""
from __future__ import annotations

import json
from collections.abc import Callable

from nicegui import ui

from services import conversations
from services.errors import NotFound
from services.i18n import _
from services.runtime import Runtime
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


class Notifier:
    def __init__(self, runtime: Runtime, *, staff_id: int, scope: str, sound: bool,
                 open_conversation_id: Callable[[], int | None],
                 known_row: Callable[[int], ConversationRow | None] = lambda _id: None) -> None:
        self.runtime = runtime
        self.staff_id = staff_id
        self.scope = scope
        self.sound = sound
        self.open_conversation_id = open_conversation_id
        self.known_row = known_row  # the list's copy of a row, so a busy inbox does not read it again per message
        ui.add_head_html(NOTIFY_JS)

    async def message_created(self, view: MessageView) -> None:
        """Shopper messages only; not for the conversation on screen; only assigned ones if so chosen."""
        if view.author != 'customer' or view.conversation_id == self.open_conversation_id():
            return
        row = self.known_row(view.conversation_id)
        if row is None:
            async with self.runtime.db.sessions() as db:
                try:
                    row = await conversations.get_row(db=db, conversation_id=view.conversation_id)
                except NotFound:
                    return
        if self.scope == 'assigned' and row.assignee_id != self.staff_id:
            return
        payload = {'id': row.id, 'title': _('New message from {name}', name=row.customer_name),
                   'body': view.body[:200], 'sound': self.sound}
        ui.run_javascript(f'window.inboxNotify({json.dumps(payload)})')
