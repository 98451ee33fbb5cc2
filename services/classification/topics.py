"""Topic keys and display names for message classification (SPEC T2)."""

from __future__ import annotations

from services.i18n import N_

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

#: English display names (marked for extraction); show them with ``_(TOPIC_LABELS[key])``.
TOPIC_LABELS: dict[str, str] = {
    "checkout": N_("Checkout"),
    "edit_order": N_("Edit orders"),
    "order_status": N_("Order status"),
    "pricing_discounts": N_("Pricing/discounts"),
    "product_details": N_("Product details"),
    "product_interest": N_("Product interest"),
    "returns": N_("Returns/delivered orders"),
    "shipping": N_("Shipping"),
    "store_info": N_("Store info"),
    "wholesale": N_("Wholesale"),
}

#: The extra class for messages with no topic (greetings, thanks, chit-chat, gibberish).
NONE_TOPIC: str = "none"

#: Languages the training corpus covers (SPEC T4), one ``data/<lang>.jsonl`` each.
CORPUS_LANGUAGES: tuple[str, ...] = ("en", "da", "de", "fi", "nl", "it")
