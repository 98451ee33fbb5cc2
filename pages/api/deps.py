"""What every shopper endpoint needs: the session behind the bearer token, and rate limits."""
from typing import Annotated, Any, Callable, Coroutine

from fastapi import Header, Request

from services.chat_sessions import ChatSession
from services import chat_sessions
from services.errors import RateLimited
from services.rate_limit import SlidingWindowLimiter
from services.runtime import Runtime


def client_address(request: Request) -> str:
    return request.client.host if request.client else 'unknown'


def check_rate(limiter: SlidingWindowLimiter, key: str) -> None:
    wait = limiter.hit(key)
    if wait is not None:
        raise RateLimited('Too many requests; slow down and try again shortly.', retry_after=wait)


def session_dependency(runtime: Runtime) -> Callable[..., Coroutine[Any, Any, ChatSession]]:
    async def current_session(authorization: Annotated[str | None, Header()] = None) -> ChatSession:
        token = None
        if authorization and authorization[:7].lower() == 'bearer ':
            token = authorization[7:].strip()
        async with runtime.db.sessions() as db:
            return await chat_sessions.authenticate(db=db, token=token)
    return current_session
