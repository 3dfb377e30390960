"""Data scale: a generated workspace (10,000 conversations, 1,000,000 messages) and the reads agents wait on:
the inbox, a thread, the Closed list (most conversations open), and search as an agent types.

The rows are written straight into Parley's tables with sqlite3 (generating them through the send path
would take minutes and measure nothing new); the reads go through ConversationService as pages call it.
"""
from datetime import datetime, timedelta
from pathlib import Path
import random
import sqlite3
import time

from bench.common import percentiles
from services.config import Settings
from services.container import build_parley
from services.views import Inbox

AGENTS = 20
CUSTOMERS = 500
# 2,000 made-up words: messages draw a few of them each, the first ones far more often than the last.
VOCABULARY = [a + b + c for a in ('ka', 'lo', 'mi', 'nu', 'pe', 'ra', 'so', 'ti', 'vu', 'ze')
              for b in ('bar', 'cen', 'dol', 'fim', 'gar', 'hul', 'jen', 'kor', 'lam', 'mos')
              for c in ('a', 'e', 'i', 'o', 'u', 'an', 'el', 'is', 'on', 'ur', 'ax', 'ez', 'im', 'ol', 'us', 'ay',
                        'ed', 'ik', 'op', 'ut')]
STAMP = '%Y-%m-%d %H:%M:%S.%f'


def run(folder: Path, *, conversations: int = 10_000, messages: int = 1_000_000, samples: int = 300) -> dict:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / 'scale.db'
    parley = build_parley(Settings(database_url=f'sqlite:///{path}', data_dir=folder))  # creates the tables
    started = time.perf_counter()
    mine = _generate(path, conversations, messages)
    generated = time.perf_counter() - started
    try:
        agent = parley.directory.get_users([1])[0]
        inbox = _timed(samples, lambda: parley.conversations.list_conversations(agent, limit=50))
        unassigned = _timed(samples, lambda: parley.conversations.list_unassigned(agent, limit=50))
        rng = random.Random(7)
        thread = _timed(samples, lambda: parley.conversations.list_messages(agent, rng.choice(mine)))
        closed = _timed(samples, lambda: parley.conversations.list_conversations(agent, inbox=Inbox.CLOSED, limit=50))
        counts = _timed(samples, lambda: parley.conversations.inbox_counts(agent))
        queries = _queries(rng, samples)
        search = _timed(samples, lambda: parley.search.search(agent, next(queries)))
        shown = parley.conversations.list_conversations(agent, limit=50)
        assert len(shown) == min(50, len(mine)), 'the inbox shows the agent\'s conversations'
        return {'conversations': conversations, 'messages': messages, 'agent_conversations': len(mine),
                'generate_seconds': round(generated, 1), 'database_mb': round(path.stat().st_size / 2**20),
                'inbox_ms': inbox, 'unassigned_ms': unassigned, 'thread_ms': thread, 'closed_ms': closed,
                'counts_ms': counts, 'search_ms': search}
    finally:
        parley.close()


def _queries(rng: random.Random, samples: int):
    """What agents type: a word, the start of one, two words; common and rare ones (the vocabulary is Zipf-like)."""
    while True:
        first, second = _word(rng), _word(rng)
        yield rng.choice([first, first[:3], f'{first} {second}', f'{first} {second[:2]}', first.upper()])


def _word(rng: random.Random) -> str:
    return VOCABULARY[min(int(rng.paretovariate(1.1)) - 1, len(VOCABULARY) - 1)]


def _timed(samples: int, read) -> dict:
    read()  # warm the page cache as a running server has it
    times = []
    for _ in range(samples):
        started = time.perf_counter()
        read()
        times.append((time.perf_counter() - started) * 1000)
    return percentiles(times)


def _generate(path: Path, conversations: int, messages: int) -> list[int]:
    """Agents, customers, conversations (a fifth of them with agent 1), their participants and messages."""
    rng = random.Random(42)
    db = sqlite3.connect(path)
    db.execute('PRAGMA journal_mode=WAL')
    db.execute('PRAGMA synchronous=OFF')
    start = datetime(2025, 1, 1)
    now = start.strftime(STAMP)
    db.executemany('INSERT INTO user (id, kind, name, email, is_admin, is_active, session_generation, created_at) '
                   'VALUES (?, ?, ?, ?, ?, 1, 0, ?)',
                   [(i, 'AGENT', f'Agent {i}', f'agent{i}@scale.example', i == 1, now) for i in range(1, AGENTS + 1)] +
                   [(AGENTS + i, 'CUSTOMER', f'Customer {i}', f'customer{i}@scale.example', False, now)
                    for i in range(1, CUSTOMERS + 1)])
    per_conversation = max(1, messages // max(1, conversations))
    mine, message_id = [], 0
    step = timedelta(seconds=20)
    for c in range(1, conversations + 1):
        agents = rng.sample(range(1, AGENTS + 1), rng.randint(1, 3))
        if rng.random() < 0.2 and 1 not in agents:
            agents[0] = 1
        customer = AGENTS + rng.randint(1, CUSTOMERS) if rng.random() < 0.3 else None
        if len(agents) == 1 and customer is None:
            agents.append(rng.choice([a for a in range(1, AGENTS + 1) if a != agents[0]]))
        members = agents + ([customer] if customer else [])
        if 1 in members:
            mine.append(c)
        count = per_conversation if c < conversations else messages - message_id
        t0 = start + timedelta(minutes=c)
        rows = []
        for k in range(count):
            message_id += 1
            words = ' '.join(_word(rng) for _ in range(6))
            rows.append((message_id, c, members[k % len(members)], f'Message {k} of conversation {c}: could you '
                         f'check the invoice address on the last order? {words}', f'{message_id}',
                         (t0 + step * k).strftime(STAMP)))
        last = (t0 + step * max(0, count - 1)).strftime(STAMP)
        db.execute('INSERT INTO conversation (id, kind, status, created_by_id, created_at, last_message_at, '
                   'last_message_preview, last_message_author_id, unassigned, customer_preview) '
                   "VALUES (?, ?, 'open', ?, ?, ?, ?, ?, 0, ?)",
                   (c, 'CUSTOMER' if customer else 'INTERNAL', agents[0], t0.strftime(STAMP), last,
                    'could you check the invoice address?', members[0], 'could you check the invoice address?'))
        db.executemany('INSERT INTO participant (conversation_id, user_id, joined_at, unread_count, '
                       'last_read_message_id, last_message_at) VALUES (?, ?, ?, ?, 0, ?)',
                       [(c, m, t0.strftime(STAMP), rng.randint(0, 3), last) for m in members])
        db.executemany("INSERT INTO message (id, conversation_id, author_id, body, client_id, is_note, via, "
                       "attachments, created_at) VALUES (?, ?, ?, ?, ?, 0, 'app', '[]', ?)", rows)
    db.commit()
    db.execute('ANALYZE')
    db.close()
    return mine
