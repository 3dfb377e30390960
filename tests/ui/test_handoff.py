"""Hand-off from the thread header: people, assign, rename, link, create ticket, leave."""
from collections.abc import Callable

from nicegui.testing import User

from tests.conftest import cid
from tests.ui.conftest import sign_in
from tests.ui.test_customer_chat import boot_with


def team_chat(app_parley, people, *names):
    return app_parley.conversations.create_conversation(
        people['alice'], participant_ids=[people[n].id for n in names], body='Who covers Saturday?', client_id=cid())


def customer_chat(app_parley, people):
    customer = app_parley.directory.create_customer(name='Sample Customer', email='customer@example.com')
    app_parley.directory.create_customer(name='Carla Colleague', email='carla@example.com')
    chat = app_parley.conversations.create_conversation(people['alice'], participant_ids=[customer.id],
                                                        body='Your order ships today.', client_id=cid(),
                                                        with_customer=True)
    app_parley.conversations.send_message(customer, chat.id, body='My printer prints blank pages', client_id=cid())
    return chat


async def test_add_a_teammate_who_sees_it_appear_live(user: User, create_user: Callable[[], User], people,
                                                     app_parley):
    chat = team_chat(app_parley, people, 'susan')
    mike = create_user()
    await sign_in(mike, 'mike@example.com')
    await mike.should_see('No open conversations')
    await sign_in(user, 'alice@example.com')
    await user.open(f'/messenger/{chat.id}')
    user.find(marker='more-actions').click()
    user.find(marker='add-participant').click()
    await user.should_see('New people see the whole conversation, from its first message.')
    user.find('Search teammates').type('mik')
    user.find(marker='person-mike@example.com').click()
    await user.should_see('Alice Admin added Mike Brown')
    await mike.should_see(marker=f'conversation-{chat.id}')
    await mike.should_see('Who covers Saturday?')


async def test_a_removed_teammates_open_page_says_so(user: User, create_user: Callable[[], User], people, app_parley):
    chat = team_chat(app_parley, people, 'susan', 'john')
    # Both sign in before either opens the conversation: NiceGUI's user simulation routes ui.navigate to the
    # simulated user touched last, and John's open page touches his while Alice's sign-in navigates.
    await sign_in(user, 'alice@example.com')
    john = create_user()
    await sign_in(john, 'john@example.com')
    await john.open(f'/messenger/{chat.id}')
    await john.should_see('Who covers Saturday?')
    await user.open(f'/messenger/{chat.id}')
    user.find(marker='more-actions').click()
    user.find(marker='people').click()
    user.find(marker='remove-john@example.com').click()
    await user.should_see('John Smith will no longer see this conversation, from now on.')
    user.find(marker='confirm').click()
    await user.should_see('Alice Admin removed John Smith')
    await john.should_see('You are no longer in this conversation')
    await john.should_not_see('Who covers Saturday?')


async def test_rename_shows_the_new_title(user: User, people, app_parley):
    chat = team_chat(app_parley, people, 'susan')
    await sign_in(user, 'alice@example.com')
    await user.open(f'/messenger/{chat.id}')
    user.find(marker='more-actions').click()
    user.find(marker='rename').click()
    user.find(marker='subject').type('Weekend rota')
    user.find(marker='confirm-rename').click()
    await user.should_see('Alice Admin renamed the conversation to "Weekend rota"')
    assert app_parley.conversations.access_conversation(people['susan'], chat.id).title == 'Weekend rota'


async def test_assign_from_the_header_and_the_assignee_is_told(user: User, people, app_parley):
    chat = customer_chat(app_parley, people)
    await sign_in(user, 'alice@example.com')
    await user.open(f'/messenger/{chat.id}')
    user.find(marker='assignee').click()
    user.find('Search teammates').type('susan')
    user.find(marker='person-susan@example.com').click()
    await user.should_see('Alice Admin assigned this conversation to Susan Miller')
    await user.should_see('Assigned to Susan Miller')   # the list row
    assert app_parley.notifications.bell(people['susan'])[0].kind == 'assigned'


async def test_adding_a_customer_asks_first(user: User, people, app_parley):
    chat = customer_chat(app_parley, people)
    await sign_in(user, 'alice@example.com')
    await user.open(f'/messenger/{chat.id}')
    user.find(marker='more-actions').click()
    user.find(marker='people').click()
    user.find(marker='add-customer').click()
    user.find('Search customers').type('carla')
    user.find(marker='person-carla@example.com').click()
    await user.should_see('Carla Colleague will see everything a customer sees in this conversation')
    user.find(marker='confirm').click()
    await user.should_see('Alice Admin added Carla Colleague')


async def test_create_a_ticket_from_the_conversation_and_link_a_task(user: User, people, app_parley):
    chat = customer_chat(app_parley, people)
    task = app_parley.items.create(people['alice'], 'task', title='Call the courier')
    await sign_in(user, 'alice@example.com')
    await user.open(f'/messenger/{chat.id}')
    user.find(marker='more-actions').click()
    user.find(marker='create-ticket').click()
    await user.should_see('For Sample Customer; this conversation is linked to it.')
    assert user.find(marker='ticket-title').elements.pop().value == 'My printer prints blank pages'
    user.find(marker='confirm-ticket').click()
    await user.should_see('Ticket #T-1: My printer prints blank pages')
    user.find(marker='more-actions').click()
    user.find(marker='link-item').click()
    user.find(marker='item-search').type('K-1')
    user.find(marker='item-K-1').click()
    await user.should_see(f'Alice Admin linked this conversation to {task.link.label}')


async def test_the_last_agent_hands_it_to_unassigned_when_leaving(user: User, people, app_parley):
    chat = customer_chat(app_parley, people)
    await sign_in(user, 'alice@example.com')
    await user.open(f'/messenger/{chat.id}')
    user.find(marker='more-actions').click()
    user.find(marker='leave').click()
    await user.should_see('Hand it on before you leave')
    user.find(marker='leave-unassigned').click()
    await user.should_see('Unassigned · 1 waiting')
    view = app_parley.conversations.access_conversation(people['susan'], chat.id)
    assert view.unassigned and all(p.id != people['alice'].id for p in view.participants)


async def test_a_removed_customers_live_chat_says_so(user: User, people, app_parley):
    chat = customer_chat(app_parley, people)
    [carla] = [c for c in app_parley.directory.list_customers(people['alice']) if c.email == 'carla@example.com']
    app_parley.handoff.add_participants(people['alice'], chat.id, [carla.id])
    boot_with(user, app_parley.chat.link(carla.id, chat.id).split('#', 1)[1])
    await user.open('/chat')
    await user.should_see('Your order ships today.')
    app_parley.handoff.remove_participant(people['alice'], chat.id, carla.id)
    await user.should_see('This conversation is no longer available to you.')
    await user.should_not_see('Your order ships today.')
