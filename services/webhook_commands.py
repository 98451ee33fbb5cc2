"""The Webhooks page's actions (W1): each opens a session, re-reads the acting member (None once deactivated) and
runs one service call, which checks the permission."""
from __future__ import annotations

from collections.abc import Iterable

from services import webhooks
from services.inbox_commands import acting
from services.runtime import Runtime
from services.webhook_events import send_test
from services.webhooks import CreatedEndpoint, DeliveryView, EndpointView


class WebhookCommands:
    def __init__(self, runtime: Runtime, *, staff_id: int) -> None:
        self.runtime = runtime
        self.staff_id = staff_id

    async def endpoints(self) -> list[EndpointView]:
        async with acting(self.runtime, self.staff_id) as (db, actor):
            return await webhooks.list_endpoints(db=db, staff=actor)

    async def log(self, endpoint_id: int) -> list[DeliveryView]:
        async with acting(self.runtime, self.staff_id) as (db, actor):
            return await webhooks.delivery_log(db=db, staff=actor, endpoint_id=endpoint_id, limit=20)

    async def add(self, *, url: str, events: Iterable[str], allow_private: bool) -> CreatedEndpoint:
        async with acting(self.runtime, self.staff_id) as (db, actor):
            return await webhooks.add_endpoint(db=db, staff=actor, url=url, events=events,
                                               allow_private=allow_private)

    async def set_active(self, endpoint_id: int, *, active: bool) -> EndpointView:
        async with acting(self.runtime, self.staff_id) as (db, actor):
            view = await webhooks.update_endpoint(db=db, staff=actor, endpoint_id=endpoint_id, active=active)
        self.runtime.webhook_sender.nudge()
        return view

    async def remove(self, endpoint_id: int) -> None:
        async with acting(self.runtime, self.staff_id) as (db, actor):
            await webhooks.remove_endpoint(db=db, staff=actor, endpoint_id=endpoint_id)

    async def send_test(self, endpoint_id: int) -> str:
        async with acting(self.runtime, self.staff_id) as (db, actor):
            event_id = await send_test(db=db, staff=actor, endpoint_id=endpoint_id)
        self.runtime.webhook_sender.nudge()
        return event_id
