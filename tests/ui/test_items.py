"""Tickets and tasks pages, and conversations started from them."""
from nicegui import ui
from nicegui.testing import User

from tests.conftest import cid
from tests.ui.conftest import sign_in


async def test_create_a_ticket_then_a_customer_conversation_from_it(user: User, people, app_parley):
    customer = app_parley.directory.create_customer(name='Sample Customer', email='customer@example.com')
    await sign_in(user, 'alice@example.com')
    await user.open('/tickets')
    await user.should_see('No tickets yet.')
    user.find(marker='new-item').click()
    await user.should_see('New ticket')
    user.find(marker='item-title').type('Printer offline')
    user.find(marker='item-customer').type('Sample')
    user.find(marker='save-item').click()   # typed, not picked: nothing is saved without the customer meant
    await user.should_see('"Sample" is not picked yet')
    assert app_parley.items.list(people['alice'], 'ticket') == []
    user.find(marker='item-customer').trigger('keydown.enter.prevent')   # Enter picks the highlighted match
    await user.should_see('Sample Customer')
    user.find(marker='save-item').click()
    await user.should_see('Ticket #T-1')
    assert app_parley.items.get(people['alice'], 'ticket', 1).customer == customer
    await user.should_see('No conversations you take part in yet.')

    user.find(marker='item-new-customer-conversation').click()
    await user.should_see('Linked to Ticket #T-1: Printer offline')
    await user.should_see('Sample Customer')          # the ticket's customer is proposed
    user.find(marker='composer').type('We are looking into your printer.')
    user.find(kind=ui.button, content='Create conversation').click()
    await user.should_see('We are looking into your printer.')
    await user.should_see(marker='item-link')          # the thread says which ticket it belongs to
    [conversation] = app_parley.conversations.list_conversations(people['alice'])
    assert conversation.item.label == 'Ticket #T-1: Printer offline' and conversation.is_customer

    await user.open('/tickets/1')
    await user.should_see(marker=f'item-conversation-{conversation.id}')
    await user.should_see('We are looking into your printer.')


async def test_lists_filter_and_search(user: User, people, app_parley):
    alice, susan = people['alice'], people['susan']
    app_parley.items.create(alice, 'ticket', title='Printer offline', assignee_id=alice.id)
    app_parley.items.create(alice, 'ticket', title='Scanner jams', assignee_id=susan.id)
    app_parley.items.create(alice, 'ticket', title='Projector dim')
    await sign_in(user, 'alice@example.com')
    await user.open('/tickets')
    await user.should_see('Scanner jams')
    user.find(marker='show').elements.pop().value = 'mine'
    await user.should_see('Printer offline')
    await user.should_not_see('Scanner jams')
    user.find(marker='show').elements.pop().value = 'unassigned'
    await user.should_see('Projector dim')
    await user.should_not_see('Printer offline')
    user.find(marker='show').elements.pop().value = 'all'
    user.find('Search by title or number').type('scan')
    await user.should_see('Scanner jams')
    await user.should_not_see('Projector dim')


async def test_assigning_from_the_ticket_page_notifies_the_assignee(user: User, people, app_parley):
    ticket = app_parley.items.create(people['alice'], 'ticket', title='Printer offline')
    await sign_in(user, 'alice@example.com')
    await user.open('/tickets/1')
    await user.should_see('Printer offline')
    user.find(marker='item-assignee').elements.pop().value = people['susan'].id
    await user.should_see('Saved')
    assert app_parley.items.get_by_id(people['alice'], ticket.id).assignee.name == 'Susan Miller'
    [notice] = app_parley.notifications.bell(people['susan'])
    assert notice.title == 'Alice Admin assigned Ticket #T-1: Printer offline to you'


async def test_an_item_page_counts_conversations_it_does_not_show(user: User, people, app_parley):
    alice, susan = people['alice'], people['susan']
    task = app_parley.items.create(alice, 'task', title='Order toner')
    app_parley.conversations.create_conversation(alice, participant_ids=[susan.id], body='Which brand?',
                                                 client_id=cid(), item_id=task.id)
    await sign_in(user, 'john@example.com')
    await user.open('/tasks/1')
    await user.should_see('Task #K-1')
    await user.should_see('1 other conversation on this task is visible only to its participants.')
    await user.should_not_see('Which brand?')


async def test_unknown_items_are_not_found(user: User, people):
    await sign_in(user, 'alice@example.com')
    await user.open('/tickets/42')
    await user.should_see('Ticket not found')
    await user.open('/tasks/abc')
    await user.should_see('Task not found')


async def test_markup_in_titles_and_names_is_shown_as_text(user: User, people, app_parley):
    markup = '<b>bold</b><script>alert(1)</script>'
    customer = app_parley.directory.create_customer(name=f'Eve {markup}', email='eve@example.com')
    app_parley.items.create(people['alice'], 'ticket', title=markup, customer_id=customer.id)
    app_parley.conversations.create_conversation(people['alice'], participant_ids=[customer.id], body=markup,
                                                 client_id=cid(), subject=markup)
    await sign_in(user, 'alice@example.com')
    await user.should_see(markup)                     # the conversation list: the subject, as typed
    await user.open('/tickets/1')
    await user.should_see(markup)                     # the title, as text
    await user.should_see(f'Eve {markup}')
