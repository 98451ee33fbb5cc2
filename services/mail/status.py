"""What the owner's settings page shows about mail, and its "Send test e-mail" action."""
from __future__ import annotations

from db.models import Staff
from services.i18n import _
from services.mail.compose import compose_test_message
from services.mail.config import MailConfig, reply_address
from services.mail.transport import MailTransport
from services.permissions import require_owner


def mail_settings_rows(mail: MailConfig) -> list[tuple[str, str]]:
    """The effective settings as (label, value) rows. The SMTP password is never among them."""
    tls = {'none': _('none'), 'starttls': 'STARTTLS', 'tls': 'TLS'}.get(mail.smtp_tls, mail.smtp_tls)
    return [
        (_('Outgoing mail server'), f'{mail.smtp_host}:{mail.smtp_port}' if mail.smtp_host else _('none')),
        (_('Encryption'), tls if mail.smtp_host else '—'),
        (_('Login'), mail.smtp_username or _('none')),
        (_('Password'), (_('set') if mail.smtp_password else _('not set')) if mail.smtp_username else '—'),
        (_('From'), mail.mail_from),
        (_('Reply address'), reply_address(reply_token='<token>', domain=mail.reply_domain)),
        (_('Attempts before giving up'), str(mail.max_attempts)),
        (_('Mail folder (when no server is set)'), str(mail.mail_dir)),
        (_('Built-in SMTP receiver'), str(mail.smtp_inbound_port) if mail.smtp_inbound_port else _('off')),
        (_('Inbound e-mail API'), _('on') if mail.inbound_secret else _('off (no INBOX_INBOUND_SECRET)')),
    ]


def require_mail_owner(staff: Staff | None) -> Staff:
    """Only the store owner sees and acts on the mail settings (PermissionDenied for anyone else)."""
    return require_owner(staff, _('Only the store owner can change or test the mail settings.'))


async def send_test_email(*, actor: Staff | None, transport: MailTransport, mail: MailConfig, store_name: str,
                          to_address: str) -> str:
    """Send a test mail through the configured transport (the owner only); the server's answer, or MailError with
    the real error."""
    require_mail_owner(actor)
    return await transport.send(compose_test_message(mail=mail, store_name=store_name, to_address=to_address))
