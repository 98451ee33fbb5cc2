"""Dates, times and money written the way the current language writes them (Babel's CLDR data).

English keeps the inbox's neutral style: 24-hour times, "3 Nov 2025" and "55.00 EUR" (British English dates,
ISO currency code), so the English UI reads as before.
"""
from __future__ import annotations

from datetime import datetime
from decimal import Decimal, InvalidOperation

from babel.dates import format_skeleton, format_time
from babel.numbers import format_currency, format_decimal, format_percent

from services.i18n import current_language

BABEL_LOCALES = {'en': 'en_GB', 'da': 'da_DK', 'de': 'de_DE', 'fi': 'fi_FI', 'nl': 'nl_NL', 'it': 'it_IT'}
ENGLISH_MONEY = '#,##0.00 ¤¤'


def babel_locale(lang: str | None = None) -> str:
    return BABEL_LOCALES.get(lang or current_language(), 'en_GB')


def money(amount: object, currency: str, *, lang: str | None = None) -> str:
    """12.5, 'EUR' -> '12.50 EUR' (en), '12,50 €' (de, fi, it, da), '€ 12,50' (nl)."""
    try:
        value = Decimal(str(amount))
    except (InvalidOperation, ValueError):
        return f'{amount} {currency}'.strip()
    if not value.is_finite() or not currency:
        return f'{amount} {currency}'.strip()
    language = lang or current_language()
    locale = babel_locale(language)
    if language == 'en':
        return format_currency(value, currency, format=ENGLISH_MONEY, locale=locale, currency_digits=True)
    return format_currency(value, currency, locale=locale)


def one_decimal(value: float, *, lang: str | None = None) -> str:
    """3.5 -> '3.5' (en), '3,5' (de, da, fi, nl, it); always one digit after the separator."""
    return format_decimal(value, format='#,##0.0', locale=babel_locale(lang))


def percent(share: float, *, lang: str | None = None) -> str:
    """0.8 -> '80%' (en), '80 %' (de, da, fi)."""
    return format_percent(share, locale=babel_locale(lang))


def time_of_day(moment: datetime, *, lang: str | None = None) -> str:
    """14:05, or 14.05 where the language writes it so (da, fi)."""
    return format_time(moment, 'short', locale=babel_locale(lang))


def weekday_time(moment: datetime, *, lang: str | None = None) -> str:
    """'Mon 14:05', 'ma 14.05', 'Mo., 14:05'."""
    return format_skeleton('EHm', moment, locale=babel_locale(lang))


def day_month(moment: datetime, *, lang: str | None = None) -> str:
    """'3 Nov', '3. nov.', '3.11.'."""
    return format_skeleton('MMMd', moment, locale=babel_locale(lang))


def day_month_year(moment: datetime, *, lang: str | None = None) -> str:
    """'3 Nov 2025', '3. Nov. 2025', '3.11.2025'."""
    return format_skeleton('yMMMd', moment, locale=babel_locale(lang))


def date_and_time(moment: datetime, *, lang: str | None = None) -> str:
    """'3 Nov 2025 · 14:05'."""
    return f'{day_month_year(moment, lang=lang)} · {time_of_day(moment, lang=lang)}'
