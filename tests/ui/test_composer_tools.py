"""The composer's time-savers in the user simulation: files sent with a message, "/" saved replies."""
from nicegui.testing import User

from tests import samplefiles
from tests.conftest import cid
from tests.ui.conftest import sign_in
from ui.composer import Uploads
from ui.messages import MessageList


def staged(parley, agent, name: str, data: bytes):
    """What ui/uploads.js does over HTTP (POST /files): the file, waiting for the next message."""
    pending = parley.files.begin(agent, name=name, declared_size=len(data))
    pending.write(data)
    return parley.files.finish(agent, pending, name=name)


async def alice_in_a_thread_with_susan(user: User, people, app_parley):
    """Alice signed in, her conversation with Susan open."""
    conversation = app_parley.conversations.create_conversation(people['alice'], participant_ids=[people['susan'].id],
                                                                body='Hello', client_id=cid())
    await sign_in(user, 'alice@example.com', path=f'/messenger/{conversation.id}')
    await user.should_see('Hello')
    return conversation


async def test_files_go_with_the_message_and_show_in_the_thread(user: User, people, app_parley):
    alice, susan = people['alice'], people['susan']
    conversation = await alice_in_a_thread_with_susan(user, people, app_parley)
    pdf = staged(app_parley, alice, 'guide.pdf', samplefiles.pdf())
    shot = staged(app_parley, alice, 'screen.png', samplefiles.png())
    user.find(kind=Uploads).trigger('change', {'ready': [pdf.id, shot.id], 'busy': 0, 'failed': 0})
    user.find(marker='composer').trigger('keydown.enter.exact.prevent')   # no text: the files are the message
    await user.should_see('guide.pdf · 2 KB')
    [thread] = user.find(kind=MessageList).elements
    [shown] = thread.data[-1:]
    assert [(f['name'], f['url']) for f in shown['files']] == [('guide.pdf', f'/files/{pdf.id}/guide.pdf')]
    assert [(f['name'], f['url'], f['thumb']) for f in shown['images']] == [
        ('screen.png', f'/files/{shot.id}/screen.png', f'/files/{shot.id}/screen.png?v=thumb')]
    [sent] = app_parley.conversations.list_messages(susan, conversation.id)[-1:]
    assert [a.name for a in sent.attachments] == ['guide.pdf', 'screen.png']


async def test_sending_waits_for_uploads_still_going(user: User, people, app_parley):
    conversation = await alice_in_a_thread_with_susan(user, people, app_parley)
    user.find(kind=Uploads).trigger('change', {'ready': [], 'busy': 1, 'failed': 0})
    user.find(marker='composer').type('See the attached file')
    user.find(marker='composer').trigger('keydown.enter.exact.prevent')
    await user.should_see('Wait until the files have uploaded, or remove them.')
    assert len(app_parley.conversations.list_messages(people['alice'], conversation.id)) == 1


async def test_a_slash_suggests_saved_replies_and_fills_one_in(user: User, people, app_parley):
    alice = people['alice']
    customer = app_parley.directory.create_customer(name='Ana Costa', email='ana@example.pt')
    app_parley.replies.create(alice, title='Greeting', shortcut='hi', shared=True,
                              body='Hi {customer.first_name}, I am {agent.first_name}.')
    app_parley.replies.create(alice, title='Refund policy', shortcut='refund', body='Refunds take 5 days.')
    conversation = app_parley.conversations.create_conversation(alice, participant_ids=[customer.id],
                                                                body='Hello', client_id=cid(), with_customer=True)
    await sign_in(user, 'alice@example.com', path=f'/messenger/{conversation.id}')
    await user.should_see('Hello')
    box = user.find(marker='composer')
    box.type('/')
    await user.should_see(marker='saved-hi')
    await user.should_see(marker='saved-refund')
    box.type('ref')   # "/ref": the refund reply only
    await user.should_not_see(marker='saved-hi')
    user.find(marker='saved-refund').click()
    assert next(iter(box.elements)).value == 'Refunds take 5 days.'

    box.clear()
    box.type('/hi')
    await user.should_see(marker='saved-hi')
    box.trigger('keydown.enter.exact.prevent')   # Enter picks the highlighted reply; it does not send
    element = user.find(marker='composer').elements.pop()
    assert element.value == 'Hi Ana, I am Alice.'
    assert len(app_parley.conversations.list_messages(alice, conversation.id)) == 1


async def test_saved_replies_are_kept_on_their_page(user: User, people, app_parley):
    await sign_in(user, 'susan@example.com')
    await user.open('/settings/replies')
    await user.should_see('Your replies')
    user.find(marker='new-reply').click()
    await user.should_see(marker='reply-form')
    await user.should_not_see(marker='reply-shared')   # only admins keep the team's
    user.find(marker='reply-title').type('Thanks')
    user.find(marker='reply-shortcut').type('Has Space')
    user.find(marker='reply-body').type('Thank you, {customer.first_name}!')
    user.find(marker='save-reply').click()
    await user.should_see('A shortcut is 1 to 32 lowercase letters')
    user.find(marker='reply-shortcut').clear().type('thanks')
    user.find(marker='save-reply').click()
    await user.should_see(marker='reply-thanks')
    await user.should_see('/thanks')
    [reply] = app_parley.replies.list_replies(people['susan'])
    assert (reply.shortcut, reply.title, reply.shared) == ('thanks', 'Thanks', False)

    user.find(marker='delete-thanks').click()
    user.find(marker='confirm-delete').click()
    await user.should_not_see(marker='reply-thanks')
    assert app_parley.replies.list_replies(people['susan']) == []


async def test_the_author_edits_from_the_menu_and_a_teammate_sees_it_live(user: User, create_user, people,
                                                                          app_parley):
    alice, susan = people['alice'], people['susan']
    conversation = app_parley.conversations.create_conversation(alice, participant_ids=[susan.id],
                                                                body='Standup at 9', client_id=cid())
    [message] = app_parley.conversations.list_messages(alice, conversation.id)
    teammate = create_user()
    await sign_in(teammate, 'susan@example.com', path=f'/messenger/{conversation.id}')   # both signed in first
    await sign_in(user, 'alice@example.com', path=f'/messenger/{conversation.id}')
    await teammate.should_see('Standup at 9')
    user.find(kind=MessageList).trigger('action', {'id': message.id, 'action': 'edit'})   # "…" -> Edit
    await user.should_see(marker='edit-message')
    user.find(marker='edit-box').clear().type('Standup at 10')
    user.find(marker='save-edit').click()
    await user.should_see('Standup at 10')
    await teammate.should_see('Standup at 10')
    await teammate.should_see('edited')
    await teammate.should_not_see('Standup at 9')

    user.find(kind=MessageList).trigger('action', {'id': message.id, 'action': 'delete'})
    await user.should_see('Everyone in the conversation sees "Message deleted" instead.')
    user.find(marker='confirm-delete-message').click()
    await teammate.should_see('Message deleted')
    await teammate.should_not_see('Standup at 10')


async def test_nobody_edits_another_persons_message_from_a_forged_menu(user: User, people, app_parley):
    alice, susan = people['alice'], people['susan']
    conversation = app_parley.conversations.create_conversation(susan, participant_ids=[alice.id],
                                                                body="Susan's words", client_id=cid())
    [message] = app_parley.conversations.list_messages(alice, conversation.id)
    await sign_in(user, 'alice@example.com', path=f'/messenger/{conversation.id}')
    await user.should_see("Susan's words")
    user.find(kind=MessageList).trigger('action', {'id': message.id, 'action': 'edit'})
    await user.should_see('This message cannot be changed any more.')
    await user.should_not_see(marker='edit-message')


async def test_arrow_up_in_an_empty_box_edits_ones_last_message(user: User, people, app_parley):
    conversation = await alice_in_a_thread_with_susan(user, people, app_parley)
    app_parley.conversations.send_message(people['susan'], conversation.id, body='From Susan', client_id=cid())
    await user.should_see('From Susan')
    user.find(marker='composer').trigger('keydown.up')
    await user.should_see(marker='edit-message')
    [box] = user.find(marker='edit-box').elements
    assert box.value == 'Hello'   # Alice's last message, not Susan's newer one
