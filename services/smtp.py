"""Handing an email to the configured SMTP server (smtplib), with TLS whenever the server offers it.

smtp://host:port     STARTTLS when the server offers it; without it, in the clear only when the URL has
                     no password (a local relay, a development sink such as Mailpit). A password is
                     never sent in the clear: that is an error the outbox shows.
  ?starttls=required STARTTLS or nothing.
  ?starttls=off      never STARTTLS (a relay on a private network that the operator vouches for).
smtps://host:port    TLS from the first byte (port 465).
"""
from dataclasses import dataclass
from enum import Enum
from urllib.parse import parse_qs, unquote, urlsplit
import smtplib
import ssl

TIMEOUT = 20


class Security(Enum):
    TLS = 'tls'              # smtps://
    STARTTLS_IF_OFFERED = 'auto'
    STARTTLS_REQUIRED = 'required'
    PLAIN = 'off'


@dataclass(frozen=True)
class SmtpServer:
    host: str
    port: int
    security: Security
    user: str | None = None
    password: str | None = None

    @classmethod
    def from_url(cls, url: str) -> 'SmtpServer':
        """smtp://user:pass@host:port[?starttls=required|off] or smtps://user:pass@host:port; ValueError otherwise."""
        parts = urlsplit(url)
        if parts.scheme not in ('smtp', 'smtps') or not parts.hostname:
            raise ValueError('PARLEY_SMTP_URL must look like smtp://user:password@host:587 or smtps://host:465')
        starttls = parse_qs(parts.query).get('starttls', ['auto'])[0].lower()
        modes = {'auto': Security.STARTTLS_IF_OFFERED, 'on': Security.STARTTLS_IF_OFFERED,
                 'required': Security.STARTTLS_REQUIRED, 'off': Security.PLAIN, 'false': Security.PLAIN,
                 '0': Security.PLAIN}
        if starttls not in modes:
            raise ValueError(f'PARLEY_SMTP_URL: starttls={starttls} is not one of auto, required, off')
        security = Security.TLS if parts.scheme == 'smtps' else modes[starttls]
        return cls(host=parts.hostname, port=parts.port or (465 if parts.scheme == 'smtps' else 587),
                   security=security, user=unquote(parts.username) if parts.username else None,
                   password=unquote(parts.password or '') if parts.username else None)

    @property
    def address(self) -> str:
        return f'{self.host}:{self.port}'

    def send(self, sender: str, recipient: str, message: bytes) -> None:
        """Deliver one message; raises smtplib.SMTPException or OSError with what went wrong. Blocking."""
        context = ssl.create_default_context()
        client: smtplib.SMTP
        if self.security == Security.TLS:
            client = smtplib.SMTP_SSL(self.host, self.port, timeout=TIMEOUT, context=context)
        else:
            client = smtplib.SMTP(self.host, self.port, timeout=TIMEOUT)
        with client:
            client.ehlo()
            if self.security in (Security.STARTTLS_IF_OFFERED, Security.STARTTLS_REQUIRED):
                if client.has_extn('starttls'):
                    client.starttls(context=context)
                    client.ehlo()
                elif self.security == Security.STARTTLS_REQUIRED or self.user:
                    raise smtplib.SMTPNotSupportedError(self._no_starttls())
            if self.user:
                client.login(self.user, self.password or '')
            client.sendmail(sender, [recipient], message)

    def _no_starttls(self) -> str:
        if self.user:
            return (f'The mail server at {self.address} does not offer STARTTLS, so Parley will not send the '
                    'password in the clear. Use smtps:// or a server with STARTTLS (or, on a private network '
                    'you trust, add ?starttls=off to PARLEY_SMTP_URL).')
        return f'The mail server at {self.address} does not offer STARTTLS, which ?starttls=required asks for.'
