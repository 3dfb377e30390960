"""Frozen views handed to the UI; never live ORM objects."""
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
import json

from enum import StrEnum

from services.i18n import N_, _, ngettext, number
from models import (ConversationKind, ConversationStatus, DeliveryState, EmailStatus, ItemKind, MessageVia, Priority,
                    ThreadEvent, UserKind)

__all__ = ['ConversationKind', 'ConversationStatus', 'Inbox', 'ItemKind', 'MessageVia', 'Priority', 'ThreadEvent',
           'UserKind']   # the kinds pages compare with


class Inbox(StrEnum):
    """The messenger's list filters."""
    OPEN = 'open'               # my open conversations (and the unassigned ones waiting, above them)
    UNREAD = 'unread'           # my open conversations with unread messages
    MINE = 'mine'               # open customer conversations assigned to me
    UNASSIGNED = 'unassigned'   # open customer conversations no agent has
    SNOOZED = 'snoozed'
    CLOSED = 'closed'


@dataclass(frozen=True)
class UserView:
    id: int
    name: str
    email: str
    kind: UserKind
    is_admin: bool = False
    organization: str | None = None
    is_active: bool = True
    must_change_password: bool = False   # a temporary password: they choose their own before anything else
    avatar_color: str | None = None      # a palette name (services.directory.AVATAR_COLORS); None: the default
    avatar_initials: str | None = None   # None: from the name
    time_zone: str | None = None         # None: the browser's
    language: str | None = None          # i18n.LANGUAGES; None: the browser's (agents), the default (customers)
    deleted: bool = False                # a deleted customer ("Deleted customer")

    @property
    def initials(self) -> str:
        if self.avatar_initials:
            return self.avatar_initials
        parts = [p for p in self.name.split() if p]
        letters = ''.join(p[0] for p in parts[:2]) if parts else self.email[:1]
        return letters.upper()


@dataclass(frozen=True)
class ItemLink:
    """A ticket or task, as conversations and notifications point to it."""
    kind: ItemKind
    number: int
    title: str

    @property
    def ref(self) -> str:
        return f'{"T" if self.kind == ItemKind.TICKET else "K"}-{self.number}'

    @property
    def label(self) -> str:
        return (_('Ticket #{ref}: {title}') if self.kind == ItemKind.TICKET else _('Task #{ref}: {title}')).format(
            ref=self.ref, title=self.title)

    @property
    def path(self) -> str:
        return f'/{self.kind}s/{self.number}'


@dataclass(frozen=True)
class ConversationView:
    id: int
    kind: ConversationKind
    title: str
    participants: tuple[UserView, ...]   # everyone, the viewer included
    last_message_at: datetime
    last_message_preview: str
    unread_count: int
    unassigned: bool = False   # a customer is waiting and no agent has answered yet
    item: ItemLink | None = None   # the ticket or task it belongs to (agents only)
    # Agents only (a customer's view is always open, unassigned):
    status: ConversationStatus = ConversationStatus.OPEN
    snoozed_until: datetime | None = None   # snoozed: when it opens again (None: at the next message)
    assignee: UserView | None = None        # customer conversations: the agent who has it
    subject: str | None = None              # as set (the title falls back to the participants' names)

    @property
    def is_customer(self) -> bool:
        return self.kind == ConversationKind.CUSTOMER

    @property
    def customers(self) -> tuple[UserView, ...]:
        return tuple(p for p in self.participants if p.kind == UserKind.CUSTOMER)


# A delivery state in words for the thread.
STATE_LABELS = {DeliveryState.QUEUED: N_('Queued'), DeliveryState.LIVE: N_('Delivered live'),
                DeliveryState.SEEN: N_('Seen'), DeliveryState.EMAILED: N_('Emailed'),
                DeliveryState.EMAIL_FAILED: N_('Email failed, retrying'), DeliveryState.REPLIED: N_('Replied')}


def delivery_label(state: DeliveryState, email_status: EmailStatus | None) -> str:
    """The state's words (English: a message id, translated where shown, since a view travels to readers of other
    languages), told apart by its email's status: still sending, or failed for good."""
    if state == DeliveryState.EMAILED and email_status == EmailStatus.QUEUED:
        return N_('Sending email')
    if state == DeliveryState.EMAIL_FAILED and email_status == EmailStatus.FAILED:
        return N_('Email failed')
    return STATE_LABELS[state]


@dataclass(frozen=True)
class DeliveryView:
    """How an agent message reached one customer, in words for the thread (label: a message id, shown with _())."""
    customer_id: int
    customer_name: str
    state: DeliveryState
    label: str


def size_label(size: int) -> str:
    """1 byte, 900 bytes, 1.5 KB, 25 MB (in the reader's language: "1,5 KB")."""
    if size < 1024:
        return ngettext('{count} byte', '{count} bytes', size).format(count=number(size))
    amount = size / 1024
    for unit in ('KB', 'MB', 'GB'):
        if amount < 1024 or unit == 'GB':
            break
        amount /= 1024
    return f'{number(round(amount, 1))} {unit}'


NOTE_PREFIX = 'Note: '   # a note's preview, as stored (conversations, edits, notices); shown translated
DELETED_PREVIEW = N_('Message deleted')


def preview_shown(preview: str | None) -> str:
    """A conversation's stored preview in the reader's language (its "Note: " and "Message deleted" words)."""
    text = preview or ''
    if text.startswith(NOTE_PREFIX):
        return _('Note: {text}').format(text=preview_shown(text[len(NOTE_PREFIX):]))
    return _(DELETED_PREVIEW) if text == DELETED_PREVIEW else text


def files_line(attachments: Iterable['AttachmentView']) -> str:
    """A message of files alone, in a preview or a notice: "📎 screen.png, guide.pdf"."""
    names = [a.name for a in attachments]
    return '📎 ' + ', '.join(names) if names else ''


@dataclass(frozen=True)
class AttachmentView:
    """A file a message carries: kept (it has an id: shown, downloaded) or only listed by name and size (an
    email's file that could not be kept, or one from before Parley kept files)."""
    name: str
    size: int
    id: int | None = None
    content_type: str = ''
    image: bool = False   # a raster image with a thumbnail
    width: int = 0
    height: int = 0

    @staticmethod
    def dump(attachments: Iterable['AttachmentView']) -> str:
        """As stored in a message's column: JSON, [name, size] for a listed file, an object for a kept one."""
        return json.dumps([[a.name, a.size] if a.id is None else
                           {'id': a.id, 'name': a.name, 'size': a.size, 'type': a.content_type, 'image': a.image,
                            'w': a.width, 'h': a.height} for a in attachments])

    @staticmethod
    def load(stored: str | None) -> tuple['AttachmentView', ...]:
        found = []
        try:
            for entry in json.loads(stored or '[]'):
                if isinstance(entry, dict):
                    found.append(AttachmentView(name=str(entry['name']), size=int(entry['size']), id=int(entry['id']),
                                                content_type=str(entry.get('type') or ''),
                                                image=bool(entry.get('image')), width=int(entry.get('w') or 0),
                                                height=int(entry.get('h') or 0)))
                else:
                    name, size = entry
                    found.append(AttachmentView(name=str(name), size=int(size)))
        except (ValueError, TypeError, KeyError):
            return tuple(found)
        return tuple(found)

    @property
    def kept(self) -> bool:
        return self.id is not None

    @property
    def size_text(self) -> str:
        return size_label(self.size)

    @property
    def label(self) -> str:
        return f'{self.name} · {size_label(self.size)}'


@dataclass(frozen=True)
class MessageView:
    id: int
    conversation_id: int
    author: UserView
    body: str
    created_at: datetime
    client_id: str
    is_note: bool = False
    via: MessageVia = MessageVia.APP
    attachments: tuple[AttachmentView, ...] = ()
    deliveries: tuple[DeliveryView, ...] = ()   # agent messages to customers, for agent viewers only
    event: ThreadEvent | None = None   # a line about the conversation (services.threadlines), not a message
    edited: bool = False    # its author changed it (agents can read the earlier versions)
    deleted: bool = False   # its author deleted it: shown as "Message deleted", nothing of it left
