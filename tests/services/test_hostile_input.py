"""The catalogue of hostile and odd input: each is shown as text, cleaned or refused with a reason; nothing lost."""
from datetime import timedelta

import pytest
from sqlmodel import select

from models import OutboundEmail
from services.conversations import parse_conversation_id
from services.errors import InvalidInput, NotFound
from tests.conftest import cid

SCRIPT = '<script>alert("x")</script><img src=x onerror=alert(1)>'


def emailed(parley, conversation_id):
    parley.deliveries.clock = lambda: parley.conversations.clock() + timedelta(minutes=5)
    parley.deliveries.send_due()
    with parley.db.session() as session:
        return session.exec(select(OutboundEmail).where(OutboundEmail.conversation_id == conversation_id)).one()


def test_html_and_script_are_stored_as_text_and_escaped_in_email(parley, team):
    customer = parley.directory.create_customer(name=f'Eve {SCRIPT}', email='eve@example.com')
    conversation = parley.conversations.create_conversation(
        team['alice'], participant_ids=[customer.id], body=f'Look: {SCRIPT}', client_id=cid(), subject=SCRIPT)
    [message] = parley.conversations.list_messages(team['alice'], conversation.id)
    assert message.body == f'Look: {SCRIPT}' and conversation.title == SCRIPT
    email = emailed(parley, conversation.id)
    assert '<script>' not in email.html_body and '&lt;script&gt;' in email.html_body
    assert email.to_name == f'Eve {SCRIPT}'   # a header value of one line; the mail library encodes it
    ticket = parley.items.create(team['alice'], 'ticket', title=SCRIPT, customer_id=customer.id)
    assert ticket.title == SCRIPT
    assert parley.notifications.bell(team['alice']) == []


@pytest.mark.parametrize('raw, stored', [
    ('Ali\u202ece', 'Alice'),                      # right-to-left override
    ('Alice\u200b Admin', 'Alice Admin'),          # zero-width space
    ('Al\u2066ice\u2069', 'Alice'),                # directional isolates
    ('Bob\x00\x07\x1b[31m', 'Bob[31m'),            # NUL, bell, escape
    ('  Zoë   Łukasz 👩‍👩‍👧 ', 'Zoë Łukasz 👩‍👩‍👧'),  # kept: accents, emoji with their joiners
])
def test_names_lose_invisible_and_control_characters_and_keep_the_rest(parley, team, raw, stored):
    assert parley.directory.add_customer(team['alice'], name=raw, email='x@example.com').name == stored


def test_header_injection_in_names_and_subjects_ends_on_one_line(parley, team):
    customer = parley.directory.create_customer(name='Mallory\r\nBcc: victim@example.org', email='m@example.com')
    assert customer.name == 'Mallory Bcc: victim@example.org'
    conversation = parley.conversations.create_conversation(
        team['alice'], participant_ids=[customer.id], body='Hi', client_id=cid(),
        subject='Invoice\r\nBcc: victim@example.org')
    email = emailed(parley, conversation.id)
    assert '\n' not in email.subject and '\r' not in email.subject and '\n' not in email.to_name


def test_bodies_keep_their_lines_emoji_and_combining_marks_but_not_control_characters(parley, team):
    body = 'Line one\r\nLine two\twith tab\x00\x08\n👍🏽 e\u0301 \u202eevil'
    conversation = parley.conversations.create_conversation(team['alice'], participant_ids=[team['susan'].id],
                                                            body=body, client_id=cid())
    [message] = parley.conversations.list_messages(team['susan'], conversation.id)
    assert message.body == 'Line one\nLine two\twith tab\n👍🏽 e\u0301 evil'


@pytest.mark.parametrize('body, reason', [('', 'Write a message first.'), ('   \n\u200b ', 'Write a message first.'),
                                          ('x' * 10_001, 'the limit is 10,000')])
def test_empty_or_oversized_messages_are_refused_and_nothing_is_stored(parley, team, body, reason):
    conversation = parley.conversations.create_conversation(team['alice'], participant_ids=[team['susan'].id],
                                                            body='First', client_id=cid())
    with pytest.raises(InvalidInput, match=reason):
        parley.conversations.send_message(team['alice'], conversation.id, body=body, client_id=cid())
    assert len(parley.conversations.list_messages(team['alice'], conversation.id)) == 1


def test_a_message_of_exactly_the_limit_is_kept_whole(parley, team):
    body = 'é' * 10_000
    conversation = parley.conversations.create_conversation(team['alice'], participant_ids=[team['susan'].id],
                                                            body=body, client_id=cid())
    assert parley.conversations.list_messages(team['susan'], conversation.id)[0].body == body


def test_very_long_participant_lists_are_refused_with_a_reason(parley, team):
    many = [parley.directory.create_customer(name=f'C{i}', email=f'c{i}@example.com').id for i in range(101)]
    with pytest.raises(InvalidInput, match='up to 100 participants; this one has 101'):
        parley.conversations.create_conversation(team['alice'], participant_ids=many, body='Hi', client_id=cid())
    assert parley.conversations.list_conversations(team['alice']) == []


@pytest.mark.parametrize('client_id', ['', ' ', 'x' * 65])
def test_malformed_client_ids_are_refused(parley, team, client_id):
    with pytest.raises(InvalidInput, match='reload the page'):
        parley.conversations.create_conversation(team['alice'], participant_ids=[team['susan'].id], body='Hi',
                                                 client_id=client_id)


@pytest.mark.parametrize('raw', ['1 OR 1=1', '../1', '１２', '1e3', '0x10', '-5', '9' * 40, '%00'])
def test_malformed_ids_in_addresses_are_simply_not_found(parley, team, raw):
    with pytest.raises(NotFound):
        parse_conversation_id(raw)
    with pytest.raises(NotFound):
        parley.items.get(team['alice'], 'ticket', raw)
