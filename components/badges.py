"""The small marks the list, the thread and the profile panel share: avatars with initials, topic and status chips,
and aria labels. One copy each, so a conversation looks the same wherever it is shown."""
from __future__ import annotations

from typing import TypeVar

from nicegui import ui

from services.classification.topics import TOPIC_LABELS
from services.i18n import _

E = TypeVar('E', bound=ui.element)

TOPIC_COLOURS = {
    'checkout': 'bg-emerald-50 text-emerald-800', 'edit_order': 'bg-orange-50 text-orange-800',
    'order_status': 'bg-sky-50 text-sky-800', 'pricing_discounts': 'bg-pink-50 text-pink-800',
    'product_details': 'bg-violet-50 text-violet-800', 'product_interest': 'bg-indigo-50 text-indigo-800',
    'returns': 'bg-red-50 text-red-800', 'shipping': 'bg-amber-50 text-amber-900',
    'store_info': 'bg-stone-100 text-stone-700', 'wholesale': 'bg-teal-50 text-teal-800',
}
DEFAULT_COLOURS = 'bg-stone-100 text-stone-700'
CHIP_CLASSES = 'text-[11px] leading-4 rounded-full px-2 py-0.5 min-w-0 truncate '
AVATAR_CLASSES = ('w-10 h-10 rounded-full bg-stone-200 text-stone-700 flex items-center justify-center text-sm '
                  'font-semibold shrink-0')  # conversation_rows.js draws the list's avatars with the same classes
STATUS_CHIP_CLASSES = 'text-xs rounded-full px-2 py-0.5 whitespace-nowrap shrink-0 '
STATUS_COLOURS = {'open': 'bg-indigo-50 text-indigo-800', 'closed': 'bg-stone-100 text-stone-600'}


def aria(element: E, label: str) -> E:
    """Name an element for screen readers (an icon-only button, a region)."""
    element.props['aria-label'] = label
    return element


def initials(name: str) -> str:
    parts = [p for p in name.replace('@', ' ').split() if p[:1].isalnum()]
    return ''.join(p[0] for p in parts[:2]).upper() or '?'


def avatar(name: str) -> ui.label:
    return ui.label(initials(name)).classes(AVATAR_CLASSES)


def topic_label(topic: str) -> str:
    return _(TOPIC_LABELS.get(topic, topic))


def topic_classes(topic: str) -> str:
    return CHIP_CLASSES + TOPIC_COLOURS.get(topic, DEFAULT_COLOURS)


def topic_chip(topic: str) -> ui.label:
    """A topic; where two long ones ('Interesse an einem bestimmten Produkt') do not fit, they end in '…'."""
    label = topic_label(topic)
    chip = ui.label(label).classes(topic_classes(topic)).mark(f'topic-{topic}')
    chip.props['title'] = label
    return chip


def status_label(status: str) -> str:
    """A conversation's status as staff read it: Open or Closed."""
    return _('Open') if status == 'open' else _('Closed')


def status_chip(status: str) -> ui.label:
    return ui.label(status_label(status)).classes(
        STATUS_CHIP_CLASSES + STATUS_COLOURS.get(status, STATUS_COLOURS['closed']))


def unverified_hint() -> str:
    return _('The shopper has not confirmed this e-mail address yet. Do not share order details until they verify '
             'it.')


def unverified_chip() -> ui.row:
    """V1: the shopper claimed a known customer's e-mail without proving it; the tooltip says what staff should do."""
    label, hint = _('Unverified'), unverified_hint()
    with ui.row().classes('items-center gap-1 no-wrap shrink-0 whitespace-nowrap text-xs font-medium rounded-full '
                          'px-2 py-0.5 bg-amber-100 text-amber-900 border border-amber-300 cursor-help') as chip:
        ui.icon('gpp_maybe', size='14px')
        ui.label(label)
        ui.tooltip(hint).props('max-width="300px" anchor="bottom left" self="top left" :offset="[0, 6]"').classes(
            'text-sm leading-snug')
    chip.props['role'] = 'note'
    chip.props['tabindex'] = '0'  # reachable by keyboard; the tooltip's text is its accessible name too
    return aria(chip, f'{label}: {hint}')
