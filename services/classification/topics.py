"""Topic keys and display names for message classification (SPEC T2)."""

from __future__ import annotations

TOPIC_KEYS: tuple[str, ...] = (
    "checkout",
    "edit_order",
    "order_status",
    "pricing_discounts",
    "product_details",
    "product_interest",
    "returns",
    "shipping",
    "store_info",
    "wholesale",
)

TOPIC_LABELS: dict[str, str] = {
    "checkout": "Checkout",
    "edit_order": "Edit orders",
    "order_status": "Order status",
    "pricing_discounts": "Pricing/discounts",
    "product_details": "Product details",
    "product_interest": "Product interest",
    "returns": "Returns/delivered orders",
    "shipping": "Shipping",
    "store_info": "Store info",
    "wholesale": "Wholesale",
}

#: The extra class for messages with no topic (greetings, thanks, chit-chat, gibberish).
NONE_TOPIC: str = "none"

#: Languages the training corpus covers (SPEC T4), one ``data/<lang>.jsonl`` each.
CORPUS_LANGUAGES: tuple[str, ...] = ("en", "da", "de", "fi", "nl", "it")
