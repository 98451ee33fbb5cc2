"""What every shopper endpoint needs: the session behind the bearer token, and rate limits."""
from typing import Annotated, Any, Callable, Coroutine

from fastapi import Header, Request

from services.chat_sessions import ChatSession
from services import chat_sessions
from services.errors import RateLimited
from services.i18n import _
from services.rate_limit import SlidingWindowLimiter
from services.runtime import Runtime
from services.views import SessionIds


def client_address(request: Request) -> str:
    return request.client.host if request.client else 'unknown'


def check_rate(limiter: SlidingWindowLimiter, key: str) -> None:
    wait = limiter.hit(key)
    if wait is not None:
        raise RateLimited(_('Too many requests; slow down and try again shortly.'), retry_after=wait)


def bearer_token(authorization: str | None) -> str | None:
    if authorization and authorization[:7].lower() == 'bearer ':
        return authorization[7:].strip()
    return None


async def posting_session(runtime: Runtime, token: str | None) -> SessionIds:
    """The ids of the token's session for posting messages: from the message writer's cache where there is one."""
    if runtime.message_writer is not None:
        return await runtime.message_writer.session_for_token(token)
    async with runtime.db.sessions() as db:
        found = await chat_sessions.authenticate(db=db, token=token)
    assert found.id is not None
    return SessionIds(id=found.id, conversation_id=found.conversation_id, customer_id=found.customer_id)


def session_dependency(runtime: Runtime) -> Callable[..., Coroutine[Any, Any, ChatSession]]:
    async def current_session(authorization: Annotated[str | None, Header()] = None) -> ChatSession:
        token = bearer_token(authorization)
        async with runtime.db.sessions() as db:
            return await chat_sessions.authenticate(db=db, token=token)
    return current_session
