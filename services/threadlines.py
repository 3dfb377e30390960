"""Lines in a thread saying what happened to the conversation: "Alice Admin closed this conversation".

A line is a Message with `event` set: a note (agents only, never to a customer, by every rule that keeps notes from
them), never counted unread, never in a preview, never searched. Its body is the details as JSON (names as they
were, a time as ISO 8601), so the words are made where it is shown (`describe`), in the viewer's zone.
"""
from collections.abc import Callable, Sequence
from datetime import datetime
import json
import secrets

from sqlalchemy import insert
from sqlmodel import col, select

from models import Message, MessageVia, Participant, ThreadEvent, User, UserKind
from services.db import Transaction
from services.events import EventBus, MessageSent
from services.i18n import _, name_list
from services.views import MessageView, UserView

E = ThreadEvent


def add_line(tx: Transaction, bus: EventBus, *, conversation_id: int, actor: UserView, event: ThreadEvent,
             at: datetime, **details: object) -> MessageView:
    """Store a line in the caller's transaction; the conversation's agents see it appear after the commit."""
    body = json.dumps(details, ensure_ascii=False, sort_keys=True)
    client_id = f'line-{secrets.token_hex(12)}'
    message_id = tx.connection.execute(insert(Message).returning(col(Message.id)), dict(
        conversation_id=conversation_id, author_id=actor.id, body=body, client_id=client_id, is_note=True,
        event=event, via=MessageVia.APP, attachments='[]', created_at=at)).scalar_one()
    view = MessageView(id=message_id, conversation_id=conversation_id, author=actor, body=body, created_at=at,
                       client_id=client_id, is_note=True, event=event)
    agents = agent_ids(tx, conversation_id)
    sent = MessageSent(recipients=tuple(agents), conversation_id=conversation_id, message_id=message_id,
                       author_id=actor.id, read_by=tuple(agents), agent_view=view)
    tx.on_commit(lambda: bus.publish(sent))
    return view


def agent_ids(tx: Transaction, conversation_id: int) -> list[int]:
    return list(tx.session.exec(select(Participant.user_id).join(User, col(User.id) == Participant.user_id).where(
        Participant.conversation_id == conversation_id, User.kind == UserKind.AGENT)).all())


def names(listed: Sequence[str]) -> str:
    """"John Smith", "John Smith and Mike Chen", "Ann, Bo and Cy" ("Ann, Bo e Cy"), in the reader's language."""
    return name_list(list(listed))


def describe(line: MessageView, when: Callable[[datetime], str]) -> str:
    """The line in words, in the reader's language; `when` shows a time in the viewer's zone ("Mon 09:00")."""
    try:
        details = json.loads(line.body)
    except ValueError:
        details = {}
    who = line.author.name
    if line.event == E.CLOSED:
        return _('{who} closed this conversation').format(who=who)
    if line.event == E.REOPENED:
        return (_("Reopened by {who}'s reply") if details.get('reply') else
                _('{who} reopened this conversation')).format(who=who)
    if line.event == E.SNOOZED:
        until = details.get('until')
        return (_('Snoozed until {time} by {who}').format(time=when(datetime.fromisoformat(until)), who=who) if until
                else _('Snoozed until someone replies by {who}').format(who=who))
    if line.event == E.WOKE:
        return _('The snooze ended: open again')
    if line.event == E.ADDED:
        return _('{who} added {names}').format(who=who, names=_listed(details.get('names')))
    if line.event == E.REMOVED:
        return _('{who} removed {names}').format(who=who, names=_listed(details.get('names')))
    if line.event == E.LEFT:
        return _('{who} left the conversation').format(who=who)
    if line.event == E.RENAMED:
        return _('{who} renamed the conversation to "{subject}"').format(who=who, subject=details.get('subject', ''))
    if line.event == E.ASSIGNED:
        assignee = details.get('assignee', '')
        return (_('{who} took this conversation') if assignee == who else
                _('{who} assigned this conversation to {assignee}')).format(who=who, assignee=assignee)
    if line.event == E.UNASSIGNED:
        return _('{who} unassigned this conversation').format(who=who)
    if line.event == E.LINKED:
        return _('{who} linked this conversation to {item}').format(who=who, item=details.get('item') or _('an item'))
    return who


def _listed(stored: object) -> str:
    """The people a line names: a list (joined in the reader's language), or the text of older lines."""
    if isinstance(stored, list) and stored:
        return names([str(name) for name in stored])
    return str(stored) if stored else _('someone')
