"""Search from the messenger: results replace the list as one types; a message opens scrolled to it."""
from nicegui.testing import User

from tests.conftest import cid
from tests.ui.conftest import sign_in


async def test_typing_shows_results_and_a_message_opens_its_conversation(user: User, people, app_parley):
    alice, susan = people['alice'], people['susan']
    chat = app_parley.conversations.create_conversation(alice, participant_ids=[susan.id], body='Kick-off on Monday',
                                                        client_id=cid(), subject='Weekend rota')
    old = app_parley.conversations.send_message(susan, chat.id, body='The razão for the delay is the courier',
                                                client_id=cid())
    for n in range(120):   # the old message is three pages back
        app_parley.conversations.send_message(alice, chat.id, body=f'Update {n}', client_id=cid())
    await sign_in(user, 'susan@example.com')
    user.find(marker='search').type('razao')
    await user.should_see(marker=f'found-message-{old.id}')
    await user.should_see('Messages')
    await user.should_not_see(marker='inbox-filters')
    user.find(marker=f'found-message-{old.id}').click()
    await user.should_see('The razão for the delay is the courier')


async def test_subjects_and_nothing_found(user: User, people, app_parley):
    alice, susan = people['alice'], people['susan']
    chat = app_parley.conversations.create_conversation(alice, participant_ids=[susan.id], body='Hello',
                                                        client_id=cid(), subject='Weekend rota')
    await sign_in(user, 'susan@example.com')
    user.find(marker='search').type('rota')
    await user.should_see(marker=f'found-conversation-{chat.id}')
    user.find(marker='search').clear().type('"NEAR(* -pizza')
    await user.should_see('Nothing matches “"NEAR(* -pizza”')
    user.find(marker='search').clear()
    await user.should_see(marker='inbox-filters')
