"""Email fallback: agent messages a customer has not seen in time go out as one email per customer.

Everything is decided from persisted Delivery rows: a row still "queued" or "delivered live"
whose email_due_at has passed is due. All of that customer's unseen messages in the
conversation go into one email, and the email and the rows' new state ("emailed") are
committed together, so a restart neither loses nor repeats an email.
"""
from collections.abc import Callable
from datetime import datetime
from email.utils import formataddr
from html import escape

from sqlalchemy import update
from sqlmodel import Session, col, select

from models import Conversation, CustomerThread, Delivery, DeliveryState, Message, OutboundEmail, User
from models._types import utcnow
from services.conversations import PENDING, agent_ids
from services.db import Database
from services.events import DeliveryChanged, EventBus
from services.livechat import LiveChatService
from services.mail import MailService

HISTORY = 3   # earlier messages quoted under the new ones


class EmailFallback:
    def __init__(self, db: Database, bus: EventBus, mail: MailService, chat: LiveChatService, *,
                 team_name: str, reply_domain: str, clock: Callable[[], datetime] = utcnow) -> None:
        self.db, self.bus, self.mail, self.chat = db, bus, mail, chat
        self.team_name = ' '.join(team_name.split())
        self.reply_domain = reply_domain
        self.clock = clock

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
                                .order_by(col(Message.id))).all()
            if not rows or min(d.email_due_at for d, _, _ in rows) > self.clock():
                return False
            conversation = session.get(Conversation, conversation_id)
            customer = session.get(User, customer_id)
            new = [(m, author) for _, m, author in rows]
            history = _history(session, conversation_id, before_id=new[0][0].id)
            earlier = session.exec(select(OutboundEmail.message_id).where(
                OutboundEmail.conversation_id == conversation_id, OutboundEmail.to_address == customer.email)
                .order_by(col(OutboundEmail.id))).all()
            token = session.get(CustomerThread, (conversation_id, customer_id)).reply_token
            link = self.chat.link(customer_id, conversation_id)
            subject = conversation.subject or f'Your conversation with {self.team_name}'
            email = self.mail.add(
                session, to_address=customer.email, to_name=customer.name,
                subject=f'Re: {subject}' if earlier else subject,
                text=_text(new, history, link, self.team_name), html=_html(new, history, link, self.team_name),
                reply_to=formataddr((self.team_name, f'reply+{token}@{self.reply_domain}')),
                in_reply_to=earlier[-1] if earlier else None, references=earlier[-20:],
                conversation_id=conversation_id)
            ids = [d.id for d, _, _ in rows]
            session.exec(update(Delivery).where(col(Delivery.id).in_(ids))
                         .values(state=DeliveryState.EMAILED, email_id=email.id, updated_at=self.clock()))
            event = DeliveryChanged(recipients=tuple(agent_ids(session, conversation_id)),
                                    conversation_id=conversation_id, message_ids=tuple(m.id for m, _ in new))
            tx.on_commit(lambda: self.bus.publish(event))
        return True


def _history(session: Session, conversation_id: int, *, before_id: int) -> list[tuple[Message, User]]:
    rows = session.exec(select(Message, User).join(User, col(User.id) == Message.author_id)
                        .where(Message.conversation_id == conversation_id, col(Message.id) < before_id,
                               col(Message.is_note).is_(False))
                        .order_by(col(Message.id).desc()).limit(HISTORY)).all()
    return list(reversed(rows))


def _text(new, history, link: str, team: str) -> str:
    parts = [f'{author.name} ({team}) wrote:\n\n{message.body}' for message, author in new]
    text = '\n\n'.join(parts)
    text += f'\n\n\nContinue in live chat: {link}\nOr simply reply to this email.\n'
    if history:
        text += '\n-- Earlier in this conversation --\n'
        text += '\n'.join(f'{author.name}: ' + ' '.join(message.body.split())[:300] for message, author in history)
        text += '\n'
    return text


def _html(new, history, link: str, team: str) -> str:
    def paragraph(body: str) -> str:
        return escape(body).replace('\n', '<br>')

    blocks = ''.join(
        f'<p style="margin:0 0 4px;color:#64748b;font-size:13px">{escape(author.name)} ({escape(team)})</p>'
        f'<div style="margin:0 0 16px;font-size:15px;line-height:1.5">{paragraph(message.body)}</div>'
        for message, author in new)
    earlier = ''
    if history:
        earlier = ('<hr style="border:none;border-top:1px solid #e2e8f0;margin:24px 0 12px">'
                   '<p style="color:#64748b;font-size:12px;margin:0 0 8px">Earlier in this conversation</p>' +
                   ''.join(f'<p style="color:#64748b;font-size:13px;margin:0 0 6px"><b>{escape(author.name)}</b>: '
                           f'{escape(" ".join(message.body.split())[:300])}</p>' for message, author in history))
    return ('<div style="font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;color:#0f172a;'
            f'max-width:560px">{blocks}'
            f'<p style="margin:24px 0 8px"><a href="{escape(link)}" style="background:#4f46e5;color:#fff;'
            'padding:10px 16px;border-radius:8px;text-decoration:none;display:inline-block">'
            'Continue in live chat</a></p>'
            '<p style="color:#64748b;font-size:13px;margin:0">Or simply reply to this email.</p>'
            f'{earlier}</div>')
