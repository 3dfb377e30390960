"""Customer conversations: routing between live chat and email, delivery states, internal notes."""
from datetime import timedelta
from email.utils import parseaddr

import pytest
from sqlmodel import select

from models import Delivery, OutboundEmail
from services.config import Settings
from services.container import build_parley
from services.errors import InvalidInput, NotFound
from services.events import ConversationCreated, DeliveryChanged, MessageSent, NotificationCreated
from services.mail import MailService
from tests.conftest import Clock, cid, free_port

WINDOW = timedelta(seconds=60)


@pytest.fixture
def clock(parley) -> Clock:
    """One fake clock for sending, routing and the outbox."""
    fake = Clock()
    parley.conversations.clock = parley.deliveries.clock = parley.mail.clock = fake
    parley.chat.tokens.clock = fake
    return fake


@pytest.fixture
def chat(parley, team, clock):
    """Alice's conversation with Sample Customer (offline); returns its id."""
    conversation = parley.conversations.create_conversation(
        team['alice'], participant_ids=[team['customer'].id], body='Your order shipped today.', client_id=cid())
    return conversation.id


def states(parley, team, conversation_id):
    messages = parley.conversations.list_messages(team['alice'], conversation_id)
    return [(m.body, [d.label for d in m.deliveries]) for m in messages]


def outbox(parley):
    with parley.db.session() as session:
        return session.exec(select(OutboundEmail).order_by(OutboundEmail.id)).all()


def open_chat(parley, customer, conversation_id, page='chat-tab', visible=True):
    parley.presence.page_opened(customer.id, page, is_agent=False, conversation_id=conversation_id, visible=visible)


# ----- routing matrix ----------------------------------------------------------------------------

def test_offline_customer_gets_one_email_after_the_window(parley, team, clock, chat):
    assert states(parley, team, chat) == [('Your order shipped today.', ['Queued'])]
    clock.now += WINDOW - timedelta(seconds=1)
    assert parley.deliveries.send_due() == 0, 'the window is not over yet'
    clock.now += timedelta(seconds=1)
    assert parley.deliveries.send_due() == 1
    assert parley.deliveries.send_due() == 0, 'never twice'
    assert states(parley, team, chat) == [('Your order shipped today.', ['Emailed'])]
    [email] = outbox(parley)
    assert email.to_address == 'customer@example.com' and 'Your order shipped today.' in email.text_body


def test_visible_live_chat_is_delivered_live_then_seen_and_never_emailed(parley, team, clock, chat):
    customer = team['customer']
    open_chat(parley, customer, chat)
    message = parley.conversations.send_message(team['alice'], chat, body='Are you there?', client_id=cid())
    assert [d.label for d in message.deliveries] == ['Delivered live']
    parley.conversations.mark_read(customer, chat)   # what the visible chat page does on arrival
    clock.now += WINDOW * 5
    assert parley.deliveries.send_due() == 0
    assert states(parley, team, chat) == [('Your order shipped today.', ['Seen']), ('Are you there?', ['Seen'])]
    assert outbox(parley) == []


def test_hidden_tab_gets_it_live_but_is_emailed_when_not_seen_in_time(parley, team, clock, chat):
    customer = team['customer']
    parley.conversations.mark_read(customer, chat)
    open_chat(parley, customer, chat, visible=False)
    parley.conversations.send_message(team['alice'], chat, body='Still there?', client_id=cid())
    assert states(parley, team, chat)[-1] == ('Still there?', ['Delivered live'])
    clock.now += WINDOW
    assert parley.deliveries.send_due() == 1
    [email] = outbox(parley)
    assert 'Still there?' in email.text_body and 'Your order shipped today.' not in email.text_body.split('--')[0]


def test_seen_in_another_tab_before_the_window_ends_is_never_emailed(parley, team, clock, chat):
    customer = team['customer']
    open_chat(parley, customer, chat, page='tab-1', visible=False)
    open_chat(parley, customer, chat, page='tab-2', visible=True)
    parley.conversations.send_message(team['alice'], chat, body='Hello again', client_id=cid())
    clock.now += WINDOW / 2
    parley.conversations.mark_read(customer, chat)   # tab 2 showed it
    clock.now += WINDOW
    assert parley.deliveries.send_due() == 0 and outbox(parley) == []


def test_messages_within_one_window_go_out_as_one_email(parley, team, clock, chat):
    clock.now += timedelta(seconds=20)
    parley.conversations.send_message(team['alice'], chat, body='Tracking number: 123', client_id=cid())
    clock.now += timedelta(seconds=20)
    parley.conversations.send_message(team['alice'], chat, body='Arrives Friday', client_id=cid())
    clock.now += timedelta(seconds=20)   # the first message's window is over
    assert parley.deliveries.send_due() == 1
    [email] = outbox(parley)
    for text in ('Your order shipped today.', 'Tracking number: 123', 'Arrives Friday'):
        assert text in email.text_body
    clock.now += WINDOW * 2
    assert parley.deliveries.send_due() == 0, 'the later messages went out in that email'
    assert {label for _, labels in states(parley, team, chat) for label in labels} == {'Emailed'}


def test_a_restart_mid_window_neither_loses_nor_repeats_the_email(parley, team, clock, chat, tmp_path):
    clock.now += WINDOW
    settings = Settings(database_url=str(parley.db.engine.url), data_dir=tmp_path)
    restarted = build_parley(settings)   # a fresh process on the same database: nothing in memory
    try:
        restarted.deliveries.clock = clock
        assert restarted.deliveries.send_due() == 1
        assert restarted.deliveries.send_due() == 0 and parley.deliveries.send_due() == 0
    finally:
        restarted.close()
    assert len(outbox(parley)) == 1


def test_customer_reply_marks_messages_replied_and_cancels_the_email(parley, team, clock, chat):
    customer = team['customer']
    reply = parley.conversations.send_message(customer, chat, body='Thanks!', client_id=cid())
    assert reply.deliveries == ()
    clock.now += WINDOW
    assert parley.deliveries.send_due() == 0
    assert states(parley, team, chat) == [('Your order shipped today.', ['Replied']), ('Thanks!', [])]
    assert parley.conversations.access_conversation(team['alice'], chat).unread_count == 1


def test_emailed_then_opened_from_the_link_becomes_seen(parley, team, clock, chat):
    clock.now += WINDOW
    parley.deliveries.send_due()
    parley.conversations.mark_read(team['customer'], chat)
    assert states(parley, team, chat) == [('Your order shipped today.', ['Seen'])]


def test_agents_are_told_when_delivery_states_change(parley, team, clock, chat):
    got = []
    parley.bus.subscribe(team['alice'].id, got.append)
    parley.bus.subscribe(team['customer'].id, lambda e: got.append(('customer', e)))
    clock.now += WINDOW
    parley.deliveries.send_due()
    changes = [e for e in got if isinstance(e, DeliveryChanged)]
    assert len(changes) == 1 and changes[0].conversation_id == chat and len(changes[0].message_ids) == 1
    assert not any(isinstance(e, tuple) and isinstance(e[1], DeliveryChanged) for e in got)


def test_a_failing_smtp_server_shows_email_failed_retrying(parley, team, clock, chat):
    down = MailService(parley.db, smtp_url=f'smtp://127.0.0.1:{free_port()}?starttls=off', mail_from='h@example.com',
                       team_name='Acme', clock=clock)
    parley.deliveries.mail = down
    clock.now += WINDOW
    parley.deliveries.send_due()
    assert states(parley, team, chat) == [('Your order shipped today.', ['Sending email'])]
    assert down.send_due() == 0
    assert states(parley, team, chat) == [('Your order shipped today.', ['Email failed, retrying'])]


def test_the_email_threads_and_carries_the_reply_address_and_live_chat_link(parley, team, clock, chat):
    clock.now += WINDOW
    parley.deliveries.send_due()
    parley.conversations.send_message(team['alice'], chat, body='One more <b>thing</b>', client_id=cid())
    clock.now += WINDOW
    parley.deliveries.send_due()
    first, second = outbox(parley)
    token_address = parseaddr(first.reply_to)[1]
    assert token_address.startswith('reply+') and token_address.endswith('@parley.localhost')
    assert len(token_address.split('+', 1)[1].split('@')[0]) >= 22, 'at least 128 random bits'
    assert parseaddr(second.reply_to)[1] == token_address, 'one token per conversation and customer'
    assert second.in_reply_to == first.message_id and second.references == first.message_id
    assert second.subject == 'Re: ' + first.subject
    link = second.text_body.split('Continue in live chat: ')[1].split()[0]
    assert link.startswith(parley.settings.public_url + '/chat#t=')
    assert parley.chat.open_link(link.split('#t=')[1]).conversation_id == chat
    assert '&lt;b&gt;thing&lt;/b&gt;' in second.html_body and '<b>thing</b>' not in second.html_body
    assert 'Your order shipped today.' in second.text_body, 'a short history excerpt'


# ----- internal notes ----------------------------------------------------------------------------

def test_internal_notes_never_reach_the_customer_by_any_path(parley, team, clock, chat):
    customer, alice = team['customer'], team['alice']
    got = []
    parley.bus.subscribe(customer.id, got.append)
    open_chat(parley, customer, chat)
    note = parley.conversations.send_message(alice, chat, body='VIP, refund if needed', client_id=cid(), note=True)
    assert note.is_note and note.deliveries == ()
    assert got == [], 'no live event for the customer'
    assert [m.body for m in parley.conversations.list_messages(customer, chat)] == ['Your order shipped today.']
    with pytest.raises(NotFound):
        parley.conversations.get_message(customer, note.id)
    view = parley.conversations.access_conversation(customer, chat)
    assert 'VIP' not in view.last_message_preview and view.unread_count == 1
    assert 'VIP' in parley.conversations.access_conversation(alice, chat).last_message_preview
    clock.now += WINDOW
    parley.deliveries.send_due()
    assert all('VIP' not in e.text_body + e.html_body for e in outbox(parley))


def test_notes_are_for_customer_conversations_and_agents_only(parley, team, chat):
    internal = parley.conversations.create_conversation(team['alice'], participant_ids=[team['susan'].id],
                                                        body='hi', client_id=cid())
    with pytest.raises(InvalidInput, match='Internal notes'):
        parley.conversations.send_message(team['alice'], internal.id, body='x', client_id=cid(), note=True)
    with pytest.raises(InvalidInput, match='Internal notes'):
        parley.conversations.send_message(team['customer'], chat, body='x', client_id=cid(), note=True)


def test_customers_never_learn_agent_addresses(parley, team, chat):
    [message] = parley.conversations.list_messages(team['customer'], chat)
    assert message.author.name == 'Alice Admin' and message.author.email == ''
    assert parley.conversations.access_conversation(team['customer'], chat).participants == (team['customer'],)


# ----- the unassigned inbox ----------------------------------------------------------------------

def test_a_visitor_conversation_waits_in_unassigned_until_an_agent_answers(parley, team):
    got = {name: [] for name in ('alice', 'susan')}
    for name in got:
        parley.bus.subscribe(team[name].id, got[name].append)
    identity = parley.chat.start_as_visitor(name='Dana Visitor', email='dana@example.org', body='My printer is on fire',
                                            client_id=cid())
    assert all([type(e) for e in events] == [ConversationCreated, NotificationCreated]
               for events in got.values()), 'every agent is told'
    for name in ('alice', 'susan'):
        [waiting] = parley.conversations.list_unassigned(team[name])
        assert waiting.id == identity.conversation_id and waiting.unassigned
        assert parley.conversations.list_conversations(team[name]) == []
    parley.conversations.send_message(team['susan'], identity.conversation_id, body='On my way', client_id=cid())
    assert parley.conversations.list_unassigned(team['alice']) == []
    assert [c.id for c in parley.conversations.list_conversations(team['susan'])] == [identity.conversation_id]
    with pytest.raises(NotFound):
        parley.conversations.access_conversation(team['alice'], identity.conversation_id)
    assert [m.body for m in parley.conversations.list_messages(identity.customer, identity.conversation_id)] == \
        ['My printer is on fire', 'On my way']


def test_typing_someones_email_never_reveals_their_conversations(parley, team, chat):
    identity = parley.chat.start_as_visitor(name='Impostor', email='CUSTOMER@example.com', body='hello',
                                            client_id=cid())
    assert identity.customer.id == team['customer'].id and identity.customer.name == 'Sample Customer'
    assert identity.conversation_id != chat
    assert parley.chat.resume(parley.chat.session_token(identity)).conversation_id == identity.conversation_id
    with pytest.raises(InvalidInput, match='live chat'):
        parley.chat.start_as_visitor(name='x', email='alice@example.com', body='hi', client_id=cid())


def test_visitor_input_is_checked(parley, team):
    with pytest.raises(InvalidInput, match='name'):
        parley.chat.start_as_visitor(name=' ', email='a@example.org', body='hi', client_id=cid())
    with pytest.raises(InvalidInput, match='valid email'):
        parley.chat.start_as_visitor(name='A', email='not-an-email', body='hi', client_id=cid())
    with pytest.raises(InvalidInput, match='Write a message'):
        parley.chat.start_as_visitor(name='A', email='a@example.org', body='  ', client_id=cid())


def test_customer_messages_reach_the_agents_live(parley, team, chat):
    got = []
    parley.bus.subscribe(team['alice'].id, got.append)
    parley.conversations.send_message(team['customer'], chat, body='Got it', client_id=cid())
    assert [type(e) for e in got if isinstance(e, MessageSent)] == [MessageSent]


def test_customer_search_matches_name_email_and_organization(parley, team):
    parley.directory.create_customer(name='Carlos Pereira', email='carlos@pereira.pt', organization='Lisbon Books')
    search = parley.directory.search_customers
    assert [c.name for c in search(team['alice'], 'lisbon')] == ['Carlos Pereira']
    assert [c.name for c in search(team['alice'], 'customer@')] == ['Sample Customer']
    assert [c.name for c in search(team['alice'], '', exclude_ids=[team['customer'].id])] == ['Carlos Pereira']
    assert len(search(team['alice'], '', limit=1)) == 1


def test_deliveries_are_one_row_per_message_and_customer(parley, team, clock):
    second = parley.directory.create_customer(name='Grace Hopper', email='grace@example.com')
    conversation = parley.conversations.create_conversation(
        team['alice'], participant_ids=[team['customer'].id, second.id], body='Hello both', client_id=cid())
    parley.conversations.mark_read(second, conversation.id)
    [message] = parley.conversations.list_messages(team['alice'], conversation.id)
    assert [(d.customer_name, d.label) for d in message.deliveries] == [('Sample Customer', 'Queued'),
                                                                        ('Grace Hopper', 'Seen')]
    with parley.db.session() as session:
        assert len(session.exec(select(Delivery)).all()) == 2


def test_a_retried_prechat_start_makes_one_conversation(parley, team):
    client_id = cid()
    first = parley.chat.start_as_visitor(name='Dana', email='dana@example.org', body='hello', client_id=client_id)
    again = parley.chat.start_as_visitor(name='Dana', email='dana@example.org', body='hello', client_id=client_id)
    assert first == again and len(parley.conversations.list_unassigned(team['alice'])) == 1
