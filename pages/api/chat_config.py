"""`GET /api/v1/chat/config` (API.md, A1, A2, U2): what the chat page and widget show before and during a chat."""
from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Response
from pydantic import BaseModel, Field
from sqlmodel.ext.asyncio.session import AsyncSession

from services import availability, instant_answers
from services import store as store_service
from services.i18n import current_language, normalize
from services.runtime import Runtime

CACHE_SECONDS = 15
"""Short: the widget polls this (every 60 s) to follow hours and settings, and `available` changes at the hour."""


class StoreOut(BaseModel):
    name: str


class InstantAnswerOut(BaseModel):
    id: int
    question: str


class ChatConfigOut(BaseModel):
    store: StoreOut
    greeting: str = Field(description='Shown in the chat before the first message, in the chosen language.')
    available: bool = Field(description='Inside working hours (and, when the owner chose it, someone is signed in).')
    back_at: str | None = Field(description='While away: the next opening, ISO 8601 in the store\'s time zone; null '
                                            'while available or when unknown.')
    reply_time: str = Field(description='The expected reply time as a sentence, e.g. "We usually reply in a few '
                                        'hours".')
    away_message: str | None = Field(description='While away: the message posted once in the conversation when '
                                                 'the shopper writes; null while available.')
    instant_answers: list[InstantAnswerOut] = Field(description='Common questions to offer as buttons (A2).')
    colour: str = Field(description='The widget\'s colour, #rrggbb (U2).')
    language: str = Field(description='The language of the texts (from ?lang, else Accept-Language, else en).')


EXAMPLE: dict[str, Any] = {
    'store': {'name': 'Nordic Trail Supply'}, 'greeting': 'Hi! How can we help you today?', 'available': False,
    'back_at': '2026-12-07T09:00:00+02:00', 'reply_time': 'We usually reply in a few hours',
    'away_message': 'We are away right now. Leave us a message and we will answer as soon as we are back.',
    'instant_answers': [], 'colour': '#2563eb', 'language': 'en'}


async def _instant_answers(db: AsyncSession, lang: str) -> list[InstantAnswerOut]:
    """A2's questions in `lang` (or the store's default language), read in the request's database session."""
    return [InstantAnswerOut.model_validate(answer) for answer in await instant_answers.list_for_widget(db, lang)]


def build_chat_config_router(runtime: Runtime) -> APIRouter:
    router = APIRouter(prefix='/chat', tags=['chat'])

    @router.get('/config', response_model=ChatConfigOut, responses={200: {'content': {'application/json': {
        'example': EXAMPLE}}}})
    async def chat_config(response: Response,
                          lang: Annotated[str | None, Query(max_length=20, description='en, da, de, fi, nl or it; '
                                                            'another or none: the browser\'s Accept-Language')] = None,
                          ) -> ChatConfigOut:
        """No token needed. The greeting, whether the team is available now and when it is back, the expected reply
        time, the away message, instant answers and the widget colour, in the asked or the browser's language."""
        chosen = normalize(lang) or current_language()  # the middleware set the request's from Accept-Language
        async with runtime.db.sessions() as db:
            store = await store_service.get_store(db)
            settings = await availability.load_settings(db)
            now = await availability.current_availability(db, settings=settings)
            instant_answers = await _instant_answers(db, chosen)
        response.headers['Cache-Control'] = f'public, max-age={CACHE_SECONDS}'
        response.headers['Vary'] = 'Accept-Language'
        return ChatConfigOut(
            store=StoreOut(name=store.name), greeting=availability.greeting_for(settings, chosen),
            available=now.available, back_at=now.back_at.isoformat() if now.back_at else None,
            reply_time=availability.reply_time_text(settings, chosen),
            away_message=None if now.available else availability.away_message_for(settings, chosen),
            instant_answers=instant_answers, colour=store.widget_color, language=chosen)

    return router
