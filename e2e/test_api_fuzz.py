"""The public API fuzzed from its own OpenAPI document (schemathesis) against the real server process: no input may
give a server error, and every answer must be one the document lists for its route (issue 16).

Each operation is its own test; the cases come from schemathesis' hypothesis strategies (its `@schema.parametrize`
integration does not run under pytest 9 here: "'Function' object has no attribute '_nodeid'")."""
from __future__ import annotations

import json
import subprocess
import sys
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis import Case
from schemathesis.checks import positive_data_acceptance
from schemathesis.specs.openapi.schemas import OpenApiSchema

from e2e.conftest import MailSink, running_server

OPERATIONS = ['POST /api/v1/chat/sessions', 'POST /api/v1/chat/messages', 'GET /api/v1/chat/messages',
              'POST /api/v1/chat/presence', 'GET /api/v1/storefront/products', 'GET /api/v1/storefront/cart',
              'POST /api/v1/storefront/cart/events', 'POST /api/v1/storefront/cart/discount',
              'POST /api/v1/storefront/checkout', 'POST /api/v1/inbound/email', 'POST /api/v1/chat/verify',
              'POST /api/v1/chat/verify/confirm', 'POST /api/v1/chat/typing',
              'POST /api/v1/chat/instant-answers/{answer_id}', 'GET /api/v1/chat/config', 'POST /api/v1/chat/rating']
STAFF_OPERATIONS = ['GET /api/v1/admin/conversations', 'GET /api/v1/admin/conversations/{conversation_id}',
                    'GET /api/v1/admin/conversations/{conversation_id}/messages',
                    'POST /api/v1/admin/conversations/{conversation_id}/messages',
                    'POST /api/v1/admin/conversations/{conversation_id}/status',
                    'POST /api/v1/admin/conversations/{conversation_id}/assignee',
                    'POST /api/v1/admin/conversations/{conversation_id}/products',
                    'POST /api/v1/admin/conversations/{conversation_id}/discount',
                    'GET /api/v1/admin/customers/{customer_id}', 'GET /api/v1/admin/reports/summary']
STAFF_EXAMPLES = 15  # per staff operation: ten of them (150 calls) stay below a token's 300 requests a minute


@schemathesis.serializer('message/rfc822')
def raw_mail(_context: object, value: object) -> bytes:
    """Inbound mail is sent as the raw bytes of a message: whatever was generated, as text."""
    return value if isinstance(value, bytes) else str(value).encode('utf-8', 'surrogatepass')


@pytest.fixture(scope='module')
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp('fuzz-data')


@pytest.fixture(scope='module')
def server(data_dir: Path, mail_sink: MailSink) -> Iterator[str]:
    """A server of its own: the fuzzer opens sessions and sends messages past every rate limit of its address, which
    the shared server's journeys (all from 127.0.0.1) would then meet."""
    with running_server(data_dir, mail_sink) as base:
        yield base


@pytest.fixture(scope='module')
def staff_token(server: str, data_dir: Path) -> str:
    """A personal API token of an owner (every permission), so the fuzzer gets past 401 and 403 on the staff API."""
    def cli(*args: str) -> str:
        return subprocess.run([sys.executable, '-m', 'app.cli', *args, '--data-dir', str(data_dir)], check=True,
                              capture_output=True, text=True, timeout=120).stdout
    cli('create-staff', '--email', 'fuzz-owner@example.com', '--password', 'fuzz owner password', '--name', 'Fuzz',
        '--owner')
    return cli('api-token', 'create', '--staff', 'fuzz-owner@example.com', '--name', 'fuzzer').strip()


@pytest.fixture(scope='module')
def api_schema(server: str) -> OpenApiSchema:
    return schemathesis.openapi.from_url(f'{server}/api/v1/openapi.json')


@pytest.fixture(scope='module')
def shopper_token(server: str) -> str:
    request = urllib.request.Request(f'{server}/api/v1/chat/sessions', method='POST',
                                     data=json.dumps({'email': 'fuzz@example.com'}).encode(),
                                     headers={'Content-Type': 'application/json'})
    with urllib.request.urlopen(request, timeout=10) as response:
        return str(json.load(response)['session_token'])


def test_every_route_of_the_document_is_fuzzed(api_schema: OpenApiSchema) -> None:
    found = {f'{result.ok().method.upper()} {result.ok().full_path}' for result in api_schema.get_all_operations()}
    # the socket is a WebSocket upgrade: tested in tests/
    assert found == {*OPERATIONS, *STAFF_OPERATIONS, 'GET /api/v1/chat/ws'}


@pytest.mark.parametrize('label', OPERATIONS)
def test_no_input_gives_a_server_error_or_an_undocumented_answer(api_schema: OpenApiSchema, shopper_token: str,
                                                                  label: str) -> None:
    method, path = label.split(' ', 1)
    operation = api_schema[path][method]

    @given(case=operation.as_strategy())
    @settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck), database=None)
    def fuzz(case: Case) -> None:
        # Every check but "a schema-valid request is accepted": the document gives each field's shape, while rules
        # such as a real e-mail address, a known discount code or a body that is not only spaces are answered 422.
        case.call_and_validate(headers={'Authorization': f'Bearer {shopper_token}', **(case.headers or {})},
                               excluded_checks=[positive_data_acceptance])

    fuzz()


@pytest.mark.parametrize('label', STAFF_OPERATIONS)
def test_no_staff_api_input_gives_a_server_error_or_an_undocumented_answer(
        api_schema: OpenApiSchema, staff_token: str, label: str) -> None:
    method, path = label.split(' ', 1)
    operation = api_schema[path][method]
    statuses: list[int] = []

    @given(case=operation.as_strategy())
    @settings(max_examples=STAFF_EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck), database=None)
    def fuzz(case: Case) -> None:
        response = case.call_and_validate(headers={**(case.headers or {}), 'Authorization': f'Bearer {staff_token}'},
                                          excluded_checks=[positive_data_acceptance])
        statuses.append(response.status_code)

    fuzz()
    assert any(status != 401 for status in statuses)  # the token let the cases in
