"""Saved replies (R1): the team's list, and add, edit and delete with a text per language (/saved-replies).

Everyone who may reply sees the list; the buttons are shown to those who may manage replies (the service checks it
again on every save and delete)."""
from __future__ import annotations

from fastapi.responses import RedirectResponse
from nicegui import ui

from pages.staff_auth import chat_staff_or_redirect
from services import saved_replies
from services.errors import ServiceError
from services.i18n import LANGUAGE_NAMES, SUPPORTED_LANGUAGES, _
from services.permissions import Permission, has
from services.runtime import Runtime
from services.saved_replies import PLACEHOLDERS, SavedReplyIn, SavedReplyView
from services.staff import get_active_staff


def install_saved_reply_pages(runtime: Runtime) -> None:
    @ui.page('/saved-replies', title=_('Saved replies'))
    async def saved_replies_page() -> RedirectResponse | None:
        staff = await chat_staff_or_redirect(runtime, '/saved-replies')
        if staff is None or isinstance(staff, RedirectResponse):
            return staff
        may_manage = has(staff, Permission.MANAGE_REPLIES)
        ui.page_title(_('Saved replies'))
        ui.query('body').classes('bg-stone-100')
        with ui.header().classes('h-14 px-4 items-center gap-3 bg-white text-stone-900 border-b border-stone-200'):
            back = ui.button(icon='arrow_back', on_click=lambda: ui.navigate.to('/inbox')).props('flat round dense')
            back.props['aria-label'] = _('Back to the inbox')
            ui.label(_('Saved replies')).classes('text-lg font-semibold')
            ui.space()
            if may_manage:
                ui.button(_('Instant answers'), icon='bolt', on_click=lambda: ui.navigate.to('/instant-answers')).props(
                    'flat no-caps color=indigo-8').mark('instant-answers-link')
                ui.button(_('New saved reply'), icon='add', on_click=lambda: edit(None)).props(
                    'unelevated no-caps color=indigo-8').mark('new-reply')
        with ui.column().classes('w-full max-w-3xl mx-auto px-4 pt-4 gap-1'):
            ui.label(_('Type / at the start of a reply to use one. Placeholders:')).classes('text-sm text-stone-600')
            ui.label(' · '.join('{' + name + '}: ' + _(label) for name, label in PLACEHOLDERS.items())).classes(
                'text-xs text-stone-500')
        table = ui.column().classes('w-full max-w-3xl mx-auto p-4 gap-2')
        known: list[SavedReplyView] = []

        async def load() -> list[SavedReplyView]:
            async with runtime.db.sessions() as db:
                current = await get_active_staff(db=db, staff_id=staff.id)
                return await saved_replies.list_replies(db=db, staff=current)

        async def show() -> None:
            known[:] = await load()
            table.clear()
            with table:
                if not known:
                    ui.label(_('No saved replies yet.')).classes('text-stone-500')
                for reply in known:
                    with ui.card().classes('w-full p-3 rounded-xl'), ui.row().classes('w-full items-center no-wrap'):
                        with ui.column().classes('gap-0 grow min-w-0'):
                            with ui.row().classes('gap-2 items-baseline'):
                                ui.label('/' + reply.shortcut).classes('font-mono font-semibold text-indigo-800')
                                ui.label(reply.title).classes('font-semibold')
                            first = next((reply.texts[lang] for lang in SUPPORTED_LANGUAGES if lang in reply.texts), '')
                            ui.label(first).classes('text-sm text-stone-600 truncate')
                            ui.label(', '.join(LANGUAGE_NAMES[lang] for lang in SUPPORTED_LANGUAGES
                                               if lang in reply.texts)).classes('text-xs text-stone-500')
                        if may_manage:
                            ui.button(_('Edit'), on_click=editor(reply.id)).props('flat dense no-caps').mark(
                                f'edit-{reply.shortcut}')

        def editor(reply_id: int):  # type: ignore[no-untyped-def]
            return lambda: edit(reply_id)

        async def edit(reply_id: int | None) -> None:
            existing = next((r for r in known if r.id == reply_id), None)
            with ui.dialog() as dialog, ui.card().classes('w-[560px] max-w-[95vw] gap-2'):
                ui.label(_('Edit saved reply') if existing else _('New saved reply')).classes('text-lg font-semibold')
                shortcut = ui.input(_('Shortcut'), value=existing.shortcut if existing else '').props(
                    'outlined dense prefix=/').mark('reply-shortcut')
                title = ui.input(_('Title'), value=existing.title if existing else '').props(
                    'outlined dense maxlength=120').mark('reply-title')
                texts = {lang: ui.textarea(LANGUAGE_NAMES[lang], value=existing.texts.get(lang, '') if existing
                                           else '').props('outlined dense autogrow maxlength=5000').classes(
                    'w-full').mark(f'reply-text-{lang}') for lang in SUPPORTED_LANGUAGES}
                error = ui.label('').classes('text-sm text-red-700').mark('reply-error')

                async def save() -> None:
                    reply_in = SavedReplyIn(shortcut=shortcut.value or '', title=title.value or '',
                                            texts={lang: box.value or '' for lang, box in texts.items()})
                    try:
                        async with runtime.db.sessions() as db:
                            current = await get_active_staff(db=db, staff_id=staff.id)
                            await saved_replies.save_reply(db=db, staff=current, reply_in=reply_in,
                                                           reply_id=reply_id)
                    except ServiceError as failure:
                        error.set_text(failure.message)
                        return
                    dialog.close()
                    await show()
                    ui.notify(_('Saved reply saved'), type='positive')

                async def remove() -> None:
                    if reply_id is None:
                        return
                    try:
                        async with runtime.db.sessions() as db:
                            current = await get_active_staff(db=db, staff_id=staff.id)
                            await saved_replies.delete_reply(db=db, staff=current, reply_id=reply_id)
                    except ServiceError as failure:
                        error.set_text(failure.message)
                        return
                    dialog.close()
                    await show()
                    ui.notify(_('Saved reply deleted'), type='positive')

                with ui.row().classes('w-full items-center'):
                    if existing:
                        ui.button(_('Delete'), on_click=remove).props('flat no-caps color=red-8').mark('delete-reply')
                    ui.space()
                    ui.button(_('Cancel'), on_click=dialog.close).props('flat no-caps')
                    ui.button(_('Save'), on_click=save).props('unelevated no-caps color=indigo-8').mark('save-reply')
            dialog.open()

        await show()
        return None
