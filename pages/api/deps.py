"""What every shopper endpoint needs: the client's address, the bearer token and the session behind it."""
from collections.abc import Callable, Coroutine
from typing import Annotated, Any

from fastapi import Header, Request

from services import chat_sessions
from services.chat_sessions import ChatSession
from services.runtime import Runtime

MAX_ID = 2**63 - 1
"""The largest id a database column holds; a larger number in a request is refused as invalid (422)."""


def client_address(request: Request) -> str:
    return request.client.host if request.client else 'unknown'


def bearer_token(authorization: str | None) -> str | None:
    if authorization and authorization[:7].lower() == 'bearer ':
        return authorization[7:].strip()
    return None


def session_dependency(runtime: Runtime) -> Callable[..., Coroutine[Any, Any, ChatSession]]:
    async def current_session(authorization: Annotated[str | None, Header()] = None) -> ChatSession:
        token = bearer_token(authorization)
        async with runtime.db.sessions() as db:
            return await chat_sessions.authenticate(db=db, token=token, lifetime=runtime.config.shopper_token_lifetime)
    return current_session
