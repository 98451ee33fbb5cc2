"""The owner's Topic model card in Settings (T3): the model in use, how it scored on the held-out messages, how
many staff corrections it learnt from, the last retrain that was not taken and why, and Train now."""
from __future__ import annotations

import logging
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from nicegui import ui

from services.errors import ServiceError
from services.i18n import LANGUAGE_NAMES, _
from services.locale_format import date_and_time, percent
from services.topic_training import TopicModelCommands

log = logging.getLogger('inbox.training')

SCORED = (*LANGUAGE_NAMES, 'all')  # the evaluation's rows: one per corpus language, then all of them


def _when(moment: str, zone: str) -> str:
    try:
        return date_and_time(datetime.fromisoformat(moment).astimezone(ZoneInfo(zone)))
    except (ValueError, KeyError):
        return moment


def _table(scores: dict[str, Any]) -> None:
    rows = [{'language': LANGUAGE_NAMES.get(key) or _('All'), 'precision': percent(value['precision']),
             'coverage': percent(value['coverage']), 'n': value['n']}
            for key, value in scores.items() if key in SCORED]
    ui.table(columns=[{'name': 'language', 'label': _('Language'), 'field': 'language', 'align': 'left'},
                      {'name': 'precision', 'label': _('Right among the tagged'), 'field': 'precision'},
                      {'name': 'coverage', 'label': _('Topical messages tagged'), 'field': 'coverage'},
                      {'name': 'n', 'label': _('Held-out messages'), 'field': 'n'}],
             rows=rows, row_key='language').props('dense flat').classes('w-full').mark('topic-model-scores')


class TopicModelCard:
    def __init__(self, commands: TopicModelCommands, *, zone: str) -> None:
        self.commands = commands
        self.zone = zone
        self.record: dict[str, Any] = {}

    async def build(self) -> None:
        self.record = await self.commands.record()
        with ui.card().classes('w-full p-6 gap-3 rounded-xl').mark('topic-model-card'):
            ui.label(_('Topic model')).classes('text-base font-semibold')
            self.show()

    @ui.refreshable_method
    def show(self) -> None:
        record = self.record
        if record.get('trained_at'):
            learnt = record.get('evaluation', {}).get('corrections')
            ui.label(_('In use since {when}: {version}, trained on the corpus and {n} staff corrections.',
                       when=_when(record['trained_at'], self.zone), version=record.get('version', ''),
                       n=record.get('corrections', 0))).classes('text-sm').mark('topic-model-in-use')
            if learnt:
                ui.label(_('It gives {right} of the {n} corrected messages the topic staff chose.',
                           right=learnt['right'], n=learnt['n'])).classes('text-sm text-stone-600')
            _table({key: value for key, value in record.get('evaluation', {}).items() if key != 'corrections'})
        else:
            ui.label(_('The model in use was trained on the corpus alone when the server first started; no '
                       'staff corrections have been trained in yet.')).classes('text-sm').mark('topic-model-in-use')
        attempt = record.get('last_attempt')
        if attempt:
            worse = ', '.join(LANGUAGE_NAMES.get(code) or code for code in attempt.get('worse', []))
            ui.label(_('The training of {when} was not used: it would have tagged less precisely in {languages}.',
                       when=_when(attempt['at'], self.zone), languages=worse)).classes(
                'text-sm text-amber-900').mark('topic-model-refused')
        ui.label(_('Staff corrections of topics are trained in by themselves every few hours once enough have '
                   'been saved. A new model is used only if no language tags less precisely than before.')).classes(
            'text-xs text-stone-500')
        result = ui.label('').classes('text-sm').mark('topic-model-result')

        async def train() -> None:
            button.props('loading')
            result.set_text(_('Training… this takes about half a minute.'))
            try:
                outcome = await self.commands.train_now()
            except ServiceError as refused:  # no longer the owner since the page opened
                result.set_text(refused.message)
                return
            except Exception:  # the training process failed: the model in use stays
                log.exception('Train now failed')
                result.set_text(_('The training failed; the model in use stays. The server log says why.'))
                return
            finally:
                button.props(remove='loading')
            self.record = outcome.record
            self.show.refresh()

        button = ui.button(_('Train now'), icon='model_training', on_click=train).props(
            'outline no-caps color=indigo-8').mark('train-now')
