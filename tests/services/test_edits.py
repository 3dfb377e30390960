"""Edit and delete: the author's, live for everyone, and an unsent message never emailed."""
from datetime import timedelta

import pytest
from sqlmodel import select

from models import Delivery, OutboundEmail
from models._types import utcnow
from services.errors import InvalidInput, NotFound
from services.events import MessageChanged
from tests import samplefiles
from tests.conftest import cid
from tests.services.test_attachments import upload


@pytest.fixture
def chat(parley, team):
    """Alice and Susan with the customer (who is not on the live chat: messages wait for the email fallback)."""
    return parley.conversations.create_conversation(
        team['alice'], participant_ids=[team['susan'].id, team['customer'].id], body='Hello', client_id=cid(),
        with_customer=True)


def heard(parley, person_id: int) -> list:
    events = []
    parley.bus.subscribe(person_id, events.append)
    return events


def emails_sent(parley) -> int:
    later = utcnow() + timedelta(minutes=5)
    parley.deliveries.clock = lambda: later
    return parley.deliveries.send_due()


def test_the_author_edits_everyone_sees_it_and_agents_can_read_what_it_said(parley, team, chat):
    message = parley.conversations.send_message(team['alice'], chat.id, body='Your order ships Monday',
                                                client_id=cid())
    customer_events, susan_events = heard(parley, team['customer'].id), heard(parley, team['susan'].id)
    changed = parley.edits.edit(team['alice'], message.id, body='Your order ships **Tuesday**')
    assert changed.message.edited and changed.message.body == 'Your order ships **Tuesday**'
    assert changed.notice is None   # no email carried it yet: the customer gets the new text
    assert [type(e) for e in customer_events] == [MessageChanged] == [type(e) for e in susan_events]
    seen = parley.conversations.list_messages(team['customer'], chat.id)[-1]
    assert (seen.body, seen.edited) == ('Your order ships **Tuesday**', True)
    assert [v.body for v in parley.edits.versions(team['susan'], message.id)] == ['Your order ships Monday']
    with pytest.raises(NotFound):
        parley.edits.versions(team['customer'], message.id)   # earlier versions are for agents
    assert parley.conversations.access_conversation(team['susan'], chat.id).last_message_preview == \
        'Your order ships Tuesday'
    assert emails_sent(parley) == 1
    with parley.db.session() as session:
        email = session.exec(select(OutboundEmail)).one()
    assert 'Tuesday' in email.text_body and 'Monday' not in email.text_body


def test_only_the_author_changes_a_message(parley, team, chat):
    message = parley.conversations.send_message(team['alice'], chat.id, body='Mine', client_id=cid())
    for other in ('susan', 'customer', 'mike'):
        with pytest.raises(NotFound):
            parley.edits.edit(team[other], message.id, body='Hijacked')
        with pytest.raises(NotFound):
            parley.edits.delete(team[other], message.id)
    for bad in (0, -1, 'x', None, 10 ** 20):
        with pytest.raises(NotFound):
            parley.edits.edit(team['alice'], bad, body='x')


def test_an_edit_needs_text_and_keeps_the_limit(parley, team, chat):
    message = parley.conversations.send_message(team['alice'], chat.id, body='Mine', client_id=cid())
    with pytest.raises(InvalidInput, match='Write a message first'):
        parley.edits.edit(team['alice'], message.id, body='   ')
    with pytest.raises(InvalidInput, match='the limit is'):
        parley.edits.edit(team['alice'], message.id, body='x' * 10_001)
    assert parley.conversations.get_message(team['alice'], message.id).body == 'Mine'


def test_a_customer_edits_and_deletes_their_own_chat_message(parley, team, chat):
    message = parley.conversations.send_message(team['customer'], chat.id, body='My adress is Rua 1',
                                                client_id=cid())
    parley.edits.edit(team['customer'], message.id, body='My address is Rua 1')
    assert parley.conversations.get_message(team['alice'], message.id).body == 'My address is Rua 1'
    parley.edits.delete(team['customer'], message.id)
    shown = parley.conversations.get_message(team['alice'], message.id)
    assert shown.deleted and shown.body == ''
    assert parley.edits.versions(team['alice'], message.id) == []   # nothing of it is left


def test_unsent_inside_the_window_no_email_ever_carries_it(parley, team, chat):
    emails_sent(parley)   # the first message went out
    oops = parley.conversations.send_message(team['alice'], chat.id, body='Wrong customer, sorry',
                                             client_id=cid())
    assert 'unsends it' in parley.edits.what_deleting_does(team['alice'], oops.id)
    changed = parley.edits.delete(team['alice'], oops.id)
    assert changed.notice is None and changed.message.deleted
    with parley.db.session() as session:
        assert session.exec(select(Delivery).where(Delivery.message_id == oops.id)).all() == []
    assert emails_sent(parley) == 0
    with parley.db.session() as session:
        assert all('Wrong customer' not in e.text_body for e in session.exec(select(OutboundEmail)))
    seen = parley.conversations.list_messages(team['customer'], chat.id)
    assert seen[-1].deleted and seen[-1].body == ''
    assert parley.conversations.access_conversation(team['customer'], chat.id).last_message_preview == \
        'Message deleted'


def test_after_the_email_went_out_the_agent_is_told(parley, team, chat):
    message = parley.conversations.send_message(team['alice'], chat.id, body='Price is 10 EUR', client_id=cid())
    assert emails_sent(parley) == 1
    changed = parley.edits.edit(team['alice'], message.id, body='Price is 12 EUR')
    assert changed.notice == 'Sample Customer already got the earlier version by email.'
    assert 'already got it by email' in parley.edits.what_deleting_does(team['alice'], message.id)
    assert 'already got it by email' in parley.edits.delete(team['alice'], message.id).notice


def test_deleting_takes_the_files_and_their_links(parley, team, chat):
    shot = upload(parley, team['alice'], 'screen.png', samplefiles.png())
    message = parley.conversations.send_message(team['alice'], chat.id, body='See this', client_id=cid(),
                                                attachment_ids=[shot.id])
    parley.edits.delete(team['alice'], message.id)
    assert parley.conversations.get_message(team['customer'], message.id).attachments == ()
    for reader in ('alice', 'customer'):
        with pytest.raises(NotFound):
            parley.files.file(team[reader], shot.id)


def test_deleted_messages_leave_the_notices_and_cannot_be_edited(parley, team):
    conversation = parley.conversations.create_conversation(team['susan'], participant_ids=[team['alice'].id],
                                                            body='Secret plan', client_id=cid())
    parley.edits.delete(team['susan'], conversation_message_id(parley, team, conversation.id))
    assert [n.preview for n in parley.notifications.bell(team['alice'])] == ['Message deleted']
    with pytest.raises(NotFound):
        parley.edits.edit(team['susan'], conversation_message_id(parley, team, conversation.id), body='again')


def test_an_emailed_reply_stays_as_it_came(parley, team, chat):
    message = parley.conversations.receive_email(team['customer'], chat.id, body='By mail', client_id=cid())
    with pytest.raises(InvalidInput, match='came by email'):
        parley.edits.edit(team['customer'], message.id, body='Changed')


def conversation_message_id(parley, team, conversation_id: int) -> int:
    return parley.conversations.list_messages(team['susan'], conversation_id)[0].id


def test_the_email_history_and_the_transcript_leave_deleted_messages_out(parley, team, chat):
    oops = parley.conversations.send_message(team['alice'], chat.id, body='Ignore this one', client_id=cid())
    assert emails_sent(parley) == 1
    parley.edits.delete(team['alice'], oops.id)
    parley.conversations.send_message(team['alice'], chat.id, body='The real answer', client_id=cid())
    later = utcnow() + timedelta(minutes=20)
    parley.deliveries.clock = lambda: later
    assert parley.deliveries.send_due() == 1
    parley.lifecycle.close(team['alice'], chat.id, transcript=True)
    with parley.db.session() as session:
        emails = session.exec(select(OutboundEmail).order_by(OutboundEmail.id)).all()
    assert 'The real answer' in emails[1].text_body and 'Ignore this one' not in emails[1].text_body
    assert emails[2].subject.startswith('Transcript') and 'Ignore this one' not in emails[2].text_body
    assert 'The real answer' in emails[2].text_body
