"""A ticket for Sample Customer, a conversation with the customer from it, and their email reply on it."""
import asyncio
from email.utils import parseaddr
import re
import smtplib
import uuid

from playwright.async_api import expect

from tests import mailcorpus as corpus
from tests.e2e.test_customer_chat import wait_for_mail
from tests.e2e.test_direct_conversations import LIVE, thread


async def test_a_customer_email_reply_lands_on_the_tickets_conversation(new_person, mail_sink, inbound_port):
    title = f'Printer offline {uuid.uuid4().hex[:6]}'
    alice = await new_person('alice@example.com')
    await alice.get_by_role('link', name='Tickets', exact=True).click()
    await alice.wait_for_url('**/tickets')
    await alice.get_by_role('button', name='New ticket').click()
    await alice.get_by_label('Title', exact=True).fill(title)
    customer = alice.get_by_role('textbox', name='Customer')
    await customer.fill('Sample')
    await expect(alice.get_by_role('option', name=re.compile('Sample Customer'))).to_be_visible()
    await customer.press('Enter')   # picks the highlighted match, as in the messenger
    await expect(alice.get_by_role('dialog').locator('.q-chip', has_text='Sample Customer')).to_be_visible()
    await alice.get_by_role('button', name='Create ticket').click()
    await alice.wait_for_url(re.compile(r'.*/tickets/\d+$'))
    ticket_url = alice.url
    await expect(alice.get_by_role('heading', name=title)).to_be_visible()

    await alice.get_by_role('button', name='Add conversation').click()
    await alice.get_by_text('Conversation with customer').click()
    await alice.wait_for_url('**/messenger/draft')
    await expect(alice.get_by_text(re.compile(r'Linked to Ticket #T-\d+: ' + title))).to_be_visible()
    before = len([m for rcpt, m in mail_sink.messages if 'customer@example.com' in rcpt])
    await alice.get_by_role('textbox', name='Message').fill('Is the printer showing an error code?')
    await alice.get_by_role('button', name='Create conversation').click()
    await alice.wait_for_url(re.compile(r'.*/messenger/\d+$'))
    await expect(alice.get_by_role('link', name=re.compile(r'Ticket #T-\d+: ' + title))).to_be_visible()

    # The customer is offline: the email goes out, and they answer it from their mail client.
    [*_, email] = await wait_for_mail(mail_sink, before + 1)
    assert 'Is the printer showing an error code?' in email.get_body(('plain',)).get_content()
    reply_to = parseaddr(email['Reply-To'])[1]

    def send() -> None:
        with smtplib.SMTP('127.0.0.1', inbound_port, timeout=10) as client:
            client.sendmail('customer@example.com', [reply_to],
                            corpus.outlook(reply_to, body='Error 42, blinking orange.'))
    await asyncio.to_thread(send)
    await expect(thread(alice).get_by_text('Error 42, blinking orange.')).to_be_visible(timeout=LIVE)

    await alice.goto(ticket_url)
    await expect(alice.get_by_text('Error 42, blinking orange.')).to_be_visible(timeout=LIVE)   # on the ticket
    await alice.get_by_text('Error 42, blinking orange.').click()
    await alice.wait_for_url(re.compile(r'.*/messenger/\d+$'))
    await expect(thread(alice).get_by_text('by email')).to_be_visible()
