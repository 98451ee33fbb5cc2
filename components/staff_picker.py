"""M2's staff picker: a dialog with search that returns the chosen staff id (or 0 to unassign)."""
from __future__ import annotations

from nicegui import ui

from services.i18n import _
from services.inbox_reads import InboxReads

UNASSIGN = 0


class StaffPicker(ui.dialog):
    def __init__(self, reads: InboxReads, *, current_assignee_id: int | None) -> None:
        super().__init__()
        self.reads = reads
        self.current = current_assignee_id
        with self, ui.card().classes('w-[380px] max-w-[95vw] gap-2 p-4'):
            ui.label(_('Assign conversation')).classes('text-lg font-semibold')
            self.search = ui.input(placeholder=_('Search staff')).props('outlined dense autofocus clearable').classes(
                'w-full').mark('staff-search')
            self.search.props['aria-label'] = _('Search staff')
            self.search.on_value_change(self.load)
            self.results = ui.column().classes('w-full gap-0 max-h-72 overflow-y-auto')
            with ui.row().classes('w-full justify-between'):
                if current_assignee_id is not None:
                    ui.button(_('Unassign'), on_click=lambda: self.submit(UNASSIGN)).props(
                        'flat no-caps color=negative').mark('picker-unassign')
                ui.space()
                ui.button(_('Cancel'), on_click=lambda: self.submit(None)).props('flat no-caps')

    def _chooser(self, staff_id: int):  # type: ignore[no-untyped-def]
        return lambda: self.submit(staff_id)

    async def load(self) -> None:
        staff = await self.reads.assignable_staff(self.search.value or '')
        self.results.clear()
        with self.results:
            if not staff:
                ui.label(_('No staff member with the chat permission matches.')).classes('text-sm text-stone-500 p-2')
            for member in staff:
                with ui.row().classes('w-full items-center gap-3 px-2 py-2 rounded-lg cursor-pointer '
                                      'hover:bg-stone-100 no-wrap').on(
                        'click', self._chooser(member.id)).mark(f'pick-{member.id}') as row:
                    row.props['role'] = 'button'
                    row.props['tabindex'] = '0'
                    row.props['aria-label'] = _('Assign to {name}', name=member.name)
                    ui.icon('check' if member.id == self.current else 'person', size='20px').classes('text-stone-500')
                    with ui.column().classes('gap-0 min-w-0'):
                        ui.label(member.name).classes('text-sm font-medium')
                        ui.label(member.email).classes('text-xs text-stone-500 truncate')
