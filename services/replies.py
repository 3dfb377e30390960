"""Saved replies: answers kept for reuse, the team's (kept by admins) and each agent's own.

Typing "/" at the start of the composer suggests them by shortcut or title; the chosen one is filled in for the
conversation: {customer.first_name}, {customer.name}, {agent.first_name}, {agent.name}. Anything else in braces
stays as typed.
"""
from collections.abc import Sequence
from dataclasses import dataclass
import re

from sqlalchemy import or_
from sqlmodel import col, select

from models import SavedReply, UserKind
from models._types import utcnow
from services import access
from services.i18n import N_
from services.access import acting, is_id
from services.conversations import MAX_MESSAGE_LENGTH
from services.db import Database
from services.errors import Forbidden, InvalidInput, NotFound
from services.text import clean_text, one_line
from services.views import UserView

REPLY_NOT_FOUND = N_('This saved reply does not exist any more.')
SHORTCUT = re.compile(r'[a-z0-9][a-z0-9-]{0,31}')
MAX_TITLE = 100
MAX_REPLIES = 500   # per agent, and for the team
PLACEHOLDERS = ('{customer.first_name}', '{customer.name}', '{agent.first_name}', '{agent.name}')


@dataclass(frozen=True)
class SavedReplyView:
    id: int
    title: str
    shortcut: str
    body: str
    shared: bool   # the team's (admins keep it); else the viewer's own
    mine: bool     # the viewer may change it


def fill(body: str, *, agent: UserView, customers: Sequence[UserView] = ()) -> str:
    """The reply as it goes into this conversation: the placeholders filled in (the first customer's name; with
    no customer, their placeholders are left out)."""
    customer = customers[0] if customers else None
    values = {'{customer.name}': customer.name if customer else '',
              '{customer.first_name}': _first(customer.name) if customer else '',
              '{agent.name}': agent.name, '{agent.first_name}': _first(agent.name)}
    text = body
    for placeholder, value in values.items():
        text = text.replace(placeholder, value)
    if customer is None:   # "Hi {customer.first_name}," with nobody to name reads "Hi,"
        text = re.sub(r'[ \t]+([,.!?;:])', r'\1', text)
        text = re.sub(r'[ \t]{2,}', ' ', text)
    return text


def _first(name: str) -> str:
    return (name.split() or [''])[0]


def _view(row: SavedReply, actor: UserView) -> SavedReplyView:
    shared = row.owner_id is None
    return SavedReplyView(id=row.id, title=row.title, shortcut=row.shortcut, body=row.body, shared=shared,
                          mine=(actor.is_admin if shared else row.owner_id == actor.id))


class SavedReplyService:
    def __init__(self, db: Database) -> None:
        self.db = db

    @acting
    def list_replies(self, actor: UserView) -> list[SavedReplyView]:
        """The team's replies and the agent's own, by shortcut (their own first where both have one)."""
        access.require_agent(actor, Forbidden('Saved replies are for agents.'))
        with self.db.session() as session:
            rows = session.exec(select(SavedReply).where(or_(col(SavedReply.owner_id).is_(None),
                                                             col(SavedReply.owner_id) == actor.id))).all()
        return sorted((_view(r, actor) for r in rows), key=lambda r: (r.shortcut, r.shared, r.title.lower()))

    def suggest(self, replies: Sequence[SavedReplyView], typed: str, limit: int = 8) -> list[SavedReplyView]:
        """The replies whose shortcut starts with what follows "/" (then those whose title has it)."""
        typed = typed.strip().lower()
        first = [r for r in replies if r.shortcut.startswith(typed)]
        then = [r for r in replies if r not in first and typed in r.title.lower()]
        return (first + then)[:limit]

    @acting
    def create(self, actor: UserView, *, title: str, shortcut: str, body: str, shared: bool = False) -> SavedReplyView:
        """A new reply: the agent's own, or the team's (admins only)."""
        access.require_agent(actor, Forbidden('Saved replies are for agents.'))
        if shared:
            access.require_admin(actor, 'Only admins keep the team\'s saved replies. Save it as your own instead.')
        title, shortcut, body = _validated(title, shortcut, body)
        owner = None if shared else actor.id
        with self.db.transaction() as tx:
            _unique(tx.session, owner, shortcut)
            count = len(tx.session.exec(select(SavedReply.id).where(SavedReply.owner_id == owner)).all())
            if count >= MAX_REPLIES:
                raise InvalidInput('There are {count} saved replies here already; remove some first.', count=count)
            row = SavedReply(owner_id=owner, title=title, shortcut=shortcut, body=body, updated_at=utcnow())
            tx.session.add(row)
            tx.session.flush()
            return _view(row, actor)

    @acting
    def update(self, actor: UserView, reply_id: int, *, title: str, shortcut: str, body: str) -> SavedReplyView:
        title, shortcut, body = _validated(title, shortcut, body)
        with self.db.transaction() as tx:
            row = _editable(tx.session, actor, reply_id)
            if shortcut != row.shortcut:
                _unique(tx.session, row.owner_id, shortcut)
            row.title, row.shortcut, row.body, row.updated_at = title, shortcut, body, utcnow()
            tx.session.add(row)
            return _view(row, actor)

    @acting
    def delete(self, actor: UserView, reply_id: int) -> None:
        with self.db.transaction() as tx:
            tx.session.delete(_editable(tx.session, actor, reply_id))


def _validated(title: str, shortcut: str, body: str) -> tuple[str, str, str]:
    title = one_line(title)
    shortcut = one_line(shortcut).lstrip('/').lower()
    body = clean_text(body).strip()
    if not title:
        raise InvalidInput('Give the reply a title (what it is for).')
    if len(title) > MAX_TITLE:
        raise InvalidInput('Keep the title under {max_title} characters.', max_title=MAX_TITLE)
    if not SHORTCUT.fullmatch(shortcut):
        raise InvalidInput('A shortcut is 1 to 32 lowercase letters, digits or dashes, such as "refund" or "hi-2".')
    if not body:
        raise InvalidInput('Write the reply\'s text.')
    if len(body) > MAX_MESSAGE_LENGTH:
        raise InvalidInput('The text is {count} characters; a message can have {max_message_length}.',
                           count=len(body), max_message_length=MAX_MESSAGE_LENGTH)
    return title, shortcut, body


def _unique(session, owner_id: int | None, shortcut: str) -> None:
    owner = col(SavedReply.owner_id).is_(None) if owner_id is None else SavedReply.owner_id == owner_id
    if session.exec(select(SavedReply.id).where(owner, SavedReply.shortcut == shortcut)).first() is not None:
        raise InvalidInput('"/{shortcut}" is taken already. Pick another shortcut.', shortcut=shortcut)


def _editable(session, actor: UserView, reply_id: object) -> SavedReply:
    """The reply if the actor may change it: their own, or the team's for an admin; NotFound for others' own."""
    row = session.get(SavedReply, reply_id) if is_id(reply_id) else None
    if row is None or actor.kind != UserKind.AGENT or (row.owner_id is not None and row.owner_id != actor.id):
        raise NotFound(REPLY_NOT_FOUND)
    if row.owner_id is None and not actor.is_admin:
        raise Forbidden('Only admins change the team\'s saved replies.')
    return row
