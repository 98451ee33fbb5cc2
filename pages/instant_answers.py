"""Instant answers (A2): the questions the chat widget offers with their answers, per language (/instant-answers).

Shown to those who may manage saved replies and availability (Permission.MANAGE_REPLIES); the service checks it again
on every change. One tab per language; add, edit, delete and move up or down; at most ten per language."""
from __future__ import annotations

from collections.abc import Awaitable, Callable

from fastapi.responses import RedirectResponse
from nicegui import ui

from pages.staff_auth import signed_in_staff
from services import instant_answers
from services.errors import ServiceError
from services.i18n import LANGUAGE_NAMES, SUPPORTED_LANGUAGES, _
from services.instant_answers import MAX_ANSWER, MAX_PER_LANGUAGE, MAX_QUESTION, InstantAnswerIn, InstantAnswerView
from services.permissions import Permission, has, refusal
from services.runtime import Runtime
from services.staff import get_active_staff


def install_instant_answer_pages(runtime: Runtime) -> None:
    @ui.page('/instant-answers', title=_('Instant answers'))
    async def instant_answers_page() -> RedirectResponse | None:
        staff = await signed_in_staff(runtime, '/instant-answers')
        if isinstance(staff, RedirectResponse):
            return staff
        ui.page_title(_('Instant answers'))
        ui.query('body').classes('bg-stone-100')
        with ui.header().classes('h-14 px-4 items-center gap-3 bg-white text-stone-900 border-b border-stone-200'):
            back = ui.button(icon='arrow_back', on_click=lambda: ui.navigate.to('/inbox')).props('flat round dense')
            back.props['aria-label'] = _('Back to the inbox')
            ui.label(_('Instant answers')).classes('text-lg font-semibold')
        if not has(staff, Permission.MANAGE_REPLIES):
            with ui.column().classes('w-full items-center text-center gap-2 pt-16'):
                ui.icon('lock', size='48px').classes('text-stone-400')
                ui.label(refusal(Permission.MANAGE_REPLIES)).classes('text-lg font-semibold').mark(
                    'instant-answers-refused')
                ui.label(_('Ask the store owner if something needs to change.')).classes('text-stone-600')
            return None

        async def run(change: Callable[..., Awaitable[object]], **arguments: object) -> str | None:
            """Run one service change as the signed-in staff member; the refusal's message, or None."""
            try:
                async with runtime.db.sessions() as db:
                    current = await get_active_staff(db=db, staff_id=staff.id)
                    await change(db=db, staff=current, **arguments)
            except ServiceError as failure:
                return failure.message
            return None

        async def language_list(language: str) -> None:
            """One language's answers, redrawn after each change."""
            known: list[InstantAnswerView] = []

            @ui.refreshable
            async def answers_list() -> None:
                async with runtime.db.sessions() as db:
                    current = await get_active_staff(db=db, staff_id=staff.id)
                    known[:] = await instant_answers.list_answers(db=db, staff=current, language=language)
                with ui.row().classes('w-full items-center'):
                    ui.label(_('{count} of {max} questions', count=len(known), max=MAX_PER_LANGUAGE)).classes(
                        'text-sm text-stone-600').mark(f'count-{language}')
                    ui.space()
                    add = ui.button(_('Add question'), icon='add', on_click=lambda: edit(None)).props(
                        'unelevated no-caps color=indigo-8').mark(f'add-{language}')
                    if len(known) >= MAX_PER_LANGUAGE:
                        add.disable()
                        add.tooltip(_('There can be at most {count} instant answers per language.',
                                      count=MAX_PER_LANGUAGE))
                if not known:
                    ui.label(_('No instant answers in this language yet.')).classes('text-stone-500 py-4').mark(
                        f'empty-{language}')
                for index, item in enumerate(known[:MAX_PER_LANGUAGE]):
                    with ui.card().classes('w-full p-3 rounded-xl').mark(f'answer-{item.id}'), ui.row().classes(
                            'w-full items-center no-wrap gap-2'):
                        ui.label(str(index + 1)).classes('text-sm font-semibold text-stone-500 w-8 shrink-0')
                        with ui.column().classes('gap-0 grow min-w-0'):
                            ui.label(item.question).classes('font-semibold')
                            ui.label(item.answer).classes('text-sm text-stone-600 truncate')
                        up = ui.button(icon='arrow_upward', on_click=mover(item.id, -1)).props('flat round dense').mark(
                            f'up-{item.id}')
                        up.props['aria-label'] = _('Move up')
                        down = ui.button(icon='arrow_downward', on_click=mover(item.id, 1)).props(
                            'flat round dense').mark(f'down-{item.id}')
                        down.props['aria-label'] = _('Move down')
                        if index == 0:
                            up.disable()
                        if index == len(known) - 1:
                            down.disable()
                        ui.button(_('Edit'), on_click=editor(item.id)).props('flat dense no-caps').mark(
                            f'edit-{item.id}')

            def mover(answer_id: int, offset: int) -> Callable[[], Awaitable[None]]:
                async def move() -> None:
                    message = await run(instant_answers.move_answer, answer_id=answer_id, offset=offset)
                    if message:
                        ui.notify(message, type='negative')
                    answers_list.refresh()
                return move

            def editor(answer_id: int) -> Callable[[], None]:
                return lambda: edit(answer_id)

            def edit(answer_id: int | None) -> None:
                existing = next((item for item in known if item.id == answer_id), None)
                editor_dialog.show(language=language, existing=existing, on_saved=answers_list.refresh)

            await answers_list()

        editor_dialog = AnswerEditor(run)
        with ui.column().classes('w-full max-w-3xl mx-auto px-4 pt-4 gap-1'):
            ui.label(_('The chat offers these questions as buttons; a tap posts the question and its answer at once, '
                       'and you see both in the conversation. Shoppers get the questions of their language, or the '
                       'English ones when their language has none.')).classes('text-sm text-stone-600')
        with ui.column().classes('w-full max-w-3xl mx-auto px-4 pb-4 gap-2'):
            with ui.tabs().props('dense no-caps align=left active-color=indigo-8 indicator-color=indigo-8').classes(
                    'w-full text-stone-700') as tabs:
                tab_of = {lang: ui.tab(lang, LANGUAGE_NAMES[lang]).mark(f'tab-{lang}') for lang in SUPPORTED_LANGUAGES}
            with ui.tab_panels(tabs, value=tab_of['en']).classes('w-full bg-transparent'):
                for lang in SUPPORTED_LANGUAGES:
                    with ui.tab_panel(tab_of[lang]).classes('p-0 pt-2'):
                        await language_list(lang)
        return None


class AnswerEditor:
    """The one dialog of the page that adds, edits and deletes an instant answer of one language."""

    def __init__(self, run: Callable[..., Awaitable[str | None]]) -> None:
        self.run = run
        self.language = 'en'
        self.answer_id: int | None = None
        self.on_saved: Callable[[], object] = lambda: None
        with ui.dialog() as self.dialog, ui.card().classes('w-[560px] max-w-[95vw] gap-2'):
            self.title = ui.label('').classes('text-lg font-semibold')
            self.language_name = ui.label('').classes('text-sm text-stone-600')
            self.question = ui.input(_('Question')).props(
                f'outlined dense maxlength={MAX_QUESTION} counter').classes('w-full').mark('answer-question')
            self.answer = ui.textarea(_('Answer')).props(
                f'outlined dense autogrow maxlength={MAX_ANSWER} counter').classes('w-full').mark('answer-text')
            self.error = ui.label('').classes('text-sm text-red-700').mark('answer-error')
            with ui.row().classes('w-full items-center'):
                self.delete_button = ui.button(_('Delete'), on_click=self.remove).props(
                    'flat no-caps color=red-8').mark('delete-answer')
                ui.space()
                ui.button(_('Cancel'), on_click=self.dialog.close).props('flat no-caps')
                ui.button(_('Save'), on_click=self.save).props('unelevated no-caps color=indigo-8').mark(
                    'save-answer')

    def show(self, *, language: str, existing: InstantAnswerView | None, on_saved: Callable[[], object]) -> None:
        self.language, self.answer_id, self.on_saved = language, existing.id if existing else None, on_saved
        self.title.set_text(_('Edit instant answer') if existing else _('New instant answer'))
        self.language_name.set_text(LANGUAGE_NAMES[language])
        self.question.set_value(existing.question if existing else '')
        self.answer.set_value(existing.answer if existing else '')
        self.error.set_text('')
        self.delete_button.set_visibility(existing is not None)
        self.dialog.open()

    async def save(self) -> None:
        message = await self.run(instant_answers.save_answer, answer_id=self.answer_id, answer_in=InstantAnswerIn(
            language=self.language, question=self.question.value or '', answer=self.answer.value or ''))
        self.finish(message, _('Instant answer saved'))

    async def remove(self) -> None:
        if self.answer_id is not None:
            self.finish(await self.run(instant_answers.delete_answer, answer_id=self.answer_id),
                        _('Instant answer deleted'))

    def finish(self, refused: str | None, done: str) -> None:
        if refused:
            self.error.set_text(refused)
            return
        self.dialog.close()
        self.on_saved()
        ui.notify(done, type='positive')
