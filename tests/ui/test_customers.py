"""A customer's page: details agents correct, history, tickets, emails; admins export and delete."""
import pytest
from nicegui.testing import User

from tests import mailcorpus as corpus
from tests.conftest import cid
from tests.ui.conftest import sign_in


@pytest.fixture
def customer(app_parley):
    return app_parley.directory.create_customer(name='Sample Customer', email='customer@example.com')


async def test_an_agent_sees_a_customers_history_and_starts_a_conversation_with_them(user: User, people,
                                                                                    customer, app_parley):
    susan = people['susan']
    chat = app_parley.conversations.create_conversation(susan, participant_ids=[customer.id], with_customer=True,
                                                        subject='Printer', body='Restart it.', client_id=cid())
    hidden = app_parley.conversations.create_conversation(people['alice'], participant_ids=[customer.id],
                                                          with_customer=True, subject='Secret refund', body='x',
                                                          client_id=cid())
    app_parley.lifecycle.close(susan, chat.id)
    ticket = app_parley.items.create(susan, 'ticket', title='Broken printer', customer_id=customer.id)
    app_parley.inbound.receive(corpus.gmail('help@parley.localhost', 'Another question', subject='Hello again',
                                            sender=f'Sample Customer <{customer.email}>'))
    await sign_in(user, 'susan@example.com')
    await user.open(f'/messenger/{chat.id}')
    user.find(marker=f'customer-page-{customer.id}').click()
    await user.should_see('customer@example.com')
    await user.should_see('Printer')
    await user.should_see('Closed')
    await user.should_not_see(hidden.subject)       # not hers to open
    await user.should_see('Broken printer')
    await user.should_see(f'#{ticket.link.ref}')
    await user.should_see('Hello again')
    await user.should_not_see(marker='customer-more')  # admins only

    user.find(marker='edit-customer').click()
    user.find('Organization').type('Sample Company')
    user.find(marker='save-customer').click()
    await user.should_see('customer@example.com · Sample Company')

    user.find(marker='customer-start-conversation').click()
    await user.should_see('New conversation with customer')
    await user.should_see('Sample Customer')


async def test_an_admin_deletes_a_customer_after_saying_what_it_means(user: User, people, customer, app_parley):
    app_parley.conversations.create_conversation(people['alice'], participant_ids=[customer.id], with_customer=True,
                                                 body='Hello there', client_id=cid())
    await sign_in(user, 'alice@example.com')
    await user.open(f'/customers/{customer.id}')
    await user.should_see('Sample Customer')
    user.find(marker='customer-export').click()
    await user.should_see('never internal notes')   # what the file holds, before it is made
    user.find(marker='confirm-customer-export').click()
    await user.should_see('Downloading.')
    user.find(marker='customer-delete').click()
    await user.should_see('This cannot be undone')
    user.find(marker='confirm-customer-delete').click()
    await user.should_see('Sample Customer is deleted.')
    await user.open(f'/customers/{customer.id}')
    await user.should_see('Customer not found')
    for wrong in ('not-a-number', '²', '99999999999999999999'):
        await user.open(f'/customers/{wrong}')
        await user.should_see('Customer not found')
    assert [c.name for c in app_parley.directory.list_customers(people['alice'])] == []


async def test_a_customer_page_is_for_agents(user: User, people, customer):
    await user.open(f'/customers/{customer.id}')
    await user.should_see('Sign in')


async def test_the_export_is_a_json_download_for_admins_only(user: User, people, customer, app_parley):
    client = user.http_client
    anonymous = await client.get(f'/customers/{customer.id}/export.json')
    assert anonymous.status_code in (302, 303, 307) and '/login' in anonymous.headers['location']
    await sign_in(user, 'alice@example.com')
    answer = await client.get(f'/customers/{customer.id}/export.json')
    assert answer.status_code == 200 and 'attachment' in answer.headers['content-disposition']
    assert answer.json()['customer']['email'] == 'customer@example.com'
    for wrong in ('999999', 'abc', '²', '٣', str(people['susan'].id)):
        assert (await client.get(f'/customers/{wrong}/export.json')).status_code == 404
    assert [e.what for e in app_parley.audit.entries(people['alice'])] == ['Customer data exported']


async def test_an_agent_cannot_export(user: User, people, customer):
    await sign_in(user, 'susan@example.com')
    assert (await user.http_client.get(f'/customers/{customer.id}/export.json')).status_code == 404
