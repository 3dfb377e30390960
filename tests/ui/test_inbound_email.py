"""Customer replies by email, as agents see them: live in the thread, and the admin's "Unmatched email" page."""
import asyncio
from datetime import timedelta
from email.utils import parseaddr
import smtplib

import pytest
from nicegui import ui
from nicegui.testing import User
from sqlalchemy.exc import OperationalError
from sqlmodel import select

from models import OutboundEmail
from services.inbound_smtp import InboundListener
from tests import mailcorpus as corpus
from tests.conftest import cid, smtp_listener
from tests.ui.conftest import sign_in


@pytest.fixture
def listener(app_parley):
    """The inbound SMTP listener on a free port, delivering into this test's Parley."""
    with smtp_listener(app_parley.inbound) as server:
        yield server


@pytest.fixture
def emailed(app_parley, people):
    """Alice wrote to Sample Customer, who was offline: the message went out by email. Returns (id, reply address)."""
    parley = app_parley
    customer = parley.directory.create_customer(name='Sample Customer', email='customer@example.com')
    parley.deliveries.window = timedelta(0)
    conversation = parley.conversations.create_conversation(
        people['alice'], participant_ids=[customer.id], body='Please restart the printer.', client_id=cid(),
        subject='Printer offline')
    parley.deliveries.send_due()
    with parley.db.session() as session:
        reply_to = session.exec(select(OutboundEmail.reply_to)).one()
    return conversation.id, parseaddr(reply_to)[1]


async def smtp_send(listener: InboundListener, raw: bytes, to: str) -> None:
    def send() -> None:
        with smtplib.SMTP(listener.host, listener.port, timeout=10) as client:
            client.sendmail('customer@example.com', [to], raw)
    await asyncio.to_thread(send)   # the page keeps running while the mail travels


async def test_an_emailed_reply_appears_live_in_the_open_thread(user: User, people, emailed, listener):
    conversation_id, reply_to = emailed
    await sign_in(user, 'alice@example.com', path=f'/messenger/{conversation_id}')
    await user.should_see('Please restart the printer.')
    await user.should_see('Emailed')
    await smtp_send(listener, corpus.with_attachment(reply_to), reply_to)
    await user.should_see('Here is the photo of the error.')
    await user.should_see('by email')
    await user.should_see('invoice.pdf · 8.8 KB')
    await user.should_see('Replied')            # the state of the message it answers
    await user.should_not_see('Please restart the printer and tell us')   # the quoted history is gone


async def test_an_emailed_reply_raises_the_unread_count_in_the_list(user: User, people, emailed, listener):
    conversation_id, reply_to = emailed
    await sign_in(user, 'alice@example.com')
    await user.should_see('Printer offline')
    await smtp_send(listener, corpus.gmail(reply_to), reply_to)
    await user.should_see('Thanks, that fixed it!')   # the preview in the list
    await user.should_see(marker=f'conversation-{conversation_id}', content='1 unread')   # the list's badge
    await user.should_see(marker='bell-count', content='1')   # and the customer's reply in the bell


async def test_an_admin_attaches_an_unmatched_email(user: User, people, emailed, app_parley):
    conversation_id, _reply_to = emailed
    receipt = app_parley.inbound.receive(corpus.fresh('Can I also get a copy of the invoice?'))
    assert receipt.outcome == 'unmatched'
    await sign_in(user, 'alice@example.com')
    await user.open('/admin/email')
    await user.should_see('Needs a decision (1)')
    await user.should_see('No reply address or thread header of ours')
    await user.should_see('Can I also get a copy of the invoice?')
    user.find(kind=ui.button, content='Attach').click()
    await user.should_see('Pick the conversation to attach this email to.')
    target = user.find(marker='attach-target').elements.pop()
    target.value = conversation_id
    user.find(kind=ui.button, content='Attach').click()
    await user.should_see('Attach this email?')
    await user.should_see('who joins the conversation')
    user.find(marker='confirm-attach').click()
    await user.should_see('Nothing waiting')
    messages = app_parley.conversations.list_messages(people['alice'], conversation_id)
    assert (messages[-1].body, messages[-1].via) == ('Can I also get a copy of the invoice?', 'email')


async def test_an_admin_discards_a_quarantined_email_and_agents_cannot_see_the_page(user: User, people,
                                                                                      app_parley):
    app_parley.inbound.receive(b'Subject: no sender at all\r\n\r\nhello')
    await sign_in(user, 'alice@example.com')
    await user.open('/admin/email')
    await user.should_see('The email has no valid sender address (From).')
    await user.should_see('no sender at all')   # its subject, to recognise it
    user.find(kind=ui.button, content='Show source').click()
    await user.should_see('Subject: no sender at all')
    user.find(kind=ui.button, content='Close').click()
    user.find(kind=ui.button, content='Discard').click()
    await user.should_see('Nothing waiting')
    user.find('All received email').click()
    await user.should_see('Discarded')


async def test_the_unmatched_email_page_is_for_admins_only(user: User, people):
    await sign_in(user, 'susan@example.com')
    await user.open('/admin/email')
    await user.should_see('Only admins manage customers and agents.')


async def test_the_inbound_api_takes_raw_email_with_the_secret_only(user: User, people, emailed, app_parley):
    conversation_id, reply_to = emailed
    client = user.http_client
    raw = corpus.gmail(reply_to, body='Posted by a webhook')
    headers = {'Content-Type': 'message/rfc822', 'Authorization': 'Bearer s3cret'}
    answer = await client.post('/api/inbound-email', content=raw, headers=headers)
    assert answer.status_code == 404 and 'PARLEY_INBOUND_SECRET' in answer.json()['reason']   # off until set
    app_parley.settings.inbound_secret = 's3cret'
    answer = await client.post('/api/inbound-email', content=raw, headers={**headers, 'Authorization': 'Bearer no'})
    assert answer.status_code == 401 and answer.headers['www-authenticate'] == 'Bearer'
    answer = await client.post('/api/inbound-email', content=raw, headers={**headers, 'Content-Type': 'text/html'})
    assert answer.status_code == 415
    answer = await client.post('/api/inbound-email', content=raw, headers=headers)
    assert answer.status_code == 200 and answer.json()['outcome'] == 'posted'
    answer = await client.post('/api/inbound-email', content=raw, headers=headers)
    assert answer.json()['outcome'] == 'duplicate'
    app_parley.inbound.max_bytes = 1024
    answer = await client.post('/api/inbound-email', content=raw + b' ' * 2048, headers=headers)
    assert answer.status_code == 413
    messages = app_parley.conversations.list_messages(people['alice'], conversation_id)
    assert [m.body for m in messages].count('Posted by a webhook') == 1


async def test_the_inbound_api_asks_to_retry_when_it_cannot_store(user: User, people, app_parley, monkeypatch):
    app_parley.settings.inbound_secret = 's3cret'

    def database_busy(*args, **kwargs):
        raise OperationalError('INSERT', {}, Exception('database is locked'))
    monkeypatch.setattr(app_parley.inbound, 'receive', database_busy)
    answer = await user.http_client.post('/api/inbound-email', content=corpus.fresh(), headers={
        'Content-Type': 'message/rfc822', 'Authorization': 'Bearer s3cret'})
    assert answer.status_code == 503 and answer.headers['retry-after'] == '30'


async def test_an_unmatched_email_from_a_known_customer_becomes_a_ticket(user: User, people, app_parley):
    customer = app_parley.directory.create_customer(name='Sample Customer', email='customer@example.com')
    raw = corpus.gmail('help@parley.localhost', 'The invoice is wrong.', subject='Invoice 99',
                       sender=f'Sample Customer <{customer.email}>')
    receipt = app_parley.inbound.receive(raw)
    await sign_in(user, 'alice@example.com')
    await user.open('/admin/email')
    user.find(marker='create-ticket').click()
    await user.should_see('A ticket for customer@example.com titled "Invoice 99"')
    await user.should_not_see('is not a customer yet')
    user.find(marker='confirm-start').click()
    await user.should_see('Ticket created.')
    [ticket] = app_parley.items.list(people['alice'], 'ticket', customer_id=customer.id)
    assert (ticket.title, ticket.description) == ('Invoice 99', 'The invoice is wrong.')
    assert app_parley.inbound.triage_count(people['alice']) == 0
    assert [e.what for e in app_parley.audit.entries(people['alice'])] == ['Email made a ticket']
    assert receipt.inbound_id
