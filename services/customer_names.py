"""How an erased customer (G1) is recognised and named: their row keeps an address nobody can have."""
from __future__ import annotations

from services.i18n import _

ERASED_DOMAIN = 'invalid'  # RFC 2606 reserves .invalid: no real address ends in it


def erased_email(customer_id: int) -> str:
    """Unique per customer, so the unique constraint on customer.email holds."""
    return f'erased-{customer_id}@{ERASED_DOMAIN}'


def is_erased(email: str) -> bool:
    return email.startswith('erased-') and email.endswith('@' + ERASED_DOMAIN)


def shown_name(name: str, email: str) -> str:
    """What staff see for a customer: "Erased customer" (in the viewer's language), else the name or e-mail."""
    if is_erased(email):
        return _('Erased customer')
    return name or email
