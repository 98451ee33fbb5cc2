"""K2's public rating page, `/rate/<token>`: the signed link of the survey e-mail leads here (services/rating_links.py).

Plain HTML without scripts: five radio buttons (keyboard: Tab into the group, arrows to choose), an optional comment
and Send; the answer is a form POST to the same address, rate-limited per client address. A changed, expired or used
link gets a clear page saying so, never an error trace.
"""
from __future__ import annotations

import html

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse

from pages.api.deps import client_address
from pages.language import page_language
from services import ratings
from services import store as store_service
from services.errors import Invalid, ServiceError
from services.i18n import _, language
from services.runtime import Runtime

POLICY = ("default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; form-action 'self'; "
          "base-uri 'none'; frame-ancestors 'none'")
HEADERS = {'Content-Security-Policy': POLICY, 'Cache-Control': 'no-store', 'Referrer-Policy': 'no-referrer',
           'X-Content-Type-Options': 'nosniff'}
STYLE = """
body{margin:0;font-family:-apple-system,Segoe UI,Roboto,Arial,sans-serif;background:#fafaf9;color:#1c1917}
main{max-width:28rem;margin:3rem auto;background:#fff;border:1px solid #e7e5e4;border-radius:12px;padding:1.5rem}
h1{font-size:1.25rem;margin:0 0 .5rem} p{line-height:1.5;color:#44403c}
fieldset{border:0;padding:0;margin:1rem 0;display:flex;gap:.5rem}
legend{font-weight:600;margin-bottom:.5rem}
.star input{position:absolute;opacity:0;width:1px;height:1px}
.star span{display:inline-flex;align-items:center;justify-content:center;width:2.75rem;height:2.75rem;
  border:1px solid #d6d3d1;border-radius:.5rem;font-size:1.1rem;cursor:pointer}
.star input:checked+span{background:#4f46e5;color:#fff;border-color:#4f46e5}
.star input:focus-visible+span{outline:3px solid #a5b4fc;outline-offset:2px}
label.comment{display:block;font-weight:600;margin:.75rem 0 .25rem}
textarea{width:100%;box-sizing:border-box;min-height:5rem;border:1px solid #d6d3d1;border-radius:.5rem;padding:.5rem;
  font:inherit}
button{margin-top:1rem;background:#4f46e5;color:#fff;border:0;border-radius:.5rem;padding:.6rem 1.2rem;font:inherit;
  cursor:pointer}
button:focus-visible{outline:3px solid #a5b4fc;outline-offset:2px}
.error{color:#b91c1c}
"""


def _page(lang: str, title: str, body: str, status: int = 200) -> HTMLResponse:
    return HTMLResponse(
        f'<!doctype html><html lang="{html.escape(lang)}"><head><meta charset="utf-8">'
        f'<meta name="viewport" content="width=device-width, initial-scale=1"><title>{html.escape(title)}</title>'
        f'<style>{STYLE}</style></head><body><main>{body}</main></body></html>', status_code=status, headers=HEADERS)


def _form(store_name: str, *, error: str = '', comment: str = '') -> str:
    stars = ''.join(
        f'<label class="star"><input type="radio" name="rating" value="{n}" required'
        f' aria-label="{html.escape(_("{rating} out of 5", rating=n))}"><span aria-hidden="true">{n}★</span></label>'
        for n in ratings.SCALE)
    problem = f'<p class="error" role="alert">{html.escape(error)}</p>' if error else ''
    return (f'<h1>{html.escape(_("Rate your conversation with {store}", store=store_name))}</h1>'
            f'<p>{html.escape(ratings.survey_prompt())}</p>{problem}'
            f'<form method="post"><fieldset><legend>{html.escape(_("Your rating"))}</legend>{stars}</fieldset>'
            f'<label class="comment" for="comment">{html.escape(_("Comment (optional)"))}</label>'
            f'<textarea id="comment" name="comment" maxlength="{ratings.MAX_COMMENT}">{html.escape(comment)}</textarea>'
            f'<button type="submit">{html.escape(_("Send rating"))}</button></form>')


def _refusal(error: ServiceError) -> str:
    if error.code == 'not_waiting':
        return _('This conversation was already rated, or it is open again. Thank you!')
    return _('This rating link is not valid any more. Links work once, for 14 days.')


def install_rating_page(app: FastAPI, runtime: Runtime) -> None:
    mail = runtime.config.mail

    async def store_name() -> str:
        async with runtime.db.sessions() as db:
            return (await store_service.get_store(db)).name

    @app.get('/rate/{token}', include_in_schema=False)
    async def rating_form(token: str, request: Request, lang: str | None = None) -> HTMLResponse:
        with language(page_language(request, lang)) as chosen:
            try:
                async with runtime.db.sessions() as db:
                    await ratings.survey_for_link(db=db, secret=mail.link_secret, token=token)
            except ServiceError as error:
                return _page(chosen, _('Rating'), f'<h1>{html.escape(_("Rating"))}</h1>'
                                                  f'<p>{html.escape(_refusal(error))}</p>', error.status)
            return _page(chosen, _('Rating'), _form(await store_name()))

    @app.post('/rate/{token}', include_in_schema=False)
    async def rating_answer(token: str, request: Request, lang: str | None = None) -> HTMLResponse:
        with language(page_language(request, lang)) as chosen:
            form = await request.form(max_files=0, max_fields=5)
            raw_rating, raw_comment = str(form.get('rating') or ''), str(form.get('comment') or '')
            try:
                runtime.limits.check_rating(session_id=None, address=client_address(request))
                value = int(raw_rating) if raw_rating.isdigit() and len(raw_rating) == 1 else 0
                async with runtime.db.sessions() as db:
                    await ratings.rate_by_link(db=db, bus=runtime.bus, secret=mail.link_secret, token=token,
                                               rating=value, comment=raw_comment)
            except Invalid as error:
                return _page(chosen, _('Rating'), _form(await store_name(), error=error.message,
                                                         comment=raw_comment[:ratings.MAX_COMMENT]), 422)
            except ServiceError as error:
                message = error.message if error.status == 429 else _refusal(error)
                return _page(chosen, _('Rating'), f'<h1>{html.escape(_("Rating"))}</h1>'
                                                  f'<p>{html.escape(message)}</p>', error.status)
            return _page(chosen, _('Thank you'), f'<h1>{html.escape(_("Thank you for your rating!"))}</h1>'
                                                 f'<p>{html.escape(_("It helps us answer better."))}</p>')
