"""Check that a webhook came from your inbox (README, "Integrations"). Standard library only."""
import hashlib
import hmac
import time


def verify(secret: str, signature_header: str, body: bytes, tolerance: int = 300) -> bool:
    """True when `Inbox-Signature` is the HMAC of this exact body made with your secret in the last 5 minutes."""
    parts = dict(item.split('=', 1) for item in signature_header.split(',') if '=' in item)
    timestamp, received = parts.get('t', ''), parts.get('v1', '')
    if not timestamp.isdigit() or abs(time.time() - int(timestamp)) > tolerance:
        return False
    expected = hmac.new(secret.encode(), f'{timestamp}.'.encode() + body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, received)
