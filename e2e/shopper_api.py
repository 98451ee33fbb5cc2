"""A shopper talking to the public API directly (for journeys where the shopper's browser is not the point)."""
from __future__ import annotations

import json
import urllib.request
import uuid


class ApiShopper:
    def __init__(self, base_url: str, email: str, name: str) -> None:
        self.base_url = base_url
        created = self._call('POST', '/api/v1/chat/sessions', {'email': email, 'name': name})
        self.token = created['session_token']
        self.conversation_id = created['conversation_id']

    def _call(self, method: str, path: str, body: dict | None = None) -> dict:
        headers = {'Content-Type': 'application/json'}
        if getattr(self, 'token', None):
            headers['Authorization'] = f'Bearer {self.token}'
        request = urllib.request.Request(self.base_url + path, method=method, headers=headers,
                                         data=json.dumps(body).encode() if body is not None else None)
        with urllib.request.urlopen(request, timeout=10) as response:
            text = response.read().decode()
            return json.loads(text) if text else {}

    def say(self, body: str) -> dict:
        return self._call('POST', '/api/v1/chat/messages', {'body': body, 'client_msg_id': uuid.uuid4().hex})
