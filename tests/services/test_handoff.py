"""Hand-off: add and remove people, leave, rename, assign and unassign, link to a ticket or task."""
import pytest
from sqlmodel import select

from models import Delivery
from services.errors import InvalidInput, NotFound
from services.events import ConversationChanged, ConversationCreated
from services.threadlines import describe
from services.views import Inbox
from tests.conftest import cid


def lines(parley, viewer, conversation_id):
    return [describe(m, str) for m in parley.conversations.list_messages(viewer, conversation_id)
            if m.event is not None]


def team_chat(parley, team, *people, subject=None):
    return parley.conversations.create_conversation(team['alice'], participant_ids=[team[p].id for p in people],
                                                    body='Who covers Saturday?', client_id=cid(), subject=subject)


def customer_chat(parley, team, *agents):
    return parley.conversations.create_conversation(
        team['alice'], participant_ids=[team['customer'].id, *(team[a].id for a in agents)], client_id=cid(),
        body='Your order ships today.', with_customer=True)


def people(parley, viewer, conversation_id):
    return {p.name for p in parley.conversations.access_conversation(viewer, conversation_id).participants}


def visitor_chat(parley):
    return parley.chat.start_as_visitor(name='Dana Visitor', email='dana@example.org', body='Help!',
                                        client_id=cid()).conversation_id


# ----- add --------------------------------------------------------------------------------------------------

def test_added_teammates_see_the_whole_history_live_and_are_told(parley, team):
    alice, susan, mike = team['alice'], team['susan'], team['mike']
    chat = team_chat(parley, team, 'susan')
    parley.conversations.send_message(susan, chat.id, body='I can, until noon', client_id=cid())
    heard = []
    parley.bus.subscribe(mike.id, heard.append)
    added = parley.handoff.add_participants(alice, chat.id, [mike.id])
    assert [p.name for p in added] == ['Mike Brown']
    assert [m.body for m in parley.conversations.list_messages(mike, chat.id) if m.event is None] == [
        'Who covers Saturday?', 'I can, until noon']
    assert lines(parley, susan, chat.id) == ['Alice Admin added Mike Brown']
    assert any(isinstance(e, ConversationCreated) for e in heard)
    [row] = parley.conversations.list_conversations(mike)
    assert row.unread_count == 2
    [notice] = parley.notifications.bell(mike)
    assert (notice.kind, notice.title) == ('added', 'Alice Admin added you to a conversation')


@pytest.mark.parametrize('who, message', [
    ('susan', 'Susan Miller is already in this conversation.'),
    ('customer', 'Customers can only join a conversation with a customer.'),
])
def test_adding_someone_already_there_or_a_customer_to_a_team_chat_is_refused(parley, team, who, message):
    chat = team_chat(parley, team, 'susan')
    with pytest.raises(InvalidInput, match=message):
        parley.handoff.add_participants(team['alice'], chat.id, [team['mike'].id, team[who].id])
    assert people(parley, team['alice'], chat.id) == {'Alice Admin', 'Susan Miller'}   # Mike not added either
    assert lines(parley, team['alice'], chat.id) == []


def test_adding_someone_inactive_or_unknown_is_refused(parley, team):
    chat = team_chat(parley, team, 'susan')
    parley.directory.set_agent_active(team['alice'], team['mike'].id, active=False)
    with pytest.raises(InvalidInput, match='Mike Brown is not active any more'):
        parley.handoff.add_participants(team['alice'], chat.id, [team['mike'].id])
    for unknown in ([999_999], [0], [True], []):
        with pytest.raises(InvalidInput):
            parley.handoff.add_participants(team['alice'], chat.id, unknown)


def test_another_customer_joins_a_customer_conversation_and_sees_no_notes(parley, team):
    alice = team['alice']
    chat = customer_chat(parley, team)
    parley.conversations.send_message(alice, chat.id, body='Secret', client_id=cid(), note=True)
    colleague = parley.directory.create_customer(name='Carla Colleague', email='carla@example.com')
    parley.handoff.add_participants(alice, chat.id, [colleague.id])
    assert [m.body for m in parley.conversations.list_messages(colleague, chat.id)] == ['Your order ships today.']
    assert parley.notifications.bell(colleague) == []


# ----- remove and leave ----------------------------------------------------------------------------------

def test_someone_removed_loses_access_at_once_and_their_page_hears_it(parley, team):
    alice, susan, john = team['alice'], team['susan'], team['john']
    chat = team_chat(parley, team, 'susan', 'john')
    heard = []
    parley.bus.subscribe(john.id, heard.append)
    parley.handoff.remove_participant(susan, chat.id, john.id)
    assert [type(e) for e in heard if isinstance(e, ConversationChanged)] == [ConversationChanged]
    for call in (lambda: parley.conversations.access_conversation(john, chat.id),
                 lambda: parley.conversations.list_messages(john, chat.id),
                 lambda: parley.conversations.send_message(john, chat.id, body='Hello?', client_id=cid())):
        with pytest.raises(NotFound):
            call()
    assert parley.conversations.list_conversations(john) == []
    assert lines(parley, alice, chat.id) == ['Susan Miller removed John Smith']


def test_removing_oneself_someone_absent_or_the_only_customer_is_refused(parley, team):
    alice = team['alice']
    chat = customer_chat(parley, team, 'susan')
    with pytest.raises(InvalidInput, match='Leave conversation'):
        parley.handoff.remove_participant(alice, chat.id, alice.id)
    with pytest.raises(InvalidInput, match='not in this conversation'):
        parley.handoff.remove_participant(alice, chat.id, team['mike'].id)
    with pytest.raises(InvalidInput, match='only customer'):
        parley.handoff.remove_participant(alice, chat.id, team['customer'].id)
    assert len(people(parley, alice, chat.id)) == 3


def test_a_removed_customer_is_never_emailed_what_waited_for_them(parley, team):
    alice = team['alice']
    chat = customer_chat(parley, team)
    other = parley.directory.create_customer(name='Carla Colleague', email='carla@example.com')
    parley.handoff.add_participants(alice, chat.id, [other.id])
    parley.conversations.send_message(alice, chat.id, body='For both of you', client_id=cid())
    parley.handoff.remove_participant(alice, chat.id, other.id)
    with parley.db.session() as session:
        assert session.exec(select(Delivery).where(Delivery.customer_id == other.id)).all() == []


def test_the_last_agent_of_a_customer_conversation_hands_it_on_before_leaving(parley, team):
    alice, susan = team['alice'], team['susan']
    chat = customer_chat(parley, team)
    with pytest.raises(InvalidInput, match='last agent'):
        parley.handoff.leave(alice, chat.id)
    assert people(parley, alice, chat.id) == {'Alice Admin', 'Sample Customer'}
    parley.handoff.leave(alice, chat.id, hand_to=susan.id)
    view = parley.conversations.access_conversation(susan, chat.id)
    assert view.assignee.id == susan.id and {p.name for p in view.participants} == {'Susan Miller',
                                                                                   'Sample Customer'}
    assert lines(parley, susan, chat.id) == ['Alice Admin assigned this conversation to Susan Miller',
                                             'Alice Admin left the conversation']
    with pytest.raises(NotFound):
        parley.conversations.access_conversation(alice, chat.id)
    parley.handoff.leave(susan, chat.id, to_unassigned=True)
    assert [c.id for c in parley.conversations.list_conversations(alice, inbox=Inbox.UNASSIGNED)] == [chat.id]


def test_a_teammate_may_leave_a_team_conversation(parley, team):
    chat = team_chat(parley, team, 'susan', 'john')
    parley.handoff.leave(team['john'], chat.id)
    assert people(parley, team['alice'], chat.id) == {'Alice Admin', 'Susan Miller'}
    assert lines(parley, team['alice'], chat.id) == ['John Smith left the conversation']


# ----- rename, assign, link -------------------------------------------------------------------------------

def test_rename_sets_the_subject_with_a_line_and_empty_names_it_after_its_people(parley, team):
    alice, susan = team['alice'], team['susan']
    chat = team_chat(parley, team, 'susan')
    parley.handoff.rename(susan, chat.id, '  Weekend   rota ')
    assert parley.conversations.access_conversation(alice, chat.id).title == 'Weekend rota'
    parley.handoff.rename(susan, chat.id, 'Weekend rota')   # unchanged: no line
    assert lines(parley, alice, chat.id) == ['Susan Miller renamed the conversation to "Weekend rota"']
    parley.handoff.rename(alice, chat.id, '')
    assert parley.conversations.access_conversation(alice, chat.id).title == 'Susan Miller'
    with pytest.raises(InvalidInput, match='up to 200'):
        parley.handoff.rename(alice, chat.id, 'x' * 201)


def test_assign_and_unassign_a_customer_conversation(parley, team):
    alice, john = team['alice'], team['john']
    chat = customer_chat(parley, team)
    assert parley.conversations.access_conversation(alice, chat.id).assignee.id == alice.id
    parley.handoff.assign(alice, chat.id, john.id)
    view = parley.conversations.access_conversation(john, chat.id)
    assert view.assignee.id == john.id
    assert [c.id for c in parley.conversations.list_conversations(john, inbox=Inbox.MINE)] == [chat.id]
    assert parley.notifications.bell(john)[0].title == 'Alice Admin assigned a conversation with a customer to you'
    parley.handoff.unassign(john, chat.id)
    view = parley.conversations.access_conversation(alice, chat.id)
    assert (view.assignee, view.unassigned) == (None, True)
    assert [c.id for c in parley.conversations.list_conversations(team['mike'], inbox=Inbox.UNASSIGNED)] == [chat.id]
    # The first agent to reply to an unassigned conversation still takes it.
    parley.conversations.send_message(team['mike'], chat.id, body='I will take this one', client_id=cid())
    assert parley.conversations.access_conversation(alice, chat.id).assignee.id == team['mike'].id


def test_an_unassigned_live_chat_can_be_assigned_by_any_agent(parley, team):
    waiting = visitor_chat(parley)
    parley.handoff.assign(team['mike'], waiting, team['susan'].id)
    assert parley.conversations.list_conversations(team['john'], inbox=Inbox.UNASSIGNED) == []
    assert [c.id for c in parley.conversations.list_conversations(team['susan'], inbox=Inbox.MINE)] == [waiting]


@pytest.mark.parametrize('target, message', [('customer', 'Only an agent'), ('nobody', 'do not exist')])
def test_assigning_a_customer_or_nobody_is_refused(parley, team, target, message):
    chat = customer_chat(parley, team)
    assignee = team['customer'].id if target == 'customer' else 424242
    with pytest.raises(InvalidInput, match=message):
        parley.handoff.assign(team['alice'], chat.id, assignee)
    assert parley.conversations.access_conversation(team['alice'], chat.id).assignee.id == team['alice'].id


def test_a_team_conversation_has_no_assignee(parley, team):
    chat = team_chat(parley, team, 'susan')
    with pytest.raises(InvalidInput, match='Only a conversation with a customer'):
        parley.handoff.assign(team['alice'], chat.id, team['susan'].id)


def test_link_to_a_ticket_and_create_one_from_a_customer_conversation(parley, team):
    alice, customer = team['alice'], team['customer']
    chat = customer_chat(parley, team)
    parley.conversations.send_message(customer, chat.id, body='My printer prints blank pages\nSince Monday',
                                      client_id=cid())
    title, who = parley.handoff.ticket_proposal(alice, chat.id)
    assert (title, who.id) == ('My printer prints blank pages', customer.id)
    link = parley.handoff.create_ticket(alice, chat.id, title=title)
    assert parley.conversations.access_conversation(alice, chat.id).item == link
    assert parley.items.get(alice, 'ticket', link.number).customer.id == customer.id
    task = parley.items.create(alice, 'task', title='Call the courier')
    parley.handoff.link_item(alice, chat.id, task.id)
    assert lines(parley, alice, chat.id) == [f'Alice Admin linked this conversation to {link.label}',
                                             f'Alice Admin linked this conversation to {task.link.label}']
    with pytest.raises(InvalidInput, match='does not exist'):
        parley.handoff.link_item(alice, chat.id, 987_654)
    assert parley.conversations.access_conversation(alice, chat.id).item == task.link


@pytest.mark.parametrize('who', ['mike', 'customer'])
def test_only_agents_in_it_hand_it_off(parley, team, who):
    chat = customer_chat(parley, team, 'susan')
    actor = team[who]
    for call in (lambda: parley.handoff.add_participants(actor, chat.id, [team['john'].id]),
                 lambda: parley.handoff.remove_participant(actor, chat.id, team['susan'].id),
                 lambda: parley.handoff.leave(actor, chat.id),
                 lambda: parley.handoff.rename(actor, chat.id, 'Mine now'),
                 lambda: parley.handoff.assign(actor, chat.id, team['john'].id),
                 lambda: parley.handoff.unassign(actor, chat.id),
                 lambda: parley.handoff.link_item(actor, chat.id, 1),
                 lambda: parley.handoff.ticket_proposal(actor, chat.id)):
        with pytest.raises(NotFound):
            call()
    assert lines(parley, team['alice'], chat.id) == []


def test_leaving_a_conversation_one_is_not_in_is_refused(parley, team):
    waiting = visitor_chat(parley)
    with pytest.raises(InvalidInput, match='not in this conversation'):
        parley.handoff.leave(team['mike'], waiting)
    assert lines(parley, team['mike'], waiting) == []
