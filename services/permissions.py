"""What a staff member may do (U1), as data: each permission a word in `staff.permissions`.

The owner has every permission whatever the column says, so the store can never be left without someone who may
manage staff. Every service that changes something checks here (`require`); the UI asks `has` only to hide what a
person may not do.
"""
from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum

from db.models import Staff
from services.errors import PermissionDenied
from services.i18n import N_, _


class Permission(StrEnum):
    REPLY = 'reply'  # see the inbox and answer shoppers (the seeds' "online-store chat permission")
    SHARE_PRODUCTS = 'share_products'
    SHARE_DISCOUNTS = 'share_discounts'
    MANAGE_REPLIES = 'manage_replies'  # saved replies, availability and instant answers
    SEE_REPORTS = 'see_reports'
    MANAGE_STAFF = 'manage_staff'  # staff, store settings, privacy requests


ALL: frozenset[Permission] = frozenset(Permission)
# A new staff member (and everyone who could chat before permissions were data, migration 0011) gets these.
DEFAULT: frozenset[Permission] = frozenset({Permission.REPLY, Permission.SHARE_PRODUCTS, Permission.SHARE_DISCOUNTS})

LABELS: dict[Permission, str] = {
    Permission.REPLY: N_('Inbox and reply'),
    Permission.SHARE_PRODUCTS: N_('Share products'),
    Permission.SHARE_DISCOUNTS: N_('Share discount codes'),
    Permission.MANAGE_REPLIES: N_('Manage saved replies and availability'),
    Permission.SEE_REPORTS: N_('See reports'),
    Permission.MANAGE_STAFF: N_('Manage staff'),
}
_REFUSALS: dict[Permission, str] = {
    Permission.REPLY: N_('You do not have the online-store chat permission.'),
    Permission.SHARE_PRODUCTS: N_('You do not have the permission to share products.'),
    Permission.SHARE_DISCOUNTS: N_('You do not have the permission to share discount codes.'),
    Permission.MANAGE_REPLIES: N_('You do not have the permission to manage saved replies and availability.'),
    Permission.SEE_REPORTS: N_('You do not have the permission to see reports.'),
    Permission.MANAGE_STAFF: N_('You do not have the permission to manage staff.'),
}


def parse(stored: str) -> frozenset[Permission]:
    """The column's words; a word this version does not know (written by a newer one) is ignored."""
    known = {permission.value for permission in Permission}
    return frozenset(Permission(word) for word in stored.split() if word in known)


def serialize(permissions: Iterable[Permission | str]) -> str:
    return ' '.join(sorted({Permission(permission).value for permission in permissions}))


def granted(staff: Staff) -> frozenset[Permission]:
    return ALL if staff.is_owner else parse(staff.permissions)


def has(staff: Staff | None, permission: Permission) -> bool:
    return staff is not None and staff.active and permission in granted(staff)


def require(staff: Staff | None, permission: Permission) -> Staff:
    """The signed-in, active staff member when they hold `permission`; else PermissionDenied (403) saying which."""
    if staff is None or not has(staff, permission):
        raise PermissionDenied(_(_REFUSALS[permission]))
    return staff


def require_owner(staff: Staff | None, refused: str) -> Staff:
    """The signed-in, active store owner; else PermissionDenied (403) with `refused`, the sentence saying what only
    the owner may do (for what no permission grants, such as the mail settings)."""
    if staff is None or not staff.active or not staff.is_owner:
        raise PermissionDenied(refused)
    return staff


def refusal(permission: Permission) -> str:
    """The sentence the UI shows when someone asks why an action is not offered to them."""
    return _(_REFUSALS[permission])
