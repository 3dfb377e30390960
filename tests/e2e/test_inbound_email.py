"""A customer answers Parley's email from their mail client: the reply shows live for the agents in Chromium."""
import asyncio
from datetime import timedelta
from email.utils import parseaddr
import re
import smtplib
import urllib.error
import urllib.request
import uuid

from playwright.async_api import expect

from tests import mailcorpus as corpus
from tests.conftest import cid
from tests.e2e.conftest import DEMO_PASSWORD, INBOUND_SECRET
from tests.e2e.test_customer_chat import wait_for_mail
from tests.e2e.test_direct_conversations import LIVE, thread


def post_email(server: str, raw: bytes, secret: str) -> tuple[int, str]:
    request = urllib.request.Request(f'{server}/api/inbound-email', data=raw, method='POST', headers={
        'Content-Type': 'message/rfc822', 'Authorization': f'Bearer {secret}'})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


async def test_an_emailed_reply_shows_live_with_the_unread_badge(new_person, server, server_parley, mail_sink,
                                                                 inbound_port):
    parley = server_parley
    alice_view = parley.auth.authenticate('alice@example.com', DEMO_PASSWORD)
    susan_view = parley.auth.authenticate('susan@example.com', DEMO_PASSWORD)
    [customer] = parley.directory.search_customers(alice_view, 'customer@example.com')
    before = len([m for rcpt, m in mail_sink.messages if 'customer@example.com' in rcpt])
    parley.deliveries.window = timedelta(0)   # due at once: the server's worker sends it
    conversation = parley.conversations.create_conversation(
        alice_view, participant_ids=[customer.id, susan_view.id], subject='Toner order 4711',
        body='Which colour do you need?', client_id=cid())

    # The server's worker emails the customer (nobody is on the live chat).
    [*_, email] = await wait_for_mail(mail_sink, before + 1)
    reply_to = parseaddr(email['Reply-To'])[1]
    assert email['Subject'] == 'Toner order 4711'

    alice = await new_person('alice@example.com')
    await alice.goto(f'/messenger/{conversation.id}')
    await expect(thread(alice).get_by_text('Which colour do you need?')).to_be_visible(timeout=LIVE)
    susan = await new_person('susan@example.com')
    item = susan.get_by_role('listitem').filter(has_text='Toner order 4711')
    await expect(item.get_by_label('1 unread')).to_be_visible(timeout=LIVE)   # Alice's question

    # The customer answers from Gmail: through the SMTP listener, quotes and signature stripped.
    raw = corpus.gmail(reply_to, body='Black, please.', in_reply_to=email['Message-ID'])

    def send() -> None:
        with smtplib.SMTP('127.0.0.1', inbound_port, timeout=10) as client:
            client.sendmail('customer@example.com', [reply_to], raw)
    await asyncio.to_thread(send)
    await expect(thread(alice).get_by_text('Black, please.')).to_be_visible(timeout=LIVE)
    await expect(thread(alice).get_by_text('by email')).to_be_visible(timeout=LIVE)
    await expect(thread(alice).get_by_text('Replied')).to_be_visible(timeout=LIVE)
    assert await thread(alice).get_by_text('Please restart the printer').count() == 0
    await expect(item.get_by_label('2 unread')).to_be_visible(timeout=LIVE)

    # The same reply again (a mail server retrying) is not posted twice; a provider webhook posts the next one.
    await asyncio.to_thread(send)
    status, answer = post_email(server, corpus.outlook(reply_to, body='And two cyan ones.'), 'wrong secret')
    assert status == 401
    status, answer = post_email(server, corpus.outlook(reply_to, body='And two cyan ones.'), INBOUND_SECRET)
    assert status == 200 and '"posted"' in answer
    await expect(thread(alice).get_by_text('And two cyan ones.')).to_be_visible(timeout=LIVE)
    await expect(item.get_by_label('3 unread')).to_be_visible(timeout=LIVE)
    assert await thread(alice).get_by_text('Black, please.').count() == 1


async def test_an_unmatched_email_becomes_a_conversation_the_customers_reply_threads_into(new_person, server,
                                                                                         mail_sink):
    address = f'nora-{uuid.uuid4().hex[:8]}@example.org'
    subject = f'Order {uuid.uuid4().hex[:6]} never came'
    status, answer = post_email(server, corpus.gmail('help@parley.localhost', 'Where is my order?', subject=subject,
                                                     sender=f'Nora New <{address}>'), INBOUND_SECRET)
    assert status == 200 and '"unmatched"' in answer

    alice = await new_person('alice@example.com')
    await alice.goto('/admin/email')
    card = alice.locator('.q-card').filter(has_text=address)
    await card.get_by_role('button', name='Start a new conversation').click()
    dialog = alice.get_by_role('dialog')
    await expect(dialog.get_by_text('is not a customer yet')).to_be_visible()
    await dialog.get_by_role('button', name='Start conversation and add the customer').click()
    await alice.wait_for_url(re.compile(r'.*/messenger/\d+$'))
    await expect(thread(alice).get_by_text('Where is my order?')).to_be_visible(timeout=LIVE)
    await alice.get_by_role('textbox', name='Message').fill('It ships today.')
    await alice.keyboard.press('Enter')

    [email] = await wait_for_mail(mail_sink, 1, to=address)
    assert email['Subject'] == subject
    status, answer = post_email(server, corpus.gmail(parseaddr(email['Reply-To'])[1], 'Great, thanks!',
                                                     sender=f'Nora New <{address}>', in_reply_to=email['Message-ID']),
                                INBOUND_SECRET)
    assert status == 200 and '"posted"' in answer
    await expect(thread(alice).get_by_text('Great, thanks!')).to_be_visible(timeout=LIVE)
