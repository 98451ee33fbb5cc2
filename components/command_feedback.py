"""Running a staff command from the UI: its ServiceError becomes a negative notification, once, in one place."""
from __future__ import annotations

from collections.abc import Awaitable
from typing import TypeVar

from nicegui import ui

from services.errors import ServiceError

T = TypeVar('T')


class Refused:
    """What `run_command` returns when the command was refused (the reason was shown)."""


REFUSED = Refused()


async def run_command(command: Awaitable[T], *, success: str | None = None) -> T | Refused:
    """Await the command; show why when a service refuses it (and return REFUSED), else notify `success`."""
    try:
        result = await command
    except ServiceError as error:
        ui.notify(error.message, type='negative')
        return REFUSED
    if success:
        ui.notify(success)
    return result
