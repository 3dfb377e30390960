"""Settings: environment variables with the PARLEY_ prefix, mirrored by `python main.py --help`."""
import secrets
from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from services import i18n


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix='PARLEY_', extra='ignore')

    database_url: str = Field('sqlite:///data/parley.db', description='SQLAlchemy database URL.')
    host: str = Field('127.0.0.1', description='Address to listen on.')
    port: int = Field(8080, description='Port to listen on.')
    base_url: str | None = Field(None, description='Public address used in links; default http://HOST:PORT.')
    data_dir: Path = Field(Path('data'), description='Folder for the storage secret and session files.')
    storage_secret: str | None = Field(
        None, description='Signs session cookies; generated once and kept in DATA_DIR when unset.')
    smtp_url: str | None = Field(
        None, description='Outgoing mail server, smtp://user:pass@host:port (STARTTLS whenever the server offers '
                          'it; without it, in the clear only when there is no password; ?starttls=required or '
                          '?starttls=off) or smtps://...; when unset, email is kept in the outbox for admins to read.')
    mail_from: str = Field('support@parley.localhost', description='Address Parley sends email from.')
    team_name: str = Field('Parley Support', description='Name shown as the sender of email.')
    email_fallback_seconds: int = Field(
        60, ge=0, description='Email a customer the messages they have not seen on the live chat within this '
                              'many seconds (messages in the same window go out as one email).')
    reply_domain: str | None = Field(
        None, description='Domain of the reply+TOKEN@ addresses customers reply to; default: the MAIL_FROM domain.')
    reconnect_seconds: float = Field(
        30, gt=0, description='A page whose connection drops keeps its state this long; what was sent to it '
                              'meanwhile arrives when it reconnects.')
    chat_link_days: int = Field(30, ge=1, description='How long the "Continue in live chat" link in an email works.')
    widget_secret: str | None = Field(
        None, description='Shared secret for identity verification: the host site passes email and '
                          'HMAC-SHA256(email, secret) to the widget. Unset: only the pre-chat form and email links.')
    embed_origins: str = Field(
        '', description='Sites allowed to show the live chat in an iframe, space-separated '
                        '(https://www.example.com). Parley itself is always allowed.')
    inbound_smtp: str = Field(
        'off', description='Receive customer replies by SMTP on host:port (make run uses 127.0.0.1:2525); "off" '
                           'disables the listener. Point the MX of REPLY_DOMAIN (or a forward) at it.')
    inbound_secret: str | None = Field(
        None, description='Bearer secret for POST /api/inbound-email (raw message/rfc822 from a mail provider\'s '
                          'inbound webhook); unset: the endpoint is off.')
    inbound_max_bytes: int = Field(10 * 1024 * 1024, ge=1024, description='Largest inbound email accepted, in bytes.')
    max_upload_mb: int = Field(25, ge=1, le=2048, description='Largest attached file, in MB (refused before it is '
                                                              'read whole).')
    files_dir: Path | None = Field(None, description='Folder of attached files; default DATA_DIR/files (several '
                                                     'processes share one).')
    file_link_days: int = Field(7, ge=1, description='How long the links to files in an email work.')
    redis_url: str | None = Field(
        None, description='Several processes: redis://host:port/db for the event bus, presence, sessions and rate '
                          'limits (needs a PostgreSQL DATABASE_URL and the same STORAGE_SECRET in every process). '
                          'Unset: one process, all of it in memory.')
    trusted_proxies: str = Field(
        '', description='Addresses of the load balancers in front of Parley, comma-separated (127.0.0.1,10.0.0.5, '
                        'or * for any): only their X-Forwarded-For and X-Forwarded-Proto are believed.')
    pool_size: int = Field(10, ge=1, le=500, description='Database connections each process keeps open (and as '
                                                         'many again at busy moments); PostgreSQL only.')
    email_lease_seconds: int = Field(
        120, ge=5, description='Several processes: an email a process took to send and did not finish (it died) is '
                               'tried by another after this many seconds.')
    default_language: str = Field(
        'en', description='The team\'s language (en or pt_PT; pt-PT works too): emails to customers whose language is '
                          'not known yet, digests to agents who chose none, new visitors whose browser says nothing.')
    demo: bool = Field(False, description='Seed a demo workspace when the database is empty.')
    demo_password: str | None = Field(
        None, description='Password of the demo accounts; random and printed at start when unset.')

    @property
    def resolved_reply_domain(self) -> str:
        return self.reply_domain or self.mail_from.rsplit('@', 1)[-1]

    @property
    def public_url(self) -> str:
        return (self.base_url or f'http://{self.host}:{self.port}').rstrip('/')

    def check(self) -> None:
        """ValueError, saying what to change, for settings that cannot work together."""
        if i18n.normalize(self.default_language) is None:
            raise ValueError(f'PARLEY_DEFAULT_LANGUAGE must be one of {", ".join(i18n.LANGUAGES)}, not '
                             f'{self.default_language!r}.')
        if self.redis_url:
            if self.database_url.startswith('sqlite'):
                raise ValueError('PARLEY_REDIS_URL is for several processes, which share a PostgreSQL database: set '
                                 'PARLEY_DATABASE_URL=postgresql+psycopg://... (SQLite is for one process)')
            if not self.storage_secret:
                raise ValueError('with PARLEY_REDIS_URL (several processes) set PARLEY_STORAGE_SECRET, the same in '
                                 'every process: it signs the session cookies, and a process with a secret of its own '
                                 'would send every browser signed in elsewhere to the sign-in page')
            if not self.redis_url.startswith(('redis://', 'rediss://')):
                raise ValueError(f'PARLEY_REDIS_URL must start with redis:// or rediss://, not '
                                 f'{self.redis_url.split(":", 1)[0]!r}')

    def resolved_storage_secret(self) -> str:
        """The configured secret, else the one kept in the data folder (created on first use)."""
        if self.storage_secret:
            return self.storage_secret
        path = self.data_dir / 'storage_secret'
        if path.exists():
            return path.read_text().strip()
        self.data_dir.mkdir(parents=True, exist_ok=True)
        secret = secrets.token_urlsafe(32)
        path.write_text(secret)
        path.chmod(0o600)
        return secret
