"""The SMTP listener itself: real SMTP sessions on a free port."""
import smtplib

import pytest

from services.inbound_smtp import parse_address
from tests import mailcorpus as corpus
from tests.conftest import cid, smtp_listener


@pytest.fixture
def listener(parley):
    with smtp_listener(parley.inbound) as server:
        yield server


def send(listener, raw: bytes, to: str = 'support@parley.localhost') -> None:
    with smtplib.SMTP(listener.host, listener.port, timeout=10) as client:
        client.sendmail('customer@example.com', [to], raw)


def test_garbage_is_quarantined_and_the_listener_keeps_serving(parley, team, listener):
    send(listener, b'\x00\xff\xfe not an email at all')
    send(listener, b'From: =?bogus?q?x?= <\r\nContent-Type: multipart/mixed; boundary=\r\n\r\n--\r\n--')
    send(listener, corpus.fresh())
    outcomes = [e.outcome for e in parley.inbound.list_emails(team['alice'], triage=False)]
    assert outcomes == ['unmatched', 'quarantined', 'quarantined']


def test_an_oversized_email_is_refused_with_552(parley, team):
    parley.inbound.max_bytes = 4096
    with smtp_listener(parley.inbound) as server, \
            pytest.raises((smtplib.SMTPDataError, smtplib.SMTPSenderRefused)) as refused:
        send(server, corpus.with_attachment('support@parley.localhost'))
    assert refused.value.smtp_code == 552
    assert parley.inbound.list_emails(team['alice'], triage=False) == []


def test_a_sender_over_the_limit_gets_a_temporary_451(parley, team, listener):
    parley.inbound.rate_limit.limit = 1
    send(listener, corpus.fresh('first'))
    with pytest.raises(smtplib.SMTPDataError) as refused:
        send(listener, corpus.fresh('second'))
    assert refused.value.smtp_code == 451


def test_a_reply_is_posted_through_smtp(parley, team, listener):
    conversation = parley.conversations.create_conversation(
        team['alice'], participant_ids=[team['customer'].id], body='Hello', client_id=cid())
    parley.conversations.send_message(team['alice'], conversation.id, body='Anyone?', client_id=cid())
    parley.deliveries.clock = lambda: conversation.last_message_at.replace(year=2100)
    assert parley.deliveries.send_due() == 1
    [email] = parley.mail.list_outbox(team['alice'])
    address = email.reply_to.split('<')[1].rstrip('>')
    send(listener, corpus.apple_mail(address), to=address)
    assert parley.conversations.list_messages(team['alice'], conversation.id)[-1].body == 'Works now.'


@pytest.mark.parametrize('value, expected', [('off', None), ('', None), ('127.0.0.1:2525', ('127.0.0.1', 2525)),
                                             ('[::1]:25', ('::1', 25))])
def test_listener_addresses(value, expected):
    assert parse_address(value) == expected


@pytest.mark.parametrize('value', ['2525', 'localhost:', 'host:99999', 'host:port'])
def test_a_malformed_listener_address_says_what_is_expected(value):
    with pytest.raises(ValueError, match='host:port'):
        parse_address(value)
