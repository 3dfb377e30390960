"""Two agents in one process: what one does shows up for the other without reloading."""
from collections.abc import Callable

from nicegui import ui
from nicegui.testing import User

from tests.conftest import cid
from tests.ui.conftest import sign_in, start_draft
from ui.conversation_row import ConversationRow


async def test_new_conversation_and_replies_arrive_live(user: User, create_user: Callable[[], User], people,
                                                        app_parley):
    susan = create_user()
    await sign_in(susan, 'susan@example.com')
    await susan.should_see('No open conversations')

    await sign_in(user, 'alice@example.com')
    await start_draft(user)
    user.find('Participants').type('@susan')
    user.find(marker='person-susan@example.com').click()
    user.find(marker='composer').type('Can you take the 10:00 call?')
    user.find(kind=ui.button, content='Create conversation').click()
    await user.should_see('Can you take the 10:00 call?')

    await susan.should_see('Alice Admin')           # the list gained the conversation, unprompted
    await susan.should_see('Can you take the 10:00 call?')
    [conversation] = app_parley.conversations.list_conversations(people['susan'])
    assert conversation.unread_count == 1

    susan.find(marker=f'conversation-{conversation.id}').click()
    await susan.should_see('2 participants')
    susan.find(marker='composer').type('Yes, on it')
    susan.find(marker='send').click()
    await user.should_see('Yes, on it')              # appended to Alice's open thread
    assert app_parley.conversations.unread_total(people['alice']) == 0, 'an open thread is read'


async def test_others_never_see_it(user: User, create_user: Callable[[], User], people, app_parley):
    mike = create_user()
    await sign_in(mike, 'mike@example.com')
    await sign_in(user, 'alice@example.com')
    conversation = app_parley.conversations.create_conversation(
        people['alice'], participant_ids=[people['susan'].id], body='for Susan only', client_id='s1')
    await user.should_see('for Susan only')
    await mike.should_not_see('for Susan only')
    await mike.open(f'/messenger/{conversation.id}')
    await mike.should_see('Conversation not found')


async def test_the_list_updates_the_row_that_changed(user: User, people, app_parley):
    """A new message moves its row to the top with the new preview and count; the other rows are left as they are."""
    alice, susan, john = people['alice'], people['susan'], people['john']
    conversations = app_parley.conversations
    older = conversations.create_conversation(susan, participant_ids=[alice.id], body='Rota question',
                                              client_id=cid())
    newer = conversations.create_conversation(john, participant_ids=[alice.id], body='Printer is down',
                                              client_id=cid())
    await sign_in(user, 'alice@example.com')
    await user.should_see('Printer is down')
    box = user.find(marker=f'conversation-{newer.id}').elements.pop().parent_slot.parent
    rows = lambda: [e for e in box.default_slot.children if isinstance(e, ConversationRow)]  # noqa: E731
    first, second = rows()
    assert (first.data['title'], second.data['title']) == ('John Smith', 'Susan Miller')

    conversations.send_message(susan, older.id, body='Can you swap Friday?', client_id=cid())
    await user.should_see(marker=f'conversation-{older.id}', content='Can you swap Friday?')
    assert rows() == [second, first], 'the same two rows, reordered: nothing drawn again'
    assert second.data['unread'] == 2 and first.data['unread'] == 1
    await user.should_see(marker=f'conversation-{older.id}', content='2 unread')
