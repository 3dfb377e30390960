"""How agents' messages reach customers: every Delivery row and every change of its state, and DeliveryChanged.

A message to customers gets a row per customer in the send's transaction (handler of MessageStored): "delivered
live" when their chat shows the conversation, else "queued", due for email after the window. Seen on the chat,
replied, emailed, email failed: each change is made here, in the transaction of what caused it, and the agents of
the conversation are told after the commit.

Email fallback (send_due): everything is decided from the rows. A row still "queued" or "delivered live" whose
email_due_at has passed is due; all of that customer's unseen messages in the conversation go into one email, and
the email and the rows' new state ("emailed") are committed together, so a restart neither loses nor repeats one.
"""
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from email.utils import formataddr
import secrets

from sqlalchemy import delete, insert, update
from sqlmodel import Session, col, func, select

from models import (Conversation, CustomerThread, Delivery, DeliveryState, Item, ItemKind, Message, OutboundEmail,
                    Participant, User, UserKind)
from models._types import utcnow
from services.db import Database, Hooks, Transaction
from services.emails import render
from services.i18n import _, using
from services.events import DeliveryChanged, EventBus
from services.hooks import (ConversationClosed, ConversationOpened, EmailAttempted, MessageDeleted, MessageStored,
                           ParticipantRemoved)
from services.mail import MailService
from services.presence import Presence
from services.views import STATE_LABELS, AttachmentView, DeliveryView

# Rows still waiting for the customer: seen, emailed or replied ends the wait.
PENDING = (DeliveryState.QUEUED, DeliveryState.LIVE)
NOT_YET_SEEN = (DeliveryState.QUEUED, DeliveryState.LIVE, DeliveryState.EMAILED, DeliveryState.EMAIL_FAILED)
HISTORY = 3   # earlier messages quoted under the new ones
TRANSCRIPT = 500   # messages in a transcript at most (the latest)


class Deliveries:
    def __init__(self, db: Database, bus: EventBus, mail: MailService, presence: Presence, *,
                 chat_link: Callable[[int, int], str], team_name: str, reply_domain: str,
                 file_link: Callable[[int, AttachmentView], str] = lambda customer_id, file: '',
                 window: timedelta = timedelta(seconds=60), clock: Callable[[], datetime] = utcnow) -> None:
        self.db, self.bus, self.mail, self.presence = db, bus, mail, presence
        self.chat_link = chat_link   # the live-chat link for (customer, conversation), in the email
        self.file_link = file_link   # a signed, expiring link to a kept file for (customer, file), in the email
        self.team_name = ' '.join(team_name.split())
        self.reply_domain = reply_domain
        self.window = window   # how long a message waits for the customer to see it on the chat before it is emailed
        self.clock = clock

    def register(self, hooks: Hooks) -> None:
        hooks.on(MessageStored, self.message_stored)
        hooks.on(ConversationOpened, self.conversation_opened)
        hooks.on(EmailAttempted, self.email_attempted)
        hooks.on(ConversationClosed, self.transcript)
        hooks.on(ParticipantRemoved, self.participant_removed)
        hooks.on(MessageDeleted, self.message_deleted)

    def message_deleted(self, tx: Transaction, event: MessageDeleted) -> None:
        """A deleted message no email has carried yet is unsent: nothing waits to email it any more."""
        tx.session.exec(delete(Delivery).where(col(Delivery.message_id) == event.message_id,
                                               col(Delivery.email_id).is_(None)))

    # ----- state changes, in the transaction of what caused them ------------------------------

    def message_stored(self, tx: Transaction, event: MessageStored) -> None:
        """An agent's message gets a row per customer; a customer's reply marks their rows "replied"."""
        members, author = event.members.values(), event.author
        if author.kind == UserKind.AGENT and not event.message.is_note:
            customers = [m for m in members if m.kind == UserKind.CUSTOMER]
            event.deliveries.extend(self._rows(tx, event.conversation.id, event.message.id, customers,
                                               event.message.created_at))
        elif author.kind == UserKind.CUSTOMER:
            agents = [m.user_id for m in members if m.kind == UserKind.AGENT]
            self._set_states(tx, event.conversation.id, author.id, (*NOT_YET_SEEN, DeliveryState.SEEN),
                             DeliveryState.REPLIED, agents)

    def conversation_opened(self, tx: Transaction, event: ConversationOpened) -> None:
        """A customer's chat showed the conversation: what waited for them is "seen", and never emailed."""
        if event.reader.kind == UserKind.CUSTOMER:
            self._set_states(tx, event.conversation_id, event.reader.id, NOT_YET_SEEN, DeliveryState.SEEN)

    def email_attempted(self, tx: Transaction, event: EmailAttempted) -> None:
        """Messages an email carried show "Email failed, retrying" until an attempt succeeds."""
        row = event.email
        before, after = ((DeliveryState.EMAILED, DeliveryState.EMAIL_FAILED) if event.failed
                         else (DeliveryState.EMAIL_FAILED, DeliveryState.EMAILED))
        message_ids = tuple(tx.session.exec(select(Delivery.message_id).where(
            Delivery.email_id == row.id, col(Delivery.state).in_([before, after]))).all())
        if not message_ids or row.conversation_id is None:
            return
        tx.session.exec(update(Delivery).where(col(Delivery.email_id) == row.id, col(Delivery.state) == before)
                        .values(state=after, updated_at=self.clock()))
        self._tell(tx, row.conversation_id, message_ids)   # "Sending email" -> "Emailed" or "Email failed, retrying"

    def _rows(self, tx: Transaction, conversation_id: int, message_id: int, customers: Sequence,
              now: datetime) -> list[DeliveryView]:
        """Delivery rows for the customers (and their reply addresses, the first time): two statements at most."""
        if not customers:
            return []
        sql = tx.connection
        threads = [dict(conversation_id=conversation_id, customer_id=c.user_id,
                        reply_token=secrets.token_urlsafe(24)) for c in customers if not c.has_thread]  # 192 bits
        if threads:
            sql.execute(insert(CustomerThread), threads)
        rows, views = [], []
        for customer in customers:
            live = self.presence.customer_view(customer.user_id, conversation_id) is not None
            state = DeliveryState.LIVE if live else DeliveryState.QUEUED
            rows.append(dict(message_id=message_id, conversation_id=conversation_id, customer_id=customer.user_id,
                             state=state, email_due_at=now + self.window, updated_at=now))
            views.append(DeliveryView(customer_id=customer.user_id, customer_name=customer.name,
                                      state=state, label=STATE_LABELS[state]))
        sql.execute(insert(Delivery), rows)
        return views

    def _set_states(self, tx: Transaction, conversation_id: int, customer_id: int,
                    from_states: Sequence[DeliveryState], to_state: DeliveryState,
                    agents: Sequence[int] | None = None) -> None:
        changed = tx.connection.execute(update(Delivery).where(
            col(Delivery.conversation_id) == conversation_id, col(Delivery.customer_id) == customer_id,
            col(Delivery.state).in_(from_states)).values(state=to_state, updated_at=self.clock())
            .returning(col(Delivery.message_id))).scalars().all()
        if changed:
            self._tell(tx, conversation_id, tuple(changed), agents)

    def _tell(self, tx: Transaction, conversation_id: int, message_ids: tuple[int, ...],
              agents: Sequence[int] | None = None) -> None:
        """After the commit, the agents of the conversation redraw these messages' delivery labels."""
        event = DeliveryChanged(recipients=tuple(agent_ids(tx.session, conversation_id) if agents is None else agents),
                                conversation_id=conversation_id, message_ids=message_ids)
        tx.on_commit(lambda: self.bus.publish(event))

    def participant_removed(self, tx: Transaction, event: ParticipantRemoved) -> None:
        """A customer taken out of a conversation is never emailed what still waited for them in it."""
        if event.person.kind == UserKind.CUSTOMER:
            tx.session.exec(delete(Delivery).where(col(Delivery.conversation_id) == event.conversation_id,
                                                   col(Delivery.customer_id) == event.person.id,
                                                   col(Delivery.state).in_(PENDING)))

    def transcript(self, tx: Transaction, event: ConversationClosed) -> None:
        """The agent who closed it asked for a transcript: each customer in it gets what they could see of it (never a
        note), with their reply address, so an answer comes back into the same conversation."""
        if not event.transcript:
            return
        session = tx.session
        conversation = session.get_one(Conversation, event.conversation_id)
        customers = session.exec(select(User).join(Participant, col(Participant.user_id) == User.id).where(
            Participant.conversation_id == conversation.id, User.kind == UserKind.CUSTOMER, User.is_active)).all()
        rows = session.exec(select(Message, User).join(User, col(User.id) == Message.author_id)
                            .where(Message.conversation_id == conversation.id, col(Message.is_note).is_(False),
                                   col(Message.deleted_at).is_(None))
                            .order_by(col(Message.id).desc()).limit(TRANSCRIPT + 1)).all()
        messages = list(reversed(rows[:TRANSCRIPT]))
        cut = session.exec(select(func.count()).select_from(Message).where(
            Message.conversation_id == conversation.id, col(Message.is_note).is_(False),
            col(Message.deleted_at).is_(None))).one() - len(messages) \
            if len(rows) > TRANSCRIPT else 0
        for customer in customers:
            with using(customer.language):   # each customer's own language
                subject = _('Transcript: {about}').format(about=_about(session, conversation))
                text, html = render('transcript', messages=messages, team=self.team_name, cut=cut)
            thread = session.get(CustomerThread, (conversation.id, customer.id))
            if thread is None:
                thread = CustomerThread(conversation_id=conversation.id, customer_id=customer.id,
                                        reply_token=secrets.token_urlsafe(24))
                session.add(thread)
                session.flush()
            earlier = session.exec(select(OutboundEmail.message_id).where(
                OutboundEmail.conversation_id == conversation.id, OutboundEmail.to_address == customer.email)
                .order_by(col(OutboundEmail.id))).all()
            self.mail.add(session, to_address=customer.email, to_name=customer.name, subject=subject, text=text,
                          html=html, reply_to=formataddr((self.team_name,
                                                          f'reply+{thread.reply_token}@{self.reply_domain}')),
                          in_reply_to=earlier[-1] if earlier else None, references=earlier[-20:],
                          conversation_id=conversation.id)

    # ----- email fallback ---------------------------------------------------------------------

    def send_due(self) -> int:
        """Queue one email per conversation and customer with messages past their window; returns how many."""
        with self.db.session() as session:
            pairs = session.exec(select(Delivery.conversation_id, Delivery.customer_id).where(
                col(Delivery.state).in_(PENDING), Delivery.email_due_at <= self.clock()).distinct()).all()
        return sum(self._email(conversation_id, customer_id) for conversation_id, customer_id in pairs)

    def _email(self, conversation_id: int, customer_id: int) -> bool:
        with self.db.transaction() as tx:
            session = tx.session
            # Re-read inside the transaction: a customer who saw them a moment ago gets no email.
            rows = session.exec(select(Delivery, Message, User)
                                .join(Message, col(Message.id) == Delivery.message_id)
                                .join(User, col(User.id) == Message.author_id)
                                .where(Delivery.conversation_id == conversation_id,
                                       Delivery.customer_id == customer_id, col(Delivery.state).in_(PENDING))
                                .order_by(col(Message.id))
                                # Several processes: the one that locks these rows emails them, the others skip.
                                .with_for_update(skip_locked=True, of=Delivery)).all()
            if not rows or min(d.email_due_at for d, _, _ in rows) > self.clock():
                return False
            conversation = session.get(Conversation, conversation_id)
            customer = session.get(User, customer_id)
            thread = session.get(CustomerThread, (conversation_id, customer_id))
            if conversation is None or customer is None or thread is None:   # rows reference all three
                return False
            new = [(m, author) for _, m, author in rows]
            history = _history(session, conversation_id, before_id=new[0][0].id)
            earlier = session.exec(select(OutboundEmail.message_id).where(
                OutboundEmail.conversation_id == conversation_id, OutboundEmail.to_address == customer.email)
                .order_by(col(OutboundEmail.id))).all()
            token = thread.reply_token
            link = self.chat_link(customer_id, conversation_id)
            files = {m.id: [(a, self.file_link(customer_id, a)) for a in AttachmentView.load(m.attachments)]
                     for m, _ in new if m.attachments != '[]'}
            with using(customer.language):   # the customer's, else the team's default
                subject = _about(session, conversation)
                subject = _('Re: {subject}').format(subject=subject) if earlier else subject
                text = _text(new, history, link, self.team_name, files)
                html = _html(new, history, link, self.team_name, files)
            email = self.mail.add(
                session, to_address=customer.email, to_name=customer.name, subject=subject, text=text, html=html,
                reply_to=formataddr((self.team_name, f'reply+{token}@{self.reply_domain}')),
                in_reply_to=earlier[-1] if earlier else None, references=earlier[-20:],
                conversation_id=conversation_id)
            ids = [d.id for d, _, _ in rows]
            session.exec(update(Delivery).where(col(Delivery.id).in_(ids))
                         .values(state=DeliveryState.EMAILED, email_id=email.id, updated_at=self.clock()))
            self._tell(tx, conversation_id, tuple(m.id for m, _ in new))
        return True


ABOUT_LENGTH = 60


def _about(session: Session, conversation: Conversation) -> str:
    """What an email to the customer is about: the conversation's subject, else its ticket ("T-12: Printer
    jammed"), else the start of its first message a customer could see."""
    if conversation.subject:
        return conversation.subject
    if conversation.item_id is not None:
        item = session.get(Item, conversation.item_id)
        if item is not None and item.kind == ItemKind.TICKET:
            return f'T-{item.number}: {item.title}'
    first = session.exec(select(Message.body).where(Message.conversation_id == conversation.id,
                                                    col(Message.is_note).is_(False), col(Message.deleted_at).is_(None))
                         .order_by(col(Message.id)).limit(1)).first()
    words = ' '.join((first or '').split())
    if len(words) > ABOUT_LENGTH:
        words = words[:ABOUT_LENGTH].rsplit(' ', 1)[0] + '…'
    return words or _('Your conversation')


def agent_ids(session: Session, conversation_id: int) -> list[int]:
    """The agents taking part in a conversation (who are told about delivery changes)."""
    return list(session.exec(select(Participant.user_id).join(User, col(User.id) == Participant.user_id).where(
        Participant.conversation_id == conversation_id, User.kind == UserKind.AGENT)).all())


def _history(session: Session, conversation_id: int, *, before_id: int) -> list[tuple[Message, User]]:
    rows = session.exec(select(Message, User).join(User, col(User.id) == Message.author_id)
                        .where(Message.conversation_id == conversation_id, col(Message.id) < before_id,
                               col(Message.is_note).is_(False), col(Message.deleted_at).is_(None))
                        .order_by(col(Message.id).desc()).limit(HISTORY)).all()
    return list(reversed(rows))


def _text(new, history, link: str, team: str, files: dict | None = None) -> str:
    return render('customer_email', new=new, history=history, link=link, team=team, files=files or {})[0]


def _html(new, history, link: str, team: str, files: dict | None = None) -> str:
    return render('customer_email', new=new, history=history, link=link, team=team, files=files or {})[1]
