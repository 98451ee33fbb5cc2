"""R2: an internal note in the thread: an amber card labelled "Note" with its author, apart from the replies."""
from __future__ import annotations

from nicegui import ui

from components.clock import ViewerClock
from services.i18n import _, pgettext
from services.views import MessageView


def note_bubble(view: MessageView, *, clock: ViewerClock) -> ui.column:
    """The note's text (as text), "Note · author · time" above it; "Erased" once its customer was erased (G1)."""
    with ui.column().classes('w-full gap-1 items-end') as holder:
        with ui.column().classes('max-w-[75%] gap-1 rounded-2xl rounded-br-md border border-amber-300 bg-amber-50 '
                                 'px-3.5 py-2 shadow-sm').mark(f'note-{view.id}') as card:
            card.props['aria-label'] = _('Internal note by {name}', name=view.author_name or _('Staff'))
            with ui.row().classes('items-center gap-1 text-xs font-semibold text-amber-900 no-wrap'):
                ui.icon('sticky_note_2', size='14px')
                ui.label(pgettext('internal note', 'Note'))
                ui.label(f'· {view.author_name or _("Staff")} · {clock.time_of_day(view.created_at)}').classes(
                    'font-normal text-amber-800')
            if view.payload.get('erased'):
                ui.label(_('Erased')).classes('text-sm italic text-stone-500')
            elif view.body:
                ui.label(view.body).classes('whitespace-pre-wrap break-words text-[15px] text-stone-900')
    return holder
