"""Service throughput: messages per second through the real send path, and SQL statements per send.

The send path is ConversationService.send_message as the pages call it: validate, check access, store the
message, unread counts, delivery rows, notifications, commit, then the events to every subscriber. The
floor is the least any durable send costs on the same file: one INSERT and a commit with sqlite3.
"""
from pathlib import Path
import sqlite3
import time

from bench.common import StatementCounter, build_workspace, cid
from services.events import MessageSent

WARMUP = 20


def run(folder: Path, *, messages: int = 3000, receivers: int = 25, database_url: str | None = None) -> dict:
    ws = build_workspace(folder, agents=receivers + 1, customers=1, database_url=database_url)
    parley = ws.parley
    try:
        sender, others = ws.agents[0], ws.agents[1:]
        # One subscriber per receiver, as an open page would be: it queues the event for its page (a page's
        # subscriber queues it on the event loop, ui/live.py), and the events are counted afterwards.
        received: dict[int, list] = {agent.id: [] for agent in others}
        for agent in others:
            parley.bus.subscribe(agent.id, received[agent.id].append)
        counter = StatementCounter(parley.db.engine)
        group = parley.conversations.create_conversation(
            sender, participant_ids=[a.id for a in others], body='Benchmark group', client_id=cid())
        customer_chat = parley.conversations.create_conversation(
            sender, participant_ids=[ws.customers[0].id], body='Benchmark customer', client_id=cid(),
            with_customer=True)
        result = {'receivers': receivers, 'messages': messages}
        for name, conversation in (('group', group), ('customer', customer_chat)):
            for i in range(WARMUP):
                parley.conversations.send_message(sender, conversation.id, body=f'warm-up {i}', client_id=cid())
            with counter.recording() as statements:
                parley.conversations.send_message(sender, conversation.id, body='counted', client_id=cid())
            for queue in received.values():
                queue.clear()
            count = messages if name == 'group' else max(1, messages // 3)
            started = time.perf_counter()
            for i in range(count):
                parley.conversations.send_message(sender, conversation.id, body=f'Message {i} of the benchmark',
                                                  client_id=cid())
            elapsed = time.perf_counter() - started
            result[name] = {'messages': count, 'per_second': round(count / elapsed),
                            'statements_per_send': len(statements), 'statements': statements,
                            'events_delivered': sum(isinstance(e, MessageSent) for q in received.values() for e in q)}
        result['group']['events_expected'] = result['group']['messages'] * receivers
        result['floor_per_second'] = _floor(folder / 'floor.db', messages)
        result['ratio'] = round(result['floor_per_second'] / result['group']['per_second'], 2)
        return result
    finally:
        parley.close()


def _floor(path: Path, messages: int) -> int:
    """One INSERT and one commit per message, same pragmas as Parley's database."""
    connection = sqlite3.connect(path)
    connection.execute('PRAGMA journal_mode=WAL')
    connection.execute('PRAGMA synchronous=NORMAL')
    connection.execute('CREATE TABLE message (id INTEGER PRIMARY KEY, conversation_id INTEGER, body TEXT)')
    started = time.perf_counter()
    for i in range(messages):
        connection.execute('INSERT INTO message (conversation_id, body) VALUES (?, ?)', (1, f'Message {i}'))
        connection.commit()
    elapsed = time.perf_counter() - started
    connection.close()
    return round(messages / elapsed)
