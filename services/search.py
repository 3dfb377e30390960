"""Search, as an agent types: messages and notes of the conversations they may open (the database's full-text index,
services.fulltext), conversations by subject or by the names and emails of their people, and #T-12 / #K-7.

The query is words, never syntax: quotes, `*`, NEAR, `-` and parentheses are just characters between words. A message
matches when it has every word, the last one as the start of a word (it is still being typed), accents and case
aside ("razao" finds "razão"). A customer cannot search. Results are the newest first.
"""
from dataclasses import dataclass
from datetime import datetime
import re
import unicodedata

from sqlalchemy import text, union
from sqlmodel import Session, col, func, or_, select

from models import Conversation, Item, ItemKind, Participant, User
from models._types import UTCDateTime
from services import access
from services.access import MAX_ID, acting
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
PREFIX = 3            # letters of SQLite's prefix index (services.fulltext)
PREFIX_SCAN = 3000    # messages read at most to find words that start with a longer prefix
PREFIX_BATCH = 250
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
        self.postgresql = db.engine.dialect.name == 'postgresql'
        self._messages = text(_POSTGRESQL if self.postgresql else _SQLITE).columns(created_at=UTCDateTime())

    @acting
    def search(self, actor: UserView, query: str, *, limit: int = MESSAGES) -> SearchResults:
        """What the agent may read that matches the words typed, newest first."""
        access.require_agent(actor, Forbidden('Customers cannot search.'))
        query = one_line(query)[:MAX_QUERY]
        words = [fold(w) for w in _WORD.findall(query)][:MAX_WORDS]
        if not words:
            return SearchResults(query=query)
        limit = max(1, min(limit, 50))
        with self.db.session() as session:
            items = _items(session, query)
            conversation_ids = self._conversations(session, actor, query, items)
            rows = self._matching(session, actor, words, limit)
            wanted = list(dict.fromkeys([*conversation_ids, *(r.conversation_id for r in rows)]))
            views = {c.id: c for c in self.conversations.views_of(session, actor, wanted)}
            authors = {u.id: access.to_view(u) for u in session.exec(
                select(User).where(col(User.id).in_({r.author_id for r in rows}))).all()}
        hits = tuple(MessageHit(conversation=views[r.conversation_id], message_id=r.id, author=authors[r.author_id],
                                at=r.created_at, is_note=bool(r.is_note), snippet=snippet(r.body, words))
                     for r in rows if r.conversation_id in views)
        return SearchResults(query=query, conversations=tuple(views[i] for i in conversation_ids if i in views),
                             items=tuple(link for _, link in items), messages=hits)

    def _matching(self, session: Session, actor: UserView, words: list[str], limit: int) -> list:
        """The newest messages the actor may read with every word, the last one as the start of a word.

        PostgreSQL's index answers prefixes itself. SQLite's FTS5 builds a whole list for a prefix query unless its
        prefix index (three letters) covers it, and that list is slow for a common start: so the words are matched
        whole first, and only when that finds too few, messages with the last word's first three letters are read
        newest first and kept when a word of theirs starts with all of it (at most PREFIX_SCAN of them).
        """
        def run(match: str, before: int | None, count: int) -> list:
            return list(session.execute(self._messages, {'q': match, 'actor': actor.id, 'limit': count,
                                                         'before': before if before is not None else MAX_ID}).all())
        *whole, last = words
        if self.postgresql:
            return run(' & '.join([*(f"'{w}'" for w in whole), f"'{last}':*"]), None, limit)
        exact = ' '.join(f'"{w}"' for w in words)
        if len(last) < PREFIX:
            return run(exact, None, limit)
        if len(last) == PREFIX:
            return run(' '.join([*(f'"{w}"' for w in whole), f'"{last}"*']), None, limit)
        found = run(exact, None, limit)
        if len(found) >= limit:
            return found
        broad = ' '.join([*(f'"{w}"' for w in whole), f'"{last[:PREFIX]}"*'])
        seen, before, scanned = {r.id for r in found}, None, 0
        while scanned < PREFIX_SCAN and len(found) < limit:
            batch = run(broad, before, PREFIX_BATCH)
            if not batch:
                break
            scanned += len(batch)
            before = batch[-1].id
            found += [r for r in batch if r.id not in seen and any(t.startswith(last) for _, _, t in _tokens(r.body))]
        return sorted(found, key=lambda r: r.id, reverse=True)[:limit]

    def _conversations(self, session: Session, actor: UserView, query: str,
                       items: list[tuple[int, ItemLink]]) -> list[int]:
        """Conversations the actor may open, by a reference to their item, their subject or their people: each read
        off an index from the actor's own conversations (or the few unassigned ones), never a scan of all of them."""
        text_ = query.lower()
        mine = select(Participant.conversation_id).where(Participant.user_id == actor.id)
        subject = func.lower(func.coalesce(Conversation.subject, '')).contains(text_, autoescape=True)
        people = select(User.id).where(User.id != actor.id,
                                       or_(func.lower(User.name).contains(text_, autoescape=True),
                                           func.lower(User.email).contains(text_, autoescape=True)))
        found = [select(Participant.conversation_id).join(Conversation, col(Conversation.id) ==
                                                          Participant.conversation_id)
                 .where(Participant.user_id == actor.id, subject),
                 select(Conversation.id).where(col(Conversation.unassigned).is_(True), subject),
                 select(Participant.conversation_id).where(col(Participant.user_id).in_(people),
                                                           col(Participant.conversation_id).in_(mine))]
        if items:
            linked = col(Conversation.item_id).in_([item_id for item_id, _ in items])
            found.append(select(Conversation.id).where(linked, or_(col(Conversation.id).in_(mine),
                                                                   col(Conversation.unassigned).is_(True))))
        return list(session.exec(select(Conversation.id).where(col(Conversation.id).in_(union(*found)))
                                 .order_by(col(Conversation.last_message_at).desc()).limit(CONVERSATIONS)).all())


def fold(word: str) -> str:
    """A word as the index keeps it: lower case, accents removed ("Razão" -> "razao"; "Straße" keeps its ß, as
    unicode61 does)."""
    return ''.join(c for c in unicodedata.normalize('NFKD', word) if not unicodedata.combining(c)).lower()


def _tokens(body: str) -> list[tuple[int, int, str]]:
    return [(m.start(), m.end(), fold(m.group())) for m in _WORD.finditer(body)]


def snippet(body: str, words: list[str], *, before: int = 6, length: int = 24) -> tuple[tuple[str, bool], ...]:
    """The words of the body around the first match, as (text, matched) parts; a word matches when it starts with one
    of the query's words (accents and case aside)."""
    tokens = _tokens(body)
    matched = [any(t.startswith(w) for w in words) for _, _, t in tokens]
    if not tokens:
        return ((body[:200], False),) if body else ()
    first = next((i for i, m in enumerate(matched) if m), 0)
    lo, hi = max(0, first - before), min(len(tokens), max(0, first - before) + length)
    start, end = (0 if lo == 0 else tokens[lo][0]), (len(body) if hi == len(tokens) else tokens[hi - 1][1])
    parts: list[tuple[str, bool]] = [('…', False)] if start > 0 else []
    at = start
    for i in range(lo, hi):
        if matched[i]:
            s, e, _ = tokens[i]
            if s > at:
                parts.append((body[at:s], False))
            parts.append((body[s:e], True))
            at = e
    if end > at:
        parts.append((body[at:end], False))
    if end < len(body):
        parts.append(('…', False))
    return tuple(parts)


def _items(session: Session, query: str) -> list[tuple[int, ItemLink]]:
    """Tickets and tasks a query names by reference (#T-12, K-7)."""
    found = []
    for prefix, number in _REFERENCE.findall(query)[:5]:
        kind = ItemKind.TICKET if prefix.upper() == 'T' else ItemKind.TASK
        item = session.exec(select(Item).where(Item.kind == kind, Item.number == int(number))).first()
        if item is not None:
            found.append((item.id, ItemLink(kind=item.kind, number=item.number, title=item.title)))
    return found


# Who may read a message: its conversation's participants; every agent while the conversation is unassigned.
_MAY_READ = ('(EXISTS (SELECT 1 FROM participant p WHERE p.conversation_id = m.conversation_id AND p.user_id = :actor) '
             'OR EXISTS (SELECT 1 FROM conversation c WHERE c.id = m.conversation_id AND c.unassigned))')
# The index hands out matches newest first, so a page of hits reads only as many matches as it needs.
_SQLITE = (f'SELECT m.id, m.conversation_id, m.author_id, m.created_at, m.is_note, m.body '
           f'FROM {FTS_TABLE} JOIN message m ON m.id = {FTS_TABLE}.rowid '
           f'WHERE {FTS_TABLE} MATCH :q AND {FTS_TABLE}.rowid < :before AND {_MAY_READ} '
           f'ORDER BY {FTS_TABLE}.rowid DESC LIMIT :limit')
_POSTGRESQL = (f'SELECT m.id, m.conversation_id, m.author_id, m.created_at, m.is_note, m.body '
               f"FROM message m WHERE to_tsvector('{PG_CONFIG}', m.body) @@ to_tsquery('{PG_CONFIG}', :q) "
               f'AND m.event IS NULL AND m.id < :before AND {_MAY_READ} ORDER BY m.id DESC LIMIT :limit')
