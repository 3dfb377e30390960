"""Tickets and tasks: numbering, validation, filters, assignment notices, and their conversations."""
from datetime import date, timedelta

import pytest

from services.errors import InvalidInput, NotFound
from tests.conftest import cid


@pytest.fixture
def ticket(parley, team):
    return parley.items.create(team['alice'], 'ticket', title='Printer offline', description='Since Monday',
                               customer_id=team['customer'].id, priority='high')


def test_tickets_and_tasks_are_numbered_per_kind_with_short_references(parley, team, ticket):
    alice = team['alice']
    second = parley.items.create(alice, 'ticket', title='Toner low')
    task = parley.items.create(alice, 'task', title='Order toner', due_date=date(2026, 12, 1))
    assert [(i.link.ref, i.link.label) for i in (ticket, second, task)] == [
        ('T-1', 'Ticket #T-1: Printer offline'), ('T-2', 'Ticket #T-2: Toner low'), ('K-1', 'Task #K-1: Order toner')]
    assert (ticket.status, ticket.priority, ticket.customer.name) == ('new', 'high', 'Sample Customer')
    assert (task.status, task.due_date, task.link.path) == ('todo', date(2026, 12, 1), '/tasks/1')
    assert parley.items.get(alice, 'ticket', 'T-1').id == ticket.id == parley.items.get(alice, 'ticket', '1').id


@pytest.mark.parametrize('fields, message', [
    ({'title': '  '}, 'Give it a title.'),
    ({'title': 'x' * 201}, 'limited to 200'),
    ({'title': 'A', 'priority': 'whenever'}, 'offered priorities'),
    ({'title': 'A', 'customer_id': 1}, 'Pick the customer'),         # an agent is no customer
    ({'title': 'A', 'assignee_id': 5}, 'active teammate'),            # a customer is no assignee
    ({'title': 'A', 'due_date': date(2026, 1, 1)}, 'no due date'),
])
def test_bad_ticket_input_is_refused_with_a_reason(parley, team, fields, message):
    with pytest.raises(InvalidInput, match=message):
        parley.items.create(team['alice'], 'ticket', **fields)


def test_tasks_have_no_customer_and_statuses_follow_the_kind(parley, team, ticket):
    alice = team['alice']
    with pytest.raises(InvalidInput, match='Tasks have no customer'):
        parley.items.create(alice, 'task', title='A', customer_id=team['customer'].id)
    with pytest.raises(InvalidInput, match='offered statuses'):
        parley.items.update(alice, ticket.id, status='doing')
    assert parley.items.update(alice, ticket.id, status='pending').status_label == 'Pending'


@pytest.mark.parametrize('ref', ['T-99', 'K-1', 'abc', '1; drop table', '', '9' * 30])
def test_unknown_or_malformed_references_are_not_found(parley, team, ticket, ref):
    with pytest.raises(NotFound, match='Ticket not found'):
        parley.items.get(team['alice'], 'ticket', ref)


def test_customers_never_see_items(parley, team, ticket):
    with pytest.raises(NotFound):
        parley.items.get(team['customer'], 'ticket', 'T-1')
    with pytest.raises(NotFound):
        parley.items.list(team['customer'], 'ticket')


def test_lists_filter_by_mine_unassigned_status_and_search(parley, team):
    alice, susan = team['alice'], team['susan']
    mine = parley.items.create(alice, 'ticket', title='Printer offline', assignee_id=susan.id)
    free = parley.items.create(alice, 'ticket', title='Scanner jams')
    closed = parley.items.create(alice, 'ticket', title='Old printer question', assignee_id=susan.id)
    parley.items.update(alice, closed.id, status='closed')

    def refs(**kwargs):
        return [i.link.ref for i in parley.items.list(susan, 'ticket', **kwargs)]
    assert refs() == ['T-2', 'T-1', 'T-3'], 'open ones first, closed last'
    assert refs(show='mine') == ['T-1', 'T-3']
    assert refs(show='unassigned') == ['T-2']
    assert refs(status='closed') == ['T-3']
    assert refs(query='PRINTER') == ['T-1', 'T-3']
    assert refs(query='#T-2') == ['T-2']
    assert refs(query='100%_') == []
    assert (mine.assignee.name, free.assignee) == ('Susan Miller', None)


def test_assigning_notifies_the_assignee_once_and_never_oneself(parley, team, ticket):
    alice, susan = team['alice'], team['susan']
    parley.items.update(alice, ticket.id, assignee_id=susan.id)
    parley.items.update(alice, ticket.id, title='Printer offline again')   # no new assignment, no notice
    [notice] = parley.notifications.bell(susan)
    assert (notice.kind, notice.title, notice.link) == (
        'assigned', 'Alice Admin assigned Ticket #T-1: Printer offline to you', '/tickets/1')
    parley.items.update(alice, ticket.id, assignee_id=alice.id)
    assert parley.notifications.bell(alice) == []
    parley.items.update(alice, ticket.id, assignee_id=susan.id)
    assert len(parley.notifications.bell(susan)) == 2, 'a second assignment is a second event'


def test_a_conversation_created_on_an_item_is_linked_and_keeps_its_visibility(parley, team, ticket):
    alice, susan, john = team['alice'], team['susan'], team['john']
    with_customer = parley.conversations.create_conversation(
        alice, participant_ids=[team['customer'].id], body='We are on it', client_id=cid(), item_id=ticket.id)
    parley.conversations.create_conversation(alice, participant_ids=[susan.id], body='Internal', client_id=cid(),
                                             item_id=ticket.id)
    assert with_customer.item.label == 'Ticket #T-1: Printer offline'
    visible, others = parley.conversations.item_conversations(alice, ticket.id)
    assert (len(visible), others) == (2, 0)
    visible, others = parley.conversations.item_conversations(john, ticket.id)
    assert (visible, others) == ([], 2), 'John sees how many exist, not what they are'
    visible, others = parley.conversations.item_conversations(susan, ticket.id)
    assert ([c.last_message_preview for c in visible], others) == (['Internal'], 1)
    assert parley.conversations.access_conversation(team['customer'], with_customer.id).item is None
    assert [c.item.ref for c in parley.conversations.list_conversations(alice)] == ['T-1', 'T-1']


def test_a_tickets_customer_conversation_routes_like_any_other(parley, team, ticket):
    conversation = parley.conversations.create_conversation(
        team['alice'], participant_ids=[team['customer'].id], body='We are on it', client_id=cid(),
        item_id=ticket.id)
    parley.deliveries.clock = lambda: conversation.last_message_at + timedelta(minutes=2)
    assert parley.deliveries.send_due() == 1
    [message] = parley.conversations.list_messages(team['alice'], conversation.id)
    assert [d.label for d in message.deliveries] == ['Emailed']


def test_a_conversation_cannot_point_at_a_missing_item(parley, team):
    with pytest.raises(InvalidInput, match='does not exist'):
        parley.conversations.create_conversation(team['alice'], participant_ids=[team['susan'].id], body='x',
                                                 client_id=cid(), item_id=999)
