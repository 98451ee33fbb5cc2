"""W2 staff API: `/api/v1/admin/...` with personal tokens, through the real ASGI app. Every refusal comes from the
services the inbox uses (the token's staff member's permissions), in the API's error shape."""
from __future__ import annotations

import base64
import json
from datetime import date, timedelta

import httpx

from db.models import Staff
from services import api_tokens
from services.permissions import Permission
from services.rate_limit import SlidingWindowLimiter
from tests.conftest import App, add_staff
from tests.test_managing import chat, ids

ADMIN = '/api/v1/admin'


async def token_for(app: App, staff: Staff) -> dict[str, str]:
    async with app.runtime.db.sessions() as db:
        made = await api_tokens.create_token(db=db, staff=await db.get(Staff, staff.id), name='test')
    return {'Authorization': f'Bearer {made.secret}'}


async def member(app: App, email: str = 'ana@example.com', **kwargs: object) -> Staff:
    async with app.runtime.db.sessions() as db:
        return await add_staff(db, email=email, name=email.split('@')[0].title(), **kwargs)  # type: ignore[arg-type]


async def conversation(app: App, email: str = 'sara@example.com', body: str = 'Where is my parcel?') -> int:
    async with app.runtime.db.sessions() as db:
        return await chat(db, email, body)


async def test_w2_a_token_reads_a_conversation_and_its_messages_and_replies(app: App) -> None:
    ana = await member(app)
    headers = await token_for(app, ana)
    cid = await conversation(app)
    listed = await app.http.get(f'{ADMIN}/conversations', headers=headers)
    assert listed.status_code == 200, listed.text
    assert [c['id'] for c in listed.json()['conversations']] == [cid] and listed.json()['next'] is None
    one = await app.http.get(f'{ADMIN}/conversations/{cid}', headers=headers)
    assert one.json()['customer']['email'] == 'sara@example.com' and one.json()['status'] == 'open'
    posted = await app.http.post(f'{ADMIN}/conversations/{cid}/messages', json={'body': ' On its way. '},
                                 headers=headers)
    assert posted.status_code == 201, posted.text
    assert posted.json()['body'] == 'On its way.' and posted.json()['author_name'] == 'Ana'
    assert posted.json()['delivery'] == 'email_pending'  # the shopper is not online: C1 e-mails it
    messages = (await app.http.get(f'{ADMIN}/conversations/{cid}/messages', headers=headers)).json()['messages']
    assert [m['body'] for m in messages] == ['Where is my parcel?', 'On its way.']
    after = await app.http.get(f'{ADMIN}/conversations/{cid}/messages', params={'after': messages[0]['id']},
                               headers=headers)
    assert [m['id'] for m in after.json()['messages']] == [posted.json()['id']]
    note = await app.http.post(f'{ADMIN}/conversations/{cid}/messages', json={'body': 'Check tracking', 'note': True},
                               headers=headers)
    assert note.status_code == 201 and (note.json()['kind'], note.json()['delivery']) == ('note', None)
    # R2: the staff API reads notes too (the shopper's paths never do: tests/test_notes_never_reach_shopper.py)
    kinds = [m['kind'] for m in (await app.http.get(f'{ADMIN}/conversations/{cid}/messages',
                                                     headers=headers)).json()['messages']]
    assert kinds[-1] == 'note'


async def test_w2_status_assignee_and_the_list_filters(app: App) -> None:
    ana = await member(app)
    ben = await member(app, 'ben@example.com')
    headers = await token_for(app, ana)
    first = await conversation(app, 'a@example.com')
    second = await conversation(app, 'b@example.com')
    assigned = await app.http.post(f'{ADMIN}/conversations/{first}/assignee', json={'staff_id': ben.id},
                                   headers=headers)
    assert assigned.status_code == 200 and assigned.json()['assignee'] == {'id': ben.id, 'name': 'Ben'}

    async def listed(**params: object) -> list[int]:
        found = await app.http.get(f'{ADMIN}/conversations', params=params, headers=headers)
        assert found.status_code == 200, found.text
        return [c['id'] for c in found.json()['conversations']]

    assert await listed(assignee=str(ben.id)) == [first]
    assert await listed(assignee='none') == [second]
    assert await listed(assignee='me') == []
    assert await listed(q='b@example') == [second]
    closed = await app.http.post(f'{ADMIN}/conversations/{second}/status', json={'status': 'closed'},
                                 headers=headers)
    assert closed.status_code == 200 and closed.json()['status'] == 'closed'
    assert await listed(status='closed') == [second]
    unassigned = await app.http.post(f'{ADMIN}/conversations/{first}/assignee', json={'staff_id': None},
                                     headers=headers)
    assert unassigned.json()['assignee'] is None


async def test_w2_customer_and_report_summary(app: App) -> None:
    boss = await member(app, 'owner@example.com', is_owner=True)
    headers = await token_for(app, boss)
    cid = await conversation(app)
    customer_id = (await app.http.get(f'{ADMIN}/conversations/{cid}', headers=headers)).json()['customer']['id']
    customer = await app.http.get(f'{ADMIN}/customers/{customer_id}', headers=headers)
    assert customer.status_code == 200, customer.text
    assert customer.json()['profile']['email'] == 'sara@example.com'
    assert customer.json()['cart']['items'] == [] and customer.json()['orders'] == []
    today = date.today()
    summary = await app.http.get(f'{ADMIN}/reports/summary', headers=headers, params={
        'from': (today - timedelta(days=1)).isoformat(), 'to': (today + timedelta(days=1)).isoformat()})
    assert summary.status_code == 200, summary.text
    assert summary.json()['current']['new_conversations'] == 1 and summary.json()['period']['zone']
    backwards = await app.http.get(f'{ADMIN}/reports/summary', headers=headers,
                                   params={'from': '2026-11-30', 'to': '2026-11-01'})
    assert backwards.status_code == 422 and backwards.json()['error']['code'] == 'invalid_range'
    ancient = await app.http.get(f'{ADMIN}/reports/summary', headers=headers,
                                 params={'from': '0001-01-01', 'to': '0001-01-02'})
    assert ancient.status_code == 422


async def test_w2_unknown_ids_and_bad_input_are_4xx_in_the_error_shape(app: App) -> None:
    headers = await token_for(app, await member(app))
    for method, path, body in [('GET', '/conversations/999', None), ('GET', '/conversations/999/messages', None),
                               ('POST', '/conversations/999/messages', {'body': 'hi'}),
                               ('POST', '/conversations/999/status', {'status': 'open'}),
                               ('GET', '/customers/999', None)]:
        answer = await app.http.request(method, f'{ADMIN}{path}', json=body, headers=headers)
        assert answer.status_code == 404 and answer.json()['error']['code'] == 'not_found', (path, answer.text)
    forged = base64.urlsafe_b64encode(b'2026-01-01T00:00:00+00:00|99999999999999999999999').decode()
    for params in ({'before': 'not-a-cursor'}, {'before': forged}, {'limit': 101}, {'assignee': 'someone'},
                   {'topic': 'Bad Topic'}, {'status': 'deleted'}):
        answer = await app.http.get(f'{ADMIN}/conversations', params=params, headers=headers)
        assert answer.status_code == 422 and answer.json()['error']['code'], (params, answer.text)
    cid = await conversation(app)
    for body in ('   ', 'x' * 5001, 'lone \ud800 surrogate', 'nul \x00 character'):
        answer = await app.http.post(f'{ADMIN}/conversations/{cid}/messages', content=json.dumps({'body': body}),
                                     headers={**headers, 'Content-Type': 'application/json'})
        assert 400 <= answer.status_code < 500 or answer.status_code == 201, (body, answer.text)


def refused(answer: httpx.Response, status: int, code: str) -> bool:
    return answer.status_code == status and answer.json()['error']['code'] == code


async def test_w2_missing_unknown_and_revoked_tokens_and_deactivated_staff_are_401(app: App) -> None:
    ana = await member(app)
    headers = await token_for(app, ana)
    url = f'{ADMIN}/conversations'
    assert refused(await app.http.get(url), 401, 'unauthorized')
    assert refused(await app.http.get(url, headers={'Authorization': 'Bearer inbox_pat_made-up'}), 401, 'unauthorized')
    assert (await app.http.get(url, headers=headers)).status_code == 200
    async with app.runtime.db.sessions() as db:
        made = await api_tokens.create_token(db=db, staff=await db.get(Staff, ana.id), name='second')
        await api_tokens.revoke(db=db, staff=await db.get(Staff, ana.id), token_id=made.token.id)
    assert refused(await app.http.get(url, headers={'Authorization': f'Bearer {made.secret}'}), 401, 'unauthorized')
    async with app.runtime.db.sessions() as db:
        row = await db.get(Staff, ana.id)
        assert row is not None
        row.active = False
        db.add(row)
        await db.commit()
    assert refused(await app.http.get(url, headers=headers), 401, 'unauthorized')


async def test_w2_without_the_chat_permission_a_token_can_neither_read_nor_reply(app: App) -> None:
    viewer = await member(app, 'viewer@example.com', permissions=[Permission.SEE_REPORTS])
    headers = await token_for(app, viewer)
    cid = await conversation(app)
    assert refused(await app.http.get(f'{ADMIN}/conversations', headers=headers), 403, 'forbidden')
    assert refused(await app.http.post(f'{ADMIN}/conversations/{cid}/messages', json={'body': 'Hi'},
                                       headers=headers), 403, 'forbidden')
    assert refused(await app.http.post(f'{ADMIN}/conversations/{cid}/status', json={'status': 'closed'},
                                       headers=headers), 403, 'forbidden')
    async with app.runtime.db.sessions() as db:
        assert await ids(db, status='open') == [cid]  # nothing was closed
    summary = await app.http.get(f'{ADMIN}/reports/summary', params={'from': '2026-11-01', 'to': '2026-11-30'},
                                 headers=headers)
    assert summary.status_code == 200  # what the permissions give, the token may do


async def test_w2_a_token_shares_products_and_a_discount_code_as_the_composer_does(app: App) -> None:
    from tests.commerce_data import add_code, add_product

    headers = await token_for(app, await member(app))
    cid = await conversation(app)
    async with app.runtime.db.sessions() as db:
        blanket, scarf = await add_product(db, 'Wool blanket'), await add_product(db, 'Silk scarf')
        hidden = await add_product(db, 'Hidden', online=False)
        await add_code(db, 'WELCOME10')
        await add_code(db, 'OLD5', expired=True)
    url = f'{ADMIN}/conversations/{cid}'
    cards = await app.http.post(f'{url}/products', json={'product_ids': [scarf.product_id, blanket.product_id],
                                                         'text': 'These two'}, headers=headers)
    assert cards.status_code == 201, cards.text
    assert cards.json()['kind'] == 'products' and cards.json()['body'] == 'These two'
    assert [p['title'] for p in cards.json()['payload']['products']] == ['Silk scarf', 'Wool blanket']
    assert refused(await app.http.post(f'{url}/products', json={'product_ids': [hidden.product_id]},
                                       headers=headers), 404, 'product_unavailable')
    code = await app.http.post(f'{url}/discount', json={'code': ' welcome10 '}, headers=headers)
    assert code.status_code == 201, code.text
    assert code.json()['kind'] == 'discount' and code.json()['payload']['code'] == 'WELCOME10'
    assert refused(await app.http.post(f'{url}/discount', json={'code': 'OLD5'}, headers=headers), 422,
                   'discount_inactive')
    assert refused(await app.http.post(f'{url}/discount', json={'code': 'NOSUCH'}, headers=headers), 404,
                   'discount_unknown')
    kinds = [m['kind'] for m in (await app.http.get(f'{url}/messages', headers=headers)).json()['messages']]
    assert kinds.count('products') == 1 and kinds.count('discount') == 1  # refusals stored nothing


async def test_w2_a_token_without_share_discount_codes_cannot_share_one(app: App) -> None:
    from tests.commerce_data import add_code, add_product

    no_codes = await member(app, 'cards@example.com', permissions=[Permission.REPLY, Permission.SHARE_PRODUCTS])
    headers = await token_for(app, no_codes)
    cid = await conversation(app)
    async with app.runtime.db.sessions() as db:
        await add_code(db, 'WELCOME10')
        blanket = await add_product(db, 'Wool blanket')
    url = f'{ADMIN}/conversations/{cid}'
    for code in ('WELCOME10', 'NOSUCH'):  # refused alike: the refusal does not tell which codes exist
        assert refused(await app.http.post(f'{url}/discount', json={'code': code}, headers=headers), 403,
                       'forbidden')
    assert (await app.http.post(f'{url}/products', json={'product_ids': [blanket.product_id]},
                                headers=headers)).status_code == 201  # what the permissions give, the token may do
    no_products = await member(app, 'codes@example.com', permissions=[Permission.REPLY, Permission.SHARE_DISCOUNTS])
    assert refused(await app.http.post(f'{url}/products', json={'product_ids': [blanket.product_id]},
                                       headers=await token_for(app, no_products)), 403, 'forbidden')
    kinds = [m['kind'] for m in (await app.http.get(f'{url}/messages', headers=headers)).json()['messages']]
    assert 'discount' not in kinds and kinds.count('products') == 1


async def test_w2_without_the_reports_permission_the_summary_is_403(app: App) -> None:
    headers = await token_for(app, await member(app))  # the default permissions: chat and sharing, no reports
    summary = await app.http.get(f'{ADMIN}/reports/summary', params={'from': '2026-11-01', 'to': '2026-11-30'},
                                 headers=headers)
    assert refused(summary, 403, 'forbidden')


async def test_w2_assigning_to_staff_without_the_chat_permission_is_422(app: App) -> None:
    headers = await token_for(app, await member(app))
    no_chat = await member(app, 'reports@example.com', permissions=[Permission.SEE_REPORTS])
    cid = await conversation(app)
    for staff_id in (no_chat.id, 999_999):
        answer = await app.http.post(f'{ADMIN}/conversations/{cid}/assignee', json={'staff_id': staff_id},
                                     headers=headers)
        assert refused(answer, 422, 'assignee_without_permission'), answer.text
    assert (await app.http.get(f'{ADMIN}/conversations/{cid}', headers=headers)).json()['assignee'] is None


async def test_w2_cursor_paging_returns_every_conversation_once_newest_first(app: App) -> None:
    headers = await token_for(app, await member(app))
    made = [await conversation(app, f'shopper{n}@example.com', f'Question {n}') for n in range(7)]
    seen: list[int] = []
    cursor = None
    for _page in range(5):
        params: dict[str, object] = {'limit': 3, **({'before': cursor} if cursor else {})}
        page = (await app.http.get(f'{ADMIN}/conversations', params=params, headers=headers)).json()
        seen += [c['id'] for c in page['conversations']]
        cursor = page['next']
        if cursor is None:
            break
    assert seen == list(reversed(made))


async def test_w2_each_token_is_rate_limited_on_its_own(app: App) -> None:
    app.runtime.limits.staff_api = SlidingWindowLimiter(2, 60.0)
    ana = await member(app)
    first, second = await token_for(app, ana), await token_for(app, ana)
    url = f'{ADMIN}/conversations'
    assert [(await app.http.get(url, headers=first)).status_code for _ in range(2)] == [200, 200]
    limited = await app.http.get(url, headers=first)
    assert refused(limited, 429, 'rate_limited') and int(limited.headers['Retry-After']) >= 1
    assert (await app.http.get(url, headers=second)).status_code == 200


async def test_w2_every_staff_route_is_described_in_the_openapi_document(app: App) -> None:
    doc = (await app.http.get('/api/v1/openapi.json')).json()
    routes = [(path, method, operation) for path, item in doc['paths'].items() if path.startswith(ADMIN)
              for method, operation in item.items()]
    assert len(routes) == 10
    for path, method, operation in routes:
        assert operation['summary'] and operation['description'], (path, method)
        assert operation['security'] == [{'personal_api_token': []}], (path, method)
        assert {'401', '403', '422'} <= set(operation['responses']), (path, method)
