"""Open, snoozed, closed: close, reopen, snooze, a message that opens it again, the transcript, the lists."""
from datetime import timedelta
from email.message import EmailMessage
from email.utils import parseaddr

import pytest
from sqlmodel import select

from models import OutboundEmail
from services.errors import InvalidInput, NotFound
from services.events import MessageSent
from services.threadlines import describe
from services.views import ConversationStatus, Inbox, ThreadEvent
from tests.conftest import Clock, cid

S = ConversationStatus


@pytest.fixture
def clock(parley):
    clock = Clock()
    parley.conversations.clock = parley.lifecycle.clock = clock
    return clock


def team_chat(parley, team, *people):
    alice = team['alice']
    return parley.conversations.create_conversation(alice, participant_ids=[team[p].id for p in people], body='Hi',
                                                    client_id=cid())


def customer_chat(parley, team):
    return parley.conversations.create_conversation(team['alice'], participant_ids=[team['customer'].id],
                                                    body='Hello, how can we help?', client_id=cid(),
                                                    with_customer=True)


def lines(parley, viewer, conversation_id):
    return [describe(m, lambda at: at.strftime('%a %H:%M')) for m in
            parley.conversations.list_messages(viewer, conversation_id) if m.event is not None]


def status(parley, viewer, conversation_id):
    return parley.conversations.access_conversation(viewer, conversation_id).status


def listed(parley, viewer, inbox):
    return [c.id for c in parley.conversations.list_conversations(viewer, inbox=inbox)]


def outbox(parley):
    with parley.db.session() as session:
        return session.exec(select(OutboundEmail).order_by(OutboundEmail.id)).all()


def test_closing_closes_it_for_everyone_with_a_line_for_agents(parley, team):
    alice, susan = team['alice'], team['susan']
    chat = team_chat(parley, team, 'susan')
    parley.lifecycle.close(alice, chat.id)
    assert status(parley, alice, chat.id) == status(parley, susan, chat.id) == S.CLOSED
    assert lines(parley, susan, chat.id) == ['Alice Admin closed this conversation']
    assert chat.id not in listed(parley, susan, Inbox.OPEN)
    assert listed(parley, susan, Inbox.CLOSED) == [chat.id]
    parley.lifecycle.close(alice, chat.id)   # already closed: nothing more
    assert len(lines(parley, susan, chat.id)) == 1
    parley.lifecycle.reopen(susan, chat.id)
    assert status(parley, alice, chat.id) == S.OPEN
    assert lines(parley, alice, chat.id)[-1] == 'Susan Miller reopened this conversation'
    assert listed(parley, alice, Inbox.OPEN) == [chat.id]


def test_lines_are_never_unread_nor_the_preview(parley, team):
    alice, susan = team['alice'], team['susan']
    chat = team_chat(parley, team, 'susan')
    parley.conversations.mark_read(susan, chat.id)
    parley.lifecycle.close(alice, chat.id)
    parley.lifecycle.reopen(alice, chat.id)
    [row] = parley.conversations.list_conversations(susan)
    assert (row.unread_count, row.last_message_preview) == (0, 'Hi')


def test_a_message_from_someone_else_reopens_but_not_one_from_the_closer(parley, team):
    alice, susan = team['alice'], team['susan']
    chat = team_chat(parley, team, 'susan')
    parley.lifecycle.close(alice, chat.id)
    parley.conversations.send_message(alice, chat.id, body='Closing note: all done', client_id=cid())
    assert status(parley, susan, chat.id) == S.CLOSED
    parley.conversations.send_message(susan, chat.id, body='One more thing', client_id=cid())
    assert status(parley, alice, chat.id) == S.OPEN
    assert lines(parley, alice, chat.id) == ['Alice Admin closed this conversation',
                                             "Reopened by Susan Miller's reply"]
    assert listed(parley, alice, Inbox.OPEN) == [chat.id]


def test_the_customer_reopens_it_by_chat_or_email_and_never_sees_the_status(parley, team):
    alice, customer = team['alice'], team['customer']
    chat = customer_chat(parley, team)
    parley.lifecycle.close(alice, chat.id)
    assert parley.conversations.latest_customer_conversation(customer).id == chat.id   # the chat still shows it
    assert [m.body for m in parley.conversations.list_messages(customer, chat.id)] == ['Hello, how can we help?']
    parley.conversations.send_message(customer, chat.id, body='Actually, one more question', client_id=cid())
    assert status(parley, alice, chat.id) == S.OPEN
    assert lines(parley, alice, chat.id)[-1] == "Reopened by Sample Customer's reply"
    assert all(m.event is None for m in parley.conversations.list_messages(customer, chat.id))
    parley.lifecycle.close(alice, chat.id)
    parley.conversations.receive_email(customer, chat.id, body='And by email', client_id=cid())
    assert status(parley, alice, chat.id) == S.OPEN


def test_the_pages_hear_of_a_change_and_agents_see_the_line_live(parley, team):
    alice, susan, customer = team['alice'], team['susan'], team['customer']
    chat = parley.conversations.create_conversation(alice, participant_ids=[susan.id, customer.id], body='Hi',
                                                    client_id=cid())
    heard = {u.id: [] for u in (alice, susan, customer)}
    for user_id, got in heard.items():
        parley.bus.subscribe(user_id, got.append)
    parley.lifecycle.close(alice, chat.id)
    for agent in (alice, susan):
        assert sorted(type(e).__name__ for e in heard[agent.id]) == ["ConversationChanged", "MessageSent"]
        [line] = [e for e in heard[agent.id] if isinstance(e, MessageSent)]
        assert line.agent_view.event == ThreadEvent.CLOSED
    assert heard[customer.id] == []


def test_snooze_until_a_time_wakes_at_the_top_with_a_notice(parley, team, clock):
    alice, susan = team['alice'], team['susan']
    first = team_chat(parley, team, 'susan')
    clock.now += timedelta(minutes=1)
    second = team_chat(parley, team, 'susan')
    parley.lifecycle.snooze(susan, first.id, until=clock.now + timedelta(hours=2))
    assert status(parley, alice, first.id) == S.SNOOZED
    assert listed(parley, alice, Inbox.OPEN) == [second.id]
    assert listed(parley, alice, Inbox.SNOOZED) == [first.id]
    assert lines(parley, alice, first.id) == ['Snoozed until Tue 11:01 by Susan Miller']
    clock.now += timedelta(hours=1)
    assert parley.lifecycle.wake_due() == 0
    clock.now += timedelta(hours=1, minutes=1)
    assert parley.lifecycle.wake_due() == 1
    assert parley.lifecycle.wake_due() == 0   # once
    assert listed(parley, alice, Inbox.OPEN) == [first.id, second.id]   # at the top
    assert lines(parley, alice, first.id)[-1] == 'The snooze ended: open again'
    for agent in (alice, susan):
        assert parley.notifications.bell(agent)[0].title == 'Snooze ended: Hi'


def test_snooze_until_someone_replies(parley, team):
    alice, susan = team['alice'], team['susan']
    chat = team_chat(parley, team, 'susan')
    parley.lifecycle.snooze(alice, chat.id, until=None)
    assert lines(parley, alice, chat.id) == ['Snoozed until someone replies by Alice Admin']
    parley.conversations.send_message(alice, chat.id, body='A reminder to myself', client_id=cid())
    assert status(parley, alice, chat.id) == S.SNOOZED
    assert parley.lifecycle.wake_due() == 0
    parley.conversations.send_message(susan, chat.id, body='Done', client_id=cid())
    view = parley.conversations.access_conversation(alice, chat.id)
    assert (view.status, view.snoozed_until) == (S.OPEN, None)


@pytest.mark.parametrize('until, message', [
    (timedelta(minutes=-1), 'That time has passed: pick a later one.'),
    (timedelta(days=400), 'Snooze for a year at most; close the conversation instead.')])
def test_a_snooze_out_of_range_is_refused_and_changes_nothing(parley, team, clock, until, message):
    chat = team_chat(parley, team, 'susan')
    with pytest.raises(InvalidInput, match=message):
        parley.lifecycle.snooze(team['alice'], chat.id, until=clock.now + until)
    with pytest.raises(InvalidInput, match='time zone'):
        parley.lifecycle.snooze(team['alice'], chat.id, until=(clock.now + timedelta(hours=1)).replace(tzinfo=None))
    assert status(parley, team['alice'], chat.id) == S.OPEN
    assert lines(parley, team['alice'], chat.id) == []


def test_the_transcript_holds_what_the_customer_saw_with_their_reply_address(parley, team):
    alice, customer = team['alice'], team['customer']
    chat = customer_chat(parley, team)
    parley.conversations.send_message(alice, chat.id, body='Courier says Tuesday', client_id=cid(), note=True)
    parley.conversations.send_message(customer, chat.id, body='Thanks, that is all', client_id=cid())
    parley.lifecycle.close(alice, chat.id, transcript=True)
    [email] = [e for e in outbox(parley) if e.subject.startswith('Transcript')]
    assert email.to_address == customer.email
    assert 'Hello, how can we help?' in email.text_body and 'Thanks, that is all' in email.text_body
    assert 'Courier' not in email.text_body + email.html_body and 'closed' not in email.text_body.split('\n', 1)[1]
    assert email.reply_to.startswith('Parley') and '+' in email.reply_to
    # Answering the transcript comes back into the same conversation, which opens again.
    reply = EmailMessage()
    reply['From'], reply['To'], reply['Subject'] = customer.email, parseaddr(email.reply_to)[1], 'Re: ' + email.subject
    reply['Message-ID'], reply['In-Reply-To'] = '<reply-1@example.com>', email.message_id
    reply.set_content('One more question after all.')
    parley.inbound.receive(reply.as_bytes())
    assert parley.conversations.list_messages(alice, chat.id)[-2].body == 'One more question after all.'
    assert status(parley, alice, chat.id) == S.OPEN
    with pytest.raises(InvalidInput, match='Only a conversation with a customer'):
        parley.lifecycle.close(alice, team_chat(parley, team, 'susan').id, transcript=True)


def test_closing_without_a_transcript_emails_nobody(parley, team):
    chat = customer_chat(parley, team)
    before = len(outbox(parley))
    parley.lifecycle.close(team['alice'], chat.id)
    assert len(outbox(parley)) == before


def test_any_agent_may_close_an_unassigned_chat_and_it_leaves_the_unassigned_list(parley, team):
    started = parley.chat.start_as_visitor(name='Dana Visitor', email='dana@example.org', body='Help!',
                                           client_id=cid())
    susan = team['susan']
    assert listed(parley, susan, Inbox.UNASSIGNED) == [started.conversation_id]
    parley.lifecycle.close(susan, started.conversation_id)
    assert listed(parley, susan, Inbox.UNASSIGNED) == []
    assert parley.conversations.inbox_counts(susan)[Inbox.UNASSIGNED] == 0


@pytest.mark.parametrize('who', ['mike', 'customer'])
def test_only_agents_who_may_open_it_change_its_status(parley, team, who):
    chat = team_chat(parley, team, 'susan')
    for change in (lambda: parley.lifecycle.close(team[who], chat.id),
                   lambda: parley.lifecycle.reopen(team[who], chat.id),
                   lambda: parley.lifecycle.snooze(team[who], chat.id, until=None)):
        with pytest.raises(NotFound):
            change()
    assert status(parley, team['alice'], chat.id) == S.OPEN


# ----- the lists ------------------------------------------------------------------------------------------------

def test_lists_page_by_keyset_without_gaps_or_repeats(parley, team, clock):
    alice, susan = team['alice'], team['susan']
    made = []
    for _ in range(130):
        clock.now += timedelta(seconds=1)
        made.append(team_chat(parley, team, 'susan').id)
    parley.lifecycle.close(alice, made[5])
    seen, after = [], None
    while True:
        page = parley.conversations.list_conversations(susan, after=after, limit=50)
        if not page:
            break
        seen += [c.id for c in page]
        after = (page[-1].last_message_at, page[-1].id)
    assert seen == [i for i in reversed(made) if i != made[5]]


def test_unread_mine_and_the_counts(parley, team):
    alice, susan = team['alice'], team['susan']
    read = team_chat(parley, team, 'susan')
    unread = team_chat(parley, team, 'susan')
    parley.conversations.mark_read(susan, read.id)
    theirs = parley.chat.start_as_visitor(name='Dana Visitor', email='dana@example.org', body='Help!',
                                          client_id=cid()).conversation_id
    parley.conversations.send_message(susan, theirs, body='Hello Dana', client_id=cid())   # takes it
    parley.lifecycle.snooze(susan, read.id, until=None)
    assert listed(parley, susan, Inbox.UNREAD) == [unread.id]
    assert listed(parley, susan, Inbox.MINE) == [theirs]
    assert parley.conversations.access_conversation(susan, theirs).assignee.id == susan.id
    assert listed(parley, alice, Inbox.MINE) == []
    assert parley.conversations.inbox_counts(susan) == {
        Inbox.OPEN: 2, Inbox.UNREAD: 1, Inbox.MINE: 1, Inbox.UNASSIGNED: 0, Inbox.SNOOZED: 1, Inbox.CLOSED: 0}
    assert parley.conversations.inbox_counts(team['customer']) == {}
