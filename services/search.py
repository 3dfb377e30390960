"""Search, as an agent types: messages and notes of the conversations they may open (the database's full-text index,
services.fulltext), conversations by subject or by the names and emails of their people, and #T-12 / #K-7.

The query is words, never syntax: quotes, `*`, NEAR, `-` and parentheses are just characters between words, and each
word matches words that start with it ("razao" finds "razões" on SQLite, whose index drops accents). A customer
cannot search. Results are the newest first.
"""
from dataclasses import dataclass
from datetime import datetime
import re

from sqlalchemy import text
from sqlmodel import Session, col, func, or_, select

from models import Conversation, Item, ItemKind, Participant, User
from models._types import UTCDateTime
from services import access
from services.access import acting
from services.conversations import ConversationService
from services.db import Database
from services.errors import Forbidden
from services.fulltext import FTS_TABLE, PG_CONFIG
from services.text import one_line
from services.views import ConversationView, ItemLink, UserView

MAX_QUERY = 500
MAX_WORDS = 8
MESSAGES = 20
CONVERSATIONS = 5
MARK_START, MARK_END = '\x02', '\x03'   # around a match in a snippet (never in a stored message: services.text)
_WORD = re.compile(r'[^\W_]+')
_REFERENCE = re.compile(r'#?\b([TtKk])-(\d{1,9})\b')


@dataclass(frozen=True)
class MessageHit:
    conversation: ConversationView
    message_id: int
    author: UserView
    at: datetime
    is_note: bool
    snippet: tuple[tuple[str, bool], ...]   # the text around the match: (words, matched) in order


@dataclass(frozen=True)
class SearchResults:
    query: str
    conversations: tuple[ConversationView, ...] = ()   # by subject, by their people, by a #T-12 reference
    items: tuple[ItemLink, ...] = ()                    # tickets and tasks named by a reference
    messages: tuple[MessageHit, ...] = ()

    @property
    def empty(self) -> bool:
        return not (self.conversations or self.items or self.messages)


class SearchService:
    def __init__(self, db: Database, conversations: ConversationService) -> None:
        self.db, self.conversations = db, conversations
        self._messages = text(_POSTGRESQL if db.engine.dialect.name == 'postgresql' else _SQLITE).columns(
            created_at=UTCDateTime())

    @acting
    def search(self, actor: UserView, query: str, *, limit: int = MESSAGES) -> SearchResults:
        """What the agent may read that matches the words typed, newest first."""
        access.require_agent(actor, Forbidden('Customers cannot search.'))
        query = one_line(query)[:MAX_QUERY]
        words = [w.lower() for w in _WORD.findall(query)][:MAX_WORDS]
        if not words:
            return SearchResults(query=query)
        with self.db.session() as session:
            items = _items(session, query)
            conversation_ids = self._conversations(session, actor, query, items)
            rows = session.execute(self._messages, {'q': self._match(words), 'actor': actor.id,
                                                    'limit': max(1, min(limit, 50))}).all()
            wanted = list(dict.fromkeys([*conversation_ids, *(r.conversation_id for r in rows)]))
            views = {c.id: c for c in self.conversations.views_of(session, actor, wanted)}
            authors = {u.id: access.to_view(u) for u in session.exec(
                select(User).where(col(User.id).in_({r.author_id for r in rows}))).all()}
        hits = tuple(MessageHit(conversation=views[r.conversation_id], message_id=r.id, author=authors[r.author_id],
                                at=r.created_at, is_note=bool(r.is_note), snippet=_parts(r.snippet))
                     for r in rows if r.conversation_id in views)
        return SearchResults(query=query, conversations=tuple(views[i] for i in conversation_ids if i in views),
                             items=tuple(link for _, link in items), messages=hits)

    def _match(self, words: list[str]) -> str:
        """The words as the index's query language, each a prefix, all of them required (nothing else passes)."""
        if self.db.engine.dialect.name == 'postgresql':
            return ' & '.join(f"'{w}':*" for w in words)
        return ' '.join(f'"{w}"*' for w in words)

    def _conversations(self, session: Session, actor: UserView, query: str,
                       items: list[tuple[int, ItemLink]]) -> list[int]:
        """Conversations the actor may open, by a reference to their item, their subject or their people."""
        mine = select(Participant.conversation_id).where(Participant.user_id == actor.id)
        opened = or_(col(Conversation.id).in_(mine), col(Conversation.unassigned).is_(True))
        text_ = query.lower()
        people = select(Participant.conversation_id).join(User, col(User.id) == Participant.user_id).where(
            col(Participant.conversation_id).in_(mine), User.id != actor.id,
            or_(func.lower(User.name).contains(text_, autoescape=True),
                func.lower(User.email).contains(text_, autoescape=True)))
        matches = [func.lower(func.coalesce(Conversation.subject, '')).contains(text_, autoescape=True),
                   col(Conversation.id).in_(people)]
        if items:
            matches.append(col(Conversation.item_id).in_([item_id for item_id, _ in items]))
        return list(session.exec(select(Conversation.id).where(opened, or_(*matches))
                                 .order_by(col(Conversation.last_message_at).desc()).limit(CONVERSATIONS)).all())


def _items(session: Session, query: str) -> list[tuple[int, ItemLink]]:
    """Tickets and tasks a query names by reference (#T-12, K-7)."""
    found = []
    for prefix, number in _REFERENCE.findall(query)[:5]:
        kind = ItemKind.TICKET if prefix.upper() == 'T' else ItemKind.TASK
        item = session.exec(select(Item).where(Item.kind == kind, Item.number == int(number))).first()
        if item is not None:
            found.append((item.id, ItemLink(kind=item.kind, number=item.number, title=item.title)))
    return found


def _parts(snippet: str | None) -> tuple[tuple[str, bool], ...]:
    """A snippet with its marks as (text, matched) parts."""
    parts: list[tuple[str, bool]] = []
    for i, piece in enumerate(re.split(f'({MARK_START}.*?{MARK_END})', snippet or '')):
        if piece:
            matched = i % 2 == 1
            parts.append((piece.strip(MARK_START + MARK_END) if matched else piece, matched))
    return tuple(parts)


# Who may read a message: its conversation's participants; every agent while the conversation is unassigned.
_MAY_READ = ('(EXISTS (SELECT 1 FROM participant p WHERE p.conversation_id = m.conversation_id AND p.user_id = :actor) '
             'OR EXISTS (SELECT 1 FROM conversation c WHERE c.id = m.conversation_id AND c.unassigned))')
# The index hands out matches newest first, so a page of hits reads only as many matches as it needs.
_SQLITE = (f'SELECT m.id, m.conversation_id, m.author_id, m.created_at, m.is_note, '
           f"snippet({FTS_TABLE}, 0, char(2), char(3), '…', 16) AS snippet "
           f'FROM {FTS_TABLE} JOIN message m ON m.id = {FTS_TABLE}.rowid '
           f'WHERE {FTS_TABLE} MATCH :q AND {_MAY_READ} ORDER BY {FTS_TABLE}.rowid DESC LIMIT :limit')
_POSTGRESQL = (f'SELECT m.id, m.conversation_id, m.author_id, m.created_at, m.is_note, '
               f"ts_headline('{PG_CONFIG}', m.body, q, 'StartSel=\x02, StopSel=\x03, MaxWords=24, MinWords=8, "
               "ShortWord=1, MaxFragments=1, FragmentDelimiter=…') AS snippet "
               f"FROM message m, to_tsquery('{PG_CONFIG}', :q) q "
               f"WHERE to_tsvector('{PG_CONFIG}', m.body) @@ q AND m.event IS NULL AND {_MAY_READ} "
               'ORDER BY m.id DESC LIMIT :limit')
