"""Notifications: who is told about what, on which channels, once; reading; email digests."""
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy.exc import IntegrityError
from sqlmodel import select

from models import Notification, OutboundEmail
from services.config import Settings
from services.container import build_parley
from services.errors import InvalidInput
from services.events import NotificationCreated, NotificationsRead
from services.notifications import ALWAYS, CHANNELS, KINDS, mentions
from tests.conftest import Clock, cid


@pytest.fixture
def clock(parley) -> Clock:
    fake = Clock()
    parley.conversations.clock = parley.notifications.clock = parley.mail.clock = fake
    return fake


def only(parley, agent, kind, channels):
    """Leave exactly these channels on for one kind (a mention's bell stays on regardless)."""
    for channel in CHANNELS:
        if channel not in ALWAYS.get(kind, ()):
            parley.notifications.set_channel(agent, kind, channel, channel in channels)


def notifications(parley, user):
    with parley.db.session() as session:
        return session.exec(select(Notification).where(Notification.user_id == user.id)
                            .order_by(Notification.id)).all()


def happen(parley, team, kind):
    """Make one event of this kind happen to Susan; returns the conversation id."""
    alice, susan, customer = team['alice'], team['susan'], team['customer']
    if kind == 'assigned':
        parley.items.create(alice, 'ticket', title='Printer offline', customer_id=customer.id, assignee_id=susan.id)
        return None
    if kind == 'unassigned':
        return parley.chat.start_as_visitor(name='Dana Visitor', email='dana@example.org', body='Help!',
                                            client_id=cid()).conversation_id
    if kind == 'added':
        return parley.conversations.create_conversation(alice, participant_ids=[susan.id], body='Hi',
                                                        client_id=cid()).id
    if kind == 'snooze_ended':
        conversation = parley.conversations.create_conversation(alice, participant_ids=[susan.id], body='Hi',
                                                                client_id=cid())
        parley.notifications.mark_all_read(susan)
        later = datetime.now(UTC) + timedelta(hours=1)
        parley.lifecycle.snooze(alice, conversation.id, until=later)
        parley.lifecycle.clock = lambda: later + timedelta(seconds=1)
        assert parley.lifecycle.wake_due() == 1
        return conversation.id
    conversation = parley.conversations.create_conversation(
        alice, participant_ids=[susan.id, customer.id], body='Hello', client_id=cid())
    parley.conversations.mark_read(susan, conversation.id)
    before = len(notifications(parley, susan))
    if kind == 'customer_reply':
        parley.conversations.send_message(customer, conversation.id, body='Thanks!', client_id=cid())
    else:
        body = 'Can @Susan Miller check this?' if kind == 'mention' else 'A new message'
        parley.conversations.send_message(alice, conversation.id, body=body, client_id=cid())
    assert len(notifications(parley, susan)) <= before + 1
    return conversation.id


# ----- routing ----------------------------------------------------------------------------------

@pytest.mark.parametrize('kind', KINDS)
@pytest.mark.parametrize('channel', CHANNELS)
def test_each_event_goes_to_exactly_the_channel_chosen(parley, team, kind, channel):
    susan = team['susan']
    only(parley, susan, kind, {channel})
    happen(parley, team, kind)
    latest = notifications(parley, susan)[-1]
    assert latest.kind == kind
    assert set(latest.channels.split(',')) == {channel} | ALWAYS.get(kind, set())


@pytest.mark.parametrize('kind', [k for k in KINDS if k not in ALWAYS])
def test_with_every_channel_off_nothing_is_created(parley, team, kind):
    susan = team['susan']
    only(parley, susan, kind, set())
    happen(parley, team, kind)
    assert [n.kind for n in notifications(parley, susan) if n.kind == kind] == []


def test_a_mention_reaches_the_bell_even_with_new_messages_and_mentions_turned_off(parley, team):
    susan = team['susan']
    only(parley, susan, 'message', set())
    only(parley, susan, 'mention', set())
    happen(parley, team, 'mention')
    latest = parley.notifications.bell(susan)[0]   # newest first
    assert (latest.kind, latest.title) == ('mention', 'Alice Admin mentioned you')
    with pytest.raises(InvalidInput, match='always show in the bell'):
        parley.notifications.set_channel(susan, 'mention', 'in_app', False)


def test_never_for_my_own_actions_and_never_for_customers(parley, team):
    alice, susan, customer = team['alice'], team['susan'], team['customer']
    conversation = parley.conversations.create_conversation(alice, participant_ids=[susan.id, customer.id],
                                                            body='Hello', client_id=cid())
    parley.conversations.send_message(alice, conversation.id, body='More', client_id=cid())
    assert notifications(parley, alice) == [] and notifications(parley, customer) == []
    assert [n.kind for n in notifications(parley, susan)] == ['added', 'message']


def test_titles_and_previews_say_what_happened(parley, team):
    alice, susan = team['alice'], team['susan']
    conversation = parley.conversations.create_conversation(
        alice, participant_ids=[susan.id, team['customer'].id], body='Printer is <b>offline</b>', client_id=cid(),
        subject='Printer')
    parley.conversations.send_message(alice, conversation.id, body='Checking the logs', client_id=cid(), note=True)
    parley.conversations.send_message(team['customer'], conversation.id, body='It works again', client_id=cid())
    bell = parley.notifications.bell(susan)
    assert [(n.title, n.preview) for n in bell] == [
        ('Sample Customer replied: Printer', 'It works again'),
        ('Alice Admin wrote: Printer', 'Note: Checking the logs'),
        ('Alice Admin added you to a conversation: Printer', 'Printer is <b>offline</b>')]


def test_unassigned_tells_every_agent_and_taking_it_clears_the_others(parley, team):
    conversation_id = happen(parley, team, 'unassigned')
    for name in ('alice', 'susan', 'john', 'mike'):
        assert parley.notifications.unread_count(team[name]) == 1, name
    parley.conversations.send_message(team['john'], conversation_id, body='On it', client_id=cid())
    for name in ('alice', 'susan', 'john', 'mike'):
        assert parley.notifications.unread_count(team[name]) == 0, name


@pytest.mark.parametrize('body, name, expected', [
    ('@Susan Miller please look', 'Susan Miller', True), ('thanks @susan!', 'Susan Miller', True),
    ('ask @Susanne', 'Susan Miller', False), ('mail susan@example.com', 'Susan Miller', False),
    ('no mention of Susan', 'Susan Miller', False), ('(@John Smith)', 'John Smith', True)])
def test_mentions_are_at_a_name(body, name, expected):
    assert mentions(body, name) is expected


# ----- once, and reading ------------------------------------------------------------------------

def test_one_notification_per_message_and_agent_even_when_the_send_is_retried(parley, team):
    alice, susan = team['alice'], team['susan']
    conversation = parley.conversations.create_conversation(alice, participant_ids=[susan.id], body='Hi',
                                                            client_id=cid())
    client_id = cid()
    for _ in range(3):
        parley.conversations.send_message(alice, conversation.id, body='Retry me', client_id=client_id)
    assert [n.kind for n in notifications(parley, susan)] == ['added', 'message']
    with pytest.raises(IntegrityError), parley.db.transaction() as tx:
        first = notifications(parley, susan)[0]
        tx.session.add(Notification(user_id=susan.id, key=first.key, kind='added', title='again'))


def test_opening_the_conversation_reads_its_notifications_in_every_tab(parley, team):
    alice, susan = team['alice'], team['susan']
    events = []
    parley.bus.subscribe(susan.id, events.append)
    first = parley.conversations.create_conversation(alice, participant_ids=[susan.id], body='One', client_id=cid())
    parley.conversations.create_conversation(alice, participant_ids=[susan.id], body='Two', client_id=cid())
    assert parley.notifications.unread_count(susan) == 2
    assert [e.kind for e in events if isinstance(e, NotificationCreated)] == ['added', 'added']
    parley.conversations.mark_read(susan, first.id)
    assert parley.notifications.unread_count(susan) == 1
    assert [n.read for n in parley.notifications.bell(susan)] == [False, True]
    assert sum(isinstance(e, NotificationsRead) for e in events) == 1
    parley.notifications.mark_all_read(susan)
    assert parley.notifications.unread_count(susan) == 0
    parley.notifications.mark_all_read(susan)
    assert sum(isinstance(e, NotificationsRead) for e in events) == 2, 'nothing changed, nobody told'


def test_replying_reads_my_notifications_for_that_conversation(parley, team):
    alice, susan = team['alice'], team['susan']
    conversation = parley.conversations.create_conversation(alice, participant_ids=[susan.id], body='One',
                                                            client_id=cid())
    parley.conversations.send_message(susan, conversation.id, body='Answer', client_id=cid())
    assert parley.notifications.unread_count(susan) == 0


def test_a_conversations_new_messages_are_one_notice_that_moves_up_with_each(parley, team, clock):
    alice, john, susan = team['alice'], team['john'], team['susan']
    group = parley.conversations.create_conversation(alice, participant_ids=[susan.id, john.id], body='Hi',
                                                     client_id=cid(), subject='Rota')
    parley.conversations.mark_read(susan, group.id)
    popped = []   # what a pop-up would show, read when the event arrives (as the bell does)
    parley.bus.subscribe(susan.id, lambda e: popped.append(parley.notifications.get(susan, e.key)) if isinstance(
        e, NotificationCreated) and e.kind == 'message' else None)
    sent = []
    for author, body in ((alice, 'Who takes Monday?'), (john, 'I can'), (alice, 'Thanks John')):
        clock.now += timedelta(minutes=1)
        sent.append(parley.conversations.send_message(author, group.id, body=body, client_id=cid()))
        if len(sent) == 1:   # something else happens in between
            clock.now += timedelta(seconds=10)
            parley.conversations.create_conversation(john, participant_ids=[susan.id], body='Lunch?', client_id=cid())
    bell = parley.notifications.bell(susan)
    assert [(n.title, n.preview, n.count, n.read) for n in bell[:2]] == [
        ('Alice Admin wrote: Rota · 3 new messages', 'Thanks John', 3, False),
        ('John Smith added you to a conversation', 'Lunch?', 1, False)], 'the latest activity is on top'
    assert parley.notifications.unread_count(susan) == 2, 'one per conversation, not one per message'
    assert bell[0].created_at == clock.now
    assert [(n.id, n.title, n.preview) for n in popped] == [
        (bell[0].id, 'Alice Admin wrote: Rota', 'Who takes Monday?'),
        (bell[0].id, 'John Smith wrote: Rota · 2 new messages', 'I can'),
        (bell[0].id, 'Alice Admin wrote: Rota · 3 new messages', 'Thanks John')], 'each message still pops up'


def test_a_read_or_emailed_notice_is_closed_and_the_next_message_starts_a_new_one(parley, team, clock):
    alice, susan = team['alice'], team['susan']
    only(parley, susan, 'message', {'in_app', 'email'})
    chat = parley.conversations.create_conversation(alice, participant_ids=[susan.id], body='Hi', client_id=cid())
    parley.conversations.mark_read(susan, chat.id)
    for body in ('One', 'Two'):
        parley.conversations.send_message(alice, chat.id, body=body, client_id=cid())
    clock.now += timedelta(minutes=5)
    assert parley.notifications.send_due_digests() == 1
    assert 'Alice Admin wrote · 2 new messages' in outbox(parley)[-1].text_body
    parley.conversations.send_message(alice, chat.id, body='Three', client_id=cid())
    clock.now += timedelta(minutes=5)
    assert parley.notifications.send_due_digests() == 1, 'a message after the digest is in the next one'
    assert 'Alice Admin wrote\n  Three' in outbox(parley)[-1].text_body
    parley.conversations.mark_read(susan, chat.id)
    parley.conversations.send_message(alice, chat.id, body='Four', client_id=cid())
    assert [(n.preview, n.count, n.read) for n in parley.notifications.bell(susan)] == [
        ('Four', 1, False), ('Three', 1, True), ('Two', 2, True), ('Hi', 1, True)]


def test_a_mention_among_new_messages_stays_a_notice_of_its_own(parley, team):
    alice, susan = team['alice'], team['susan']
    chat = parley.conversations.create_conversation(alice, participant_ids=[susan.id], body='Hi', client_id=cid())
    for body in ('One', '@Susan can you look?', 'Two'):
        parley.conversations.send_message(alice, chat.id, body=body, client_id=cid())
    assert [(n.kind, n.count) for n in parley.notifications.bell(susan)] == [
        ('message', 2), ('mention', 1), ('added', 1)]


def test_in_app_off_means_no_badge_but_the_conversation_is_still_unread(parley, team):
    john = team['john']
    for kind in KINDS:
        if kind not in ALWAYS:
            parley.notifications.set_channel(john, kind, 'in_app', False)
    conversation = parley.conversations.create_conversation(team['alice'], participant_ids=[john.id], body='Hi',
                                                            client_id=cid())
    assert parley.notifications.unread_count(john) == 0 and parley.notifications.bell(john) == []
    assert parley.conversations.access_conversation(john, conversation.id).unread_count == 1


def test_settings_are_validated(parley, team):
    susan = team['susan']
    assert parley.notifications.settings(susan).email_delay_minutes == 5
    with pytest.raises(InvalidInput):
        parley.notifications.set_channel(susan, 'birthday', 'in_app', True)
    with pytest.raises(InvalidInput):
        parley.notifications.set_email_delay(susan, 7)
    with pytest.raises(InvalidInput):
        parley.notifications.set_channel(team['customer'], 'message', 'in_app', True)
    assert parley.notifications.set_email_delay(susan, 15).email_delay_minutes == 15


# ----- email digests ----------------------------------------------------------------------------

def outbox(parley):
    with parley.db.session() as session:
        return session.exec(select(OutboundEmail).order_by(OutboundEmail.id)).all()


def test_unread_notifications_are_batched_into_one_digest_after_the_delay(parley, team, clock):
    alice, susan = team['alice'], team['susan']
    one = parley.conversations.create_conversation(alice, participant_ids=[susan.id], body='First topic',
                                                   client_id=cid(), subject='Rota')
    clock.now += timedelta(minutes=2)
    parley.conversations.create_conversation(alice, participant_ids=[susan.id], body='Second topic',
                                             client_id=cid())
    clock.now += timedelta(minutes=3)
    assert parley.notifications.send_due_digests() == 1
    [digest] = outbox(parley)
    assert digest.to_address == 'susan@example.com' and digest.subject == '1 update waiting for you in Parley'
    assert f'/messenger/{one.id}' in digest.text_body and 'First topic' in digest.text_body
    clock.now += timedelta(minutes=2)
    assert parley.notifications.send_due_digests() == 1
    assert 'Second topic' in outbox(parley)[-1].text_body
    assert parley.notifications.send_due_digests() == 0, 'never twice'


def test_several_due_notifications_share_one_digest(parley, team, clock):
    alice, susan = team['alice'], team['susan']
    for topic in ('One', 'Two', 'Three'):
        parley.conversations.create_conversation(alice, participant_ids=[susan.id], body=topic, client_id=cid())
    clock.now += timedelta(minutes=5)
    assert parley.notifications.send_due_digests() == 1
    [digest] = outbox(parley)
    assert digest.subject == '3 updates waiting for you in Parley'
    assert all(topic in digest.text_body for topic in ('One', 'Two', 'Three'))
    assert '&lt;' not in digest.text_body and 'Change what you get by email' in digest.html_body


def test_what_was_read_in_time_is_never_emailed(parley, team, clock):
    alice, susan = team['alice'], team['susan']
    conversation = parley.conversations.create_conversation(alice, participant_ids=[susan.id], body='Hi',
                                                            client_id=cid())
    clock.now += timedelta(minutes=4)
    parley.conversations.mark_read(susan, conversation.id)
    clock.now += timedelta(minutes=10)
    assert parley.notifications.send_due_digests() == 0 and outbox(parley) == []


def test_the_delay_is_the_agents_choice(parley, team, clock):
    susan = team['susan']
    parley.notifications.set_email_delay(susan, 30)
    parley.conversations.create_conversation(team['alice'], participant_ids=[susan.id], body='Hi', client_id=cid())
    clock.now += timedelta(minutes=29)
    assert parley.notifications.send_due_digests() == 0
    clock.now += timedelta(minutes=1)
    assert parley.notifications.send_due_digests() == 1


def test_a_restart_neither_loses_nor_repeats_a_digest(parley, team, clock, tmp_path):
    alice, susan = team['alice'], team['susan']
    parley.conversations.create_conversation(alice, participant_ids=[susan.id], body='Before', client_id=cid())
    clock.now += timedelta(minutes=5)
    assert parley.notifications.send_due_digests() == 1
    parley.conversations.create_conversation(alice, participant_ids=[susan.id], body='Pending', client_id=cid())
    restarted = build_parley(Settings(database_url=parley.settings.database_url, data_dir=tmp_path))
    try:
        restarted.notifications.clock = lambda: clock.now + timedelta(minutes=5)
        assert restarted.notifications.send_due_digests() == 1
        assert restarted.notifications.send_due_digests() == 0
        bodies = [e.text_body for e in outbox(restarted)]
        assert len(bodies) == 2 and 'Before' in bodies[0] and 'Pending' in bodies[1] and 'Before' not in bodies[1]
    finally:
        restarted.close()
