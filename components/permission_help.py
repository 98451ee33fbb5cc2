""""Why can't I …?" (U1): where the UI hides an action for a missing permission, a small lock button that says why,
naming the permission, so that a person knows whom to ask instead of wondering where the button went."""
from __future__ import annotations

from nicegui import ui

from services.i18n import _
from services.permissions import LABELS, Permission, refusal


def why_not(question: str, permission: Permission, *, mark: str) -> ui.button:
    """A lock icon button (hover or focus: the question; click or Enter: the answer naming the permission)."""
    button = ui.button(icon='lock').props('flat round dense size=sm color=stone-5').mark(mark)
    button.props['aria-label'] = question
    button.tooltip(question)
    with button, ui.menu(), ui.card().classes('max-w-xs p-3 gap-1'):
        ui.label(question).classes('text-sm font-semibold')
        ui.label(refusal(permission)).classes('text-sm')
        ui.label(_('Ask the store owner for the “{permission}” permission.', permission=_(LABELS[permission]))
                 ).classes('text-xs text-stone-600')
    return button
