"""Wires the services together. main.py builds one Parley per process; tests build their own."""
from dataclasses import dataclass
from datetime import timedelta
import asyncio

from limits.storage import RedisStorage, Storage
from sqlalchemy import text

from services.auth import AuthService
from services import i18n
from services.config import Settings
from services.conversations import ConversationService
from services import migrate
from services.db import Database
from services.files import FolderStore
from services.deliveries import Deliveries
from services.attachments import AttachmentService
from services.audit import AuditService
from services.customers import CustomerRecords
from services.directory import DirectoryService
from services.edits import MessageEdits
from services.events import EventBus, LocalEventBus, RedisEventBus
from services.inbound import InboundService
from services.inbound_smtp import InboundListener, parse_address
from services.items import ItemService
from services.handoff import HandoffService
from services.lifecycle import LifecycleService
from services.livechat import LiveChatService
from services.tokens import ChatTokens
from services.mail import MailService
from services.notifications import NotificationService
from services.presence import Presence, RedisPresence
from services.redislink import RedisLink
from services.replies import SavedReplyService
from services.search import SearchService
from services.worker import run_periodically


@dataclass
class Parley:
    settings: Settings
    db: Database
    bus: EventBus
    presence: Presence
    directory: DirectoryService
    auth: AuthService
    conversations: ConversationService
    mail: MailService
    chat: LiveChatService
    deliveries: Deliveries
    inbound: InboundService
    notifications: NotificationService
    items: ItemService
    lifecycle: LifecycleService
    handoff: HandoffService
    search: SearchService
    audit: AuditService
    customers: CustomerRecords
    files: AttachmentService
    replies: SavedReplyService
    edits: MessageEdits
    listener: InboundListener | None = None   # the inbound SMTP listener, when PARLEY_INBOUND_SMTP is set
    redis: RedisLink | None = None   # several processes (PARLEY_REDIS_URL)

    async def run_background(self) -> None:
        """Snoozes that end, email fallback, agents' digests, then the outbox, every second, until cancelled; with
        Redis also other processes' events and this process's presence heartbeat."""
        work = [run_periodically([self.lifecycle.wake_due, self.deliveries.send_due,
                                  self.notifications.send_due_digests, self.mail.send_due,
                                  self.files.sweep_now_and_then], interval=1.0)]
        if isinstance(self.bus, RedisEventBus):
            work.append(self.bus.listen())
        if isinstance(self.presence, RedisPresence):
            work.append(run_periodically([self.presence.heartbeat], interval=self.presence.ttl / 4))
        await asyncio.gather(*work)

    def health(self) -> dict[str, bool]:
        """Whether the database (and Redis, when set) answer now: for the load balancer's check. Blocking."""
        checks = {'database': False}
        try:
            with self.db.engine.connect() as connection:
                checks['database'] = connection.execute(text('SELECT 1')).scalar() == 1
        except Exception:   # any failure to answer is "not healthy"; the check says which part
            pass
        if self.redis is not None:
            checks['redis'] = self.redis.ping()
        return checks

    def start_listener(self) -> None:
        """Start receiving email by SMTP, if configured (raises OSError when the port is taken)."""
        address = parse_address(self.settings.inbound_smtp)
        if address is not None and self.listener is None:
            self.listener = InboundListener(self.inbound, *address)
            self.listener.start()

    def close(self) -> None:
        if self.listener is not None:
            self.listener.stop()
            self.listener = None
        if self.redis is not None:
            self.redis.close()
        self.db.dispose()


def build_parley(settings: Settings) -> Parley:
    """Open the database (creating or upgrading its tables: services.migrate) and wire every service to it; with
    PARLEY_REDIS_URL the bus, presence and rate limits are shared with the other processes through Redis."""
    settings.check()
    i18n.set_default(settings.default_language)
    db = Database(settings.database_url, pool_size=settings.pool_size)
    migrate.upgrade(db)
    link = RedisLink(settings.redis_url) if settings.redis_url else None
    bus: EventBus = RedisEventBus(link) if link else LocalEventBus()
    presence = RedisPresence(link) if link else Presence()
    if isinstance(bus, RedisEventBus) and isinstance(presence, RedisPresence):
        bus.on_catch_up.append(presence.heartbeat)   # Redis came back, maybe empty: this process's pages at once
    limits: Storage | None = RedisStorage(settings.redis_url) if settings.redis_url else None
    directory = DirectoryService(db, bus)
    mail = MailService(db, smtp_url=settings.smtp_url, mail_from=settings.mail_from, team_name=settings.team_name,
                       lease=timedelta(seconds=settings.email_lease_seconds))
    notifications = NotificationService(db, bus, mail, public_url=settings.public_url)
    conversations = ConversationService(db, bus, presence)
    tokens = ChatTokens(settings.resolved_storage_secret())
    files = AttachmentService(db, FolderStore(settings.files_dir or settings.data_dir / 'files'), tokens,
                              max_bytes=settings.max_upload_mb * 1024 * 1024, public_url=settings.public_url,
                              link_lifetime=timedelta(days=settings.file_link_days))
    chat = LiveChatService(conversations, directory, presence, tokens,
                           public_url=settings.public_url, link_lifetime=timedelta(days=settings.chat_link_days),
                           widget_secret=settings.widget_secret, limits=limits)
    deliveries = Deliveries(db, bus, mail, presence, chat_link=chat.link, team_name=settings.team_name,
                            reply_domain=settings.resolved_reply_domain, file_link=files.email_link,
                            window=timedelta(seconds=settings.email_fallback_seconds))
    # What follows a write, in its transaction (services.hooks): deliveries first (the notices read their outcome).
    deliveries.register(db.hooks)
    notifications.register(db.hooks)
    items = ItemService(db)
    parse_address(settings.inbound_smtp)  # a malformed address stops the start with its message
    return Parley(settings=settings, db=db, bus=bus, presence=presence, directory=directory,
                  auth=AuthService(db, directory, limits=limits), conversations=conversations, mail=mail, chat=chat,
                  deliveries=deliveries,
                  inbound=InboundService(db, conversations, directory, mail, items, files,
                                         max_bytes=settings.inbound_max_bytes, limits=limits),
                  notifications=notifications, items=items, lifecycle=LifecycleService(db, bus),
                  handoff=HandoffService(db, bus, items), search=SearchService(db, conversations),
                  audit=AuditService(db), customers=CustomerRecords(db, bus), files=files,
                  replies=SavedReplyService(db), edits=MessageEdits(db, bus, conversations), redis=link)
