"""Notifications: each agent is told about what concerns them once, on the channels they chose.

ConversationService calls `message_posted` inside the transaction that stores a message, so a
notification exists exactly when its message does (one per message and agent: a unique key). A
teammate's plain new messages are one notice per conversation until it is read or emailed: each one
updates it (latest preview, one more in its count) instead of adding a row.
After the commit each recipient gets a `NotificationCreated` event; their open pages update the
bell, and only the tab they focused last plays the pop-up, sound and desktop notice. Reading a
conversation reads its notifications. Email is a digest: notifications still unread when their
delay has passed go out together in one email per agent, decided from the rows (like the
customer email fallback), so a restart neither loses nor repeats one.
"""
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
import functools
import json
import re

from sqlalchemy import literal_column, text, true, update
from sqlmodel import col, func, select

from models import (Channel, Conversation, ItemKind, MessageVia, Notification, NotificationKind, NotificationSettings,
                    User, UserKind)
from models.notifications import MESSAGES_OPEN
from models._types import utcnow
from services.i18n import N_, deferred, ngettext, number, shown, using
from services.access import acting, is_id, own_notification, require_agent
from services.db import Database, Hooks, Transaction
from services.emails import render
from services.errors import InvalidInput
from services.events import EventBus, NotificationCreated, NotificationsRead
from services.hooks import (ConversationAssigned, ConversationOpened, Facts, ItemAssigned, MessageDeleted,
                            MessageStored, ParticipantRemoved, ParticipantsAdded, SnoozeEnded)
from services.richtext import to_text
from services.threadlines import agent_ids
from services.mail import MailService
from services.views import DELETED_PREVIEW, NOTE_PREFIX, MessageView, UserView, files_line, preview_shown

K, C = NotificationKind, Channel
KINDS = tuple(NotificationKind)
CHANNELS = tuple(Channel)
# What each event and channel means, in the words the settings page uses.
KIND_TEXT = {
    K.ADDED: (N_('Added to a conversation'), N_('Someone starts a conversation with you.')),
    K.MESSAGE: (N_('New message'), N_('A teammate writes in a conversation you take part in.')),
    K.CUSTOMER_REPLY: (N_('Customer reply'), N_('A customer answers, from the live chat or by email.')),
    K.MENTION: (N_('Mention of you'), N_('Someone writes @ and your name. Always shown in the bell.')),
    K.UNASSIGNED: (N_('New live chat'), N_('A visitor starts a chat that no agent has answered yet.')),
    K.ASSIGNED: (N_('Assigned to you'), N_('A teammate assigns a ticket, a task or a customer conversation to you.')),
    K.SNOOZE_ENDED: (N_('Snooze ended'), N_('A snoozed conversation you take part in is open again.')),
}
CHANNEL_TEXT = {
    C.IN_APP: (N_('In-app'), N_('The bell in the header counts it and lists it.')),
    C.POPUP: (N_('Pop-up'), N_('A short message in the corner while Parley is open.')),
    C.SOUND: (N_('Sound'), N_('A short chime while Parley is open.')),
    C.DESKTOP: (N_('Desktop'), N_('A notice from your browser, even when Parley is in the background.')),
    C.EMAIL: (N_('Email'), N_('An email digest, only for what you have not seen by then.')),
}
DEFAULTS = {
    K.ADDED: {C.IN_APP, C.POPUP, C.EMAIL},
    K.MESSAGE: {C.IN_APP},
    K.CUSTOMER_REPLY: {C.IN_APP, C.POPUP, C.SOUND, C.EMAIL},
    K.MENTION: {C.IN_APP, C.POPUP, C.SOUND, C.EMAIL},
    K.UNASSIGNED: {C.IN_APP, C.POPUP, C.SOUND},
    K.ASSIGNED: {C.IN_APP, C.POPUP, C.EMAIL},
    K.SNOOZE_ENDED: {C.IN_APP, C.POPUP},
}
ALWAYS = {K.MENTION: {C.IN_APP}}   # a mention always reaches the bell
# The most specific event wins when one message is several things to an agent.
PRECEDENCE = (K.MENTION, K.CUSTOMER_REPLY, K.UNASSIGNED, K.ADDED, K.MESSAGE)
EMAIL_DELAYS = (1, 5, 15, 30, 60)
DEFAULT_DELAY = 5
PREVIEW = 140
# An agent to tell about a message: id, name, and their settings row (None: the defaults).
Recipient = tuple[int, str, NotificationSettings | None]
BELL_SIZE = 30
_COLUMNS = ('user_id', 'key', 'kind', 'conversation_id', 'message_id', 'actor_id', 'title', 'preview', 'link',
            'channels', 'count', 'created_at', 'read_at', 'email_due_at', 'emailed_at')


@dataclass(frozen=True)
class NotificationView:
    id: int
    kind: NotificationKind
    conversation_id: int | None
    title: str
    preview: str
    created_at: datetime
    read: bool
    link: str          # where it leads: the conversation, or the ticket or task
    key: str = ''      # what it is about, unique per agent (e.g. "message:42")
    count: int = 1     # new messages it stands for: a conversation's unread messages are one notice


@dataclass(frozen=True)
class SettingsView:
    grid: dict[NotificationKind, frozenset[Channel]]   # kind -> channels that are on
    email_delay_minutes: int

    def is_on(self, kind: NotificationKind, channel: Channel) -> bool:
        return channel in self.grid[kind]


class NotificationService:
    def __init__(self, db: Database, bus: EventBus, mail: MailService, *, public_url: str,
                 clock: Callable[[], datetime] = utcnow) -> None:
        self.db, self.bus, self.mail = db, bus, mail
        self.public_url = public_url.rstrip('/')
        self.clock = clock
        # New notices in one statement; a new message where the agent has an unread "new messages" notice for the
        # conversation updates that one (latest message, one more in its count) instead of adding a row.
        self._insert = db.prepare(db.insert_or_update(
            Notification, keys=['user_id', 'conversation_id'], where=text(MESSAGES_OPEN),
            update=lambda new: dict(count=Notification.count + literal_column('1'), message_id=new.message_id,
                                    actor_id=new.actor_id, title=new.title, preview=new.preview,
                                    created_at=new.created_at)), _COLUMNS)

    # ----- settings ---------------------------------------------------------------------------

    @acting
    def settings(self, actor: UserView) -> SettingsView:
        with self.db.session() as session:
            return _settings(session.get(NotificationSettings, actor.id))

    @acting
    def set_channel(self, actor: UserView, kind: NotificationKind, channel: Channel, on: bool) -> SettingsView:
        """Turn one event's channel on or off; saved at once."""
        require_agent(actor, InvalidInput('Only agents have notification settings.'))
        if kind not in KINDS or channel not in CHANNELS:
            raise InvalidInput('Unknown notification setting.')
        if not on and channel in ALWAYS.get(kind, ()):
            raise InvalidInput('Mentions always show in the bell, so nothing that needs you gets lost.')
        with self.db.transaction() as tx:
            row = tx.session.get(NotificationSettings, actor.id) or NotificationSettings(user_id=actor.id)
            grid = {k: set(v) for k, v in _settings(row).grid.items()}
            (grid[kind].add if on else grid[kind].discard)(channel)
            row.grid = json.dumps({k: sorted(v) for k, v in grid.items()})
            tx.session.add(row)
            return _settings(row)

    @acting
    def set_email_delay(self, actor: UserView, minutes: int) -> SettingsView:
        require_agent(actor, InvalidInput('Only agents have notification settings.'))
        if minutes not in EMAIL_DELAYS:
            raise InvalidInput('Pick one of the offered delays.')
        with self.db.transaction() as tx:
            row = tx.session.get(NotificationSettings, actor.id) or NotificationSettings(user_id=actor.id)
            row.email_delay_minutes = minutes
            tx.session.add(row)
            return _settings(row)

    # ----- creating (handlers of domain events, inside the transaction of what happened) --------

    def message_deleted(self, tx: Transaction, event: MessageDeleted) -> None:
        """A deleted message's notices stop quoting it."""
        tx.session.exec(update(Notification).where(col(Notification.message_id) == event.message_id)
                        .values(preview=DELETED_PREVIEW))

    def register(self, hooks: Hooks) -> None:
        """Notices follow a stored message (and the author has read the conversation; an answered unassigned
        chat is nobody else's any more), an opened conversation, an assignment."""
        hooks.on(MessageStored, self.message_stored)
        hooks.on(MessageStored, self.read_on_arrival)
        hooks.on(MessageStored, self.hand_off)
        hooks.on(ConversationOpened, self.conversation_opened)
        hooks.on(ItemAssigned, self.item_assigned)
        hooks.on(SnoozeEnded, self.snooze_ended)
        hooks.on(ParticipantsAdded, self.participants_added)
        hooks.on(ConversationAssigned, self.conversation_assigned)
        hooks.on(MessageDeleted, self.message_deleted)
        hooks.on(ParticipantRemoved, lambda tx, event: self.conversation_read(tx, event.person.id,
                                                                              event.conversation_id))

    def message_stored(self, tx: Transaction, event: MessageStored) -> None:
        """The agents of the conversation are told; of a new live chat, every agent (who may take it)."""
        if event.started and event.conversation.unassigned:
            told = self.recipients(tx.session, event.everyone)
        else:
            told = [(m.user_id, m.name, m.settings) for m in event.members.values()
                    if m.kind == UserKind.AGENT and m.active]
        self.message_posted(tx, event.conversation, event.message, event.author, told, started=event.started,
                            seen=event.viewing)

    def read_on_arrival(self, tx: Transaction, event: MessageStored) -> None:
        """Writing in a conversation means having seen it (only unread messages can have unread notices)."""
        author = event.author
        if author.kind == UserKind.AGENT and (event.joined or event.members[author.id].unread):
            self.conversation_read(tx, author.id, event.conversation.id)

    def hand_off(self, tx: Transaction, event: MessageStored) -> None:
        """An agent answered an unassigned conversation: nobody else needs the "new live chat" notice."""
        if event.conversation.unassigned and event.joined:
            self.conversation_taken(tx, event.conversation.id)

    def conversation_opened(self, tx: Transaction, event: ConversationOpened) -> None:
        """An agent opened the conversation: its notices are read (only unread messages can have unread ones)."""
        if event.reader.kind == UserKind.AGENT and event.had_unread:
            self.conversation_read(tx, event.reader.id, event.conversation_id)

    def recipients(self, session, user_ids: Sequence[int]) -> list['Recipient']:
        """The active agents among these users, as message_posted takes them."""
        if not user_ids:
            return []
        return list(session.exec(select(User.id, User.name, NotificationSettings).outerjoin(
            NotificationSettings, col(NotificationSettings.user_id) == User.id).where(
            col(User.id).in_(list(user_ids)), User.kind == UserKind.AGENT, User.is_active)).all())

    def message_posted(self, tx: Transaction, conversation: Facts, message: MessageView, author: UserView,
                       recipients: Sequence['Recipient'], *, started: bool,
                       seen: Collection[int] = ()) -> None:
        """Notify these agents (never the author) about one stored message, each once, as they chose.

        All of them in one INSERT; a plain new message updates the agent's open notice for the conversation
        instead of adding one. Each recipient's settings come with them (no query here). Agents in
        `seen` have the conversation on screen: a plain new message needs no notice for them, anything
        more (a mention, a customer's reply) is kept in their bell as already read.
        """
        now = self.clock()
        text = _preview(message.body) or files_line(message.attachments)
        preview = NOTE_PREFIX + text if message.is_note else text   # (views.preview_shown words it)
        key = f'message:{message.id}'
        same_kind = None if '@' in message.body else _kind(conversation, message, author, '', started=started)
        titles: dict[str, str] = {}
        rows: list[tuple] = []
        told: dict[tuple[str, str], list[int]] = {}
        for user_id, name, stored in {r[0]: r for r in recipients if r[0] != author.id}.values():
            kind = same_kind or _kind(conversation, message, author, name, started=started)
            watching = user_id in seen
            if watching and kind == K.MESSAGE:
                continue
            settings = _settings_of(stored)
            channels = settings.grid[kind]
            if not channels:
                continue
            if kind not in titles:
                titles[kind] = _title(kind, author, conversation, message)
            listed = _channel_list(channels)
            rows.append((user_id, key, kind, conversation.id, message.id, author.id, titles[kind], preview, '',
                         listed, 1, now, now if watching else None,
                         now + timedelta(minutes=settings.email_delay_minutes)
                         if C.EMAIL in channels and not watching else None, None))
            if not watching:
                told.setdefault((kind, listed), []).append(user_id)
        if not rows:
            return
        self._insert.execute_many(tx.connection, rows)   # one statement for all of them (executemany)
        events = [NotificationCreated(recipients=tuple(users), key=key, kind=kind, conversation_id=conversation.id,
                                      channels=tuple(listed.split(','))) for (kind, listed), users in told.items()]
        tx.on_commit(lambda: self._publish(events))

    def _publish(self, events: Sequence[NotificationCreated]) -> None:
        for event in events:
            self.bus.publish(event)

    def item_assigned(self, tx: Transaction, event: ItemAssigned) -> None:
        """A ticket or task was assigned to an agent (not by themselves): tell them as they chose."""
        item_id, link, actor, assignee_id = event.item_id, event.link, event.actor, event.assignee_id
        if assignee_id == actor.id:
            return
        if link.kind == ItemKind.TICKET:
            title = deferred('{name} assigned Ticket #{ref}: {title} to you', name=actor.name, ref=link.ref,
                             title=link.title)
        else:
            title = deferred('{name} assigned Task #{ref}: {title} to you', name=actor.name, ref=link.ref,
                             title=link.title)
        self.notify(tx, assignee_id, K.ASSIGNED, key=self._next_key(tx, assignee_id, f'assigned:{item_id}'),
                    actor_id=actor.id, title=title, link=link.path)

    def snooze_ended(self, tx: Transaction, event: SnoozeEnded) -> None:
        """A snoozed conversation is open again: its agents are told (a notice per agent and snooze)."""
        conversation = tx.session.get_one(Conversation, event.conversation_id)
        about = (conversation.subject or conversation.last_message_preview or '')[:150]
        title = deferred('Snooze ended: {about}', about=about) if about else deferred('Snooze ended')
        for user_id, _name, _settings_row in self.recipients(tx.session, agent_ids(tx, conversation.id)):
            self.notify(tx, user_id, K.SNOOZE_ENDED, key=f'woke:{event.line_id}', title=title,
                        conversation_id=conversation.id, preview=conversation.last_message_preview)

    def participants_added(self, tx: Transaction, event: ParticipantsAdded) -> None:
        """Agents added to a conversation are told, as for a new one ("Added to a conversation")."""
        conversation = tx.session.get_one(Conversation, event.conversation_id)
        for person in event.added:
            if person.kind == UserKind.AGENT and person.id != event.actor.id:
                self.notify(tx, person.id, K.ADDED, key=self._next_key(tx, person.id, f'added:{conversation.id}'),
                            actor_id=event.actor.id,
                            title=deferred('{name} added you to {about}', name=event.actor.name,
                                           about=conversation.subject[:150]) if conversation.subject else
                            deferred('{name} added you to a conversation', name=event.actor.name),
                            conversation_id=conversation.id, preview=conversation.last_message_preview)

    def conversation_assigned(self, tx: Transaction, event: ConversationAssigned) -> None:
        """The new assignee of a conversation with a customer is told (not when they took it themselves)."""
        if event.assignee.id == event.actor.id:
            return
        conversation = tx.session.get_one(Conversation, event.conversation_id)
        title = (deferred('{name} assigned {about} to you', name=event.actor.name, about=conversation.subject[:150])
                 if conversation.subject else
                 deferred('{name} assigned a conversation with a customer to you', name=event.actor.name))
        self.notify(tx, event.assignee.id, K.ASSIGNED,
                    key=self._next_key(tx, event.assignee.id, f'assigned-conversation:{conversation.id}'),
                    actor_id=event.actor.id, title=title,
                    conversation_id=conversation.id, preview=conversation.last_message_preview)

    def _next_key(self, tx: Transaction, user_id: int, prefix: str) -> str:
        """A new key under prefix for this agent (the same thing may happen to them again later)."""
        earlier = tx.session.exec(select(func.count()).select_from(Notification).where(
            Notification.user_id == user_id, col(Notification.key).startswith(f'{prefix}:'))).one()
        return f'{prefix}:{earlier + 1}'

    def notify(self, tx: Transaction, user_id: int, kind: NotificationKind, *, key: str, title: str,
               actor_id: int | None = None, conversation_id: int | None = None, link: str = '',
               preview: str = '') -> None:
        """One notice to one agent, on the channels they chose for its kind (none: nothing is stored)."""
        session = tx.session
        settings = _settings(session.get(NotificationSettings, user_id))
        channels = settings.grid[kind]
        if not channels:
            return
        now = self.clock()
        notification = Notification(
            user_id=user_id, key=key, kind=kind, actor_id=actor_id, title=title, link=link, preview=preview,
            conversation_id=conversation_id, channels=','.join(c for c in CHANNELS if c in channels), created_at=now,
            email_due_at=now + timedelta(minutes=settings.email_delay_minutes) if C.EMAIL in channels else None)
        session.add(notification)
        session.flush()
        created = NotificationCreated(recipients=(user_id,), key=notification.key, kind=kind,
                                      conversation_id=conversation_id, channels=tuple(notification.channels.split(',')))
        tx.on_commit(lambda: self.bus.publish(created))

    def conversation_taken(self, tx: Transaction, conversation_id: int) -> None:
        """An agent answered an unassigned conversation: nobody else needs the "new live chat" notice."""
        users = tx.session.exec(select(Notification.user_id).where(
            Notification.conversation_id == conversation_id, col(Notification.kind) == K.UNASSIGNED,
            col(Notification.read_at).is_(None))).all()
        for user_id in users:
            self._mark(tx, user_id, (col(Notification.conversation_id) == conversation_id) &
                       (col(Notification.kind) == K.UNASSIGNED))

    def conversation_read(self, tx: Transaction, user_id: int, conversation_id: int) -> None:
        """The agent has seen this conversation: its notifications are read (in the caller's transaction)."""
        self._mark(tx, user_id, Notification.conversation_id == conversation_id)

    # ----- the bell ---------------------------------------------------------------------------

    @acting
    def bell(self, actor: UserView, *, limit: int = BELL_SIZE) -> list[NotificationView]:
        """In-app notifications, latest activity first (a conversation's notice moves up with each new message)."""
        with self.db.session() as session:
            rows = session.exec(select(Notification).where(
                own_notification(actor), col(Notification.channels).contains(C.IN_APP))
                .order_by(col(Notification.created_at).desc(), col(Notification.id).desc()).limit(limit)).all()
        return [_view(n) for n in rows]

    @acting
    def get(self, actor: UserView, key: str) -> NotificationView | None:
        """One of the actor's notifications, by its key, or for a new message by the message's key (the key of an
        event): the conversation's notice for it. None when they have none."""
        with self.db.session() as session:
            row = session.exec(select(Notification).where(own_notification(actor),
                                                          Notification.key == key)).first()
            message_id = key.removeprefix('message:')
            if row is None and message_id.isdigit():   # merged into the conversation's unread notice
                row = session.exec(select(Notification).where(
                    own_notification(actor), col(Notification.read_at).is_(None),
                    Notification.message_id == int(message_id))).first()
        return _view(row) if row is not None else None

    @acting
    def unread_count(self, actor: UserView) -> int:
        with self.db.session() as session:
            return session.exec(select(func.count()).select_from(Notification).where(
                own_notification(actor), col(Notification.read_at).is_(None),
                col(Notification.channels).contains(C.IN_APP))).one()

    @acting
    def mark_read(self, actor: UserView, notification_id: int) -> None:
        if not is_id(notification_id):
            return
        with self.db.transaction() as tx:
            self._mark(tx, actor.id, Notification.id == notification_id)

    @acting
    def mark_all_read(self, actor: UserView) -> None:
        with self.db.transaction() as tx:
            self._mark(tx, actor.id, true())

    # ----- email digests ----------------------------------------------------------------------

    def send_due_digests(self) -> int:
        """One digest email per agent with notifications unread past their delay; returns how many were queued."""
        with self.db.session() as session:
            users = session.exec(select(Notification.user_id).where(
                col(Notification.emailed_at).is_(None), col(Notification.read_at).is_(None),
                col(Notification.email_due_at) <= self.clock()).distinct()).all()
        return sum(self._digest(user_id) for user_id in users)

    def _digest(self, user_id: int) -> bool:
        now = self.clock()
        with self.db.transaction() as tx:
            session = tx.session
            # Re-read inside the transaction: what was read a moment ago is not emailed.
            due = session.exec(select(Notification).where(
                Notification.user_id == user_id, col(Notification.emailed_at).is_(None),
                col(Notification.read_at).is_(None), col(Notification.email_due_at) <= now)
                .order_by(col(Notification.id))
                .with_for_update(skip_locked=True)).all()   # several processes: one digest, by whoever locks them
            agent = session.get(User, user_id)
            if not due or agent is None:
                return False
            if agent.is_active:
                with using(agent.language):   # theirs, else the team's default (no browser to ask)
                    count = len(due)
                    text, html = self._digest_email(agent, due)
                    subject = ngettext('{count} update waiting for you in Parley',
                                       '{count} updates waiting for you in Parley', count).format(count=number(count))
                self.mail.add(session, to_address=agent.email, to_name=agent.name, subject=subject, text=text,
                              html=html)
            session.exec(update(Notification).where(col(Notification.id).in_([n.id for n in due]))
                         .values(emailed_at=now))
        return agent.is_active

    def _link(self, notification: Notification) -> str:
        return self.public_url + _path(notification)

    def _digest_email(self, agent: User, due: Sequence[Notification]) -> tuple[str, str]:
        """(text, html) of an agent's digest (services/templates/digest.*)."""
        items = [{'title': _shown_title(n), 'preview': preview_shown(shown(n.preview)), 'link': self._link(n)}
                 for n in due]
        return render('digest', first_name=agent.name.split()[0], items=items,
                      settings_link=f'{self.public_url}/settings/notifications')

    # ----- internals --------------------------------------------------------------------------

    def _mark(self, tx: Transaction, user_id: int, condition) -> None:
        changed = tx.session.exec(update(Notification).where(
            col(Notification.user_id) == user_id, col(Notification.read_at).is_(None), condition)
            .values(read_at=self.clock())).rowcount
        if changed:
            tx.on_commit(lambda: self.bus.publish(NotificationsRead(recipients=(user_id,))))


def _view(n: Notification) -> NotificationView:
    return NotificationView(id=n.id, kind=n.kind, conversation_id=n.conversation_id, title=_shown_title(n),
                            preview=preview_shown(shown(n.preview)), created_at=n.created_at,
                            read=n.read_at is not None,
                            link=_path(n), key=n.key, count=n.count)


def _shown_title(n: Notification) -> str:
    """The title in the reader's language, with how many new messages the notice stands for ("Ana wrote: Billing ·
    3 new messages")."""
    title = shown(n.title)
    if n.count <= 1:
        return title
    return f'{title} · ' + ngettext('{count} new message', '{count} new messages', n.count).format(count=n.count)


def _path(n: Notification) -> str:
    return n.link or (f'/messenger/{n.conversation_id}' if n.conversation_id is not None else '/messenger')


def _settings(row: NotificationSettings | None) -> SettingsView:
    grid = {kind: frozenset(channels) for kind, channels in DEFAULTS.items()}
    delay = DEFAULT_DELAY
    if row is not None:
        try:
            stored = json.loads(row.grid or '{}')
        except ValueError:
            stored = {}
        for kind in KINDS:
            if isinstance(stored.get(kind), list):
                grid[kind] = frozenset(c for c in stored[kind] if c in CHANNELS)
        delay = row.email_delay_minutes if row.email_delay_minutes in EMAIL_DELAYS else DEFAULT_DELAY
    for kind, forced in ALWAYS.items():
        grid[kind] = grid[kind] | forced
    return SettingsView(grid=grid, email_delay_minutes=delay)


DEFAULT_SETTINGS = _settings(None)


@functools.lru_cache(maxsize=256)
def _parsed(grid: str, delay: int) -> SettingsView:
    return _settings(NotificationSettings(user_id=0, grid=grid, email_delay_minutes=delay))


def _settings_of(row: NotificationSettings | None) -> SettingsView:
    """An agent's settings as the send path needs them, parsed once per distinct choice."""
    return DEFAULT_SETTINGS if row is None else _parsed(row.grid, row.email_delay_minutes)


@functools.lru_cache(maxsize=256)
def _channel_list(channels: frozenset[str]) -> str:
    return ','.join(c for c in CHANNELS if c in channels)


def _kind(conversation: Facts, message: MessageView, author: UserView, recipient_name: str, *,
          started: bool) -> NotificationKind:
    kinds = set()
    if mentions(message.body, recipient_name):
        kinds.add(K.MENTION)
    if started:
        kinds.add(K.UNASSIGNED if conversation.unassigned else K.ADDED)
    elif author.kind == UserKind.CUSTOMER:
        kinds.add(K.CUSTOMER_REPLY)
    else:
        kinds.add(K.MESSAGE)
    return next(k for k in PRECEDENCE if k in kinds)


def mentions(body: str, name: str) -> bool:
    """"@Full Name" or "@First" (any case), not followed by more letters."""
    if '@' not in body:
        return False
    names = {name.strip(), name.split()[0] if name.split() else ''} - {''}
    return any(re.search(r'(?:^|[^\w@])@' + re.escape(n) + r'(?!\w)', body, re.IGNORECASE) for n in names)


def _title(kind: NotificationKind, author: UserView, conversation: Facts, message: MessageView) -> str:
    """The notice's title, stored as words for the reader's language (services.i18n.deferred)."""
    about = f': {conversation.subject}' if conversation.subject else ''
    name = author.name
    if kind == K.ADDED:
        return deferred('{name} added you to a conversation{about}', name=name, about=about)
    if kind == K.MESSAGE:
        return deferred('{name} wrote{about}', name=name, about=about)
    if kind == K.CUSTOMER_REPLY:
        if message.via == MessageVia.EMAIL:
            return deferred('{name} replied by email{about}', name=name, about=about)
        return deferred('{name} replied{about}', name=name, about=about)
    if kind == K.MENTION:
        return deferred('{name} mentioned you{about}', name=name, about=about)
    return deferred('New live chat from {name}', name=name)


def _preview(text: str) -> str:
    flat = ' '.join(to_text(text).split()) or ' '.join(text.split())
    return flat if len(flat) <= PREVIEW else flat[:PREVIEW - 1] + '…'
