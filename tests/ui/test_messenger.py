from nicegui import ui
from nicegui.testing import User

from services.conversations import MAX_MESSAGE_LENGTH
from tests.ui.conftest import sign_in, start_draft


async def test_create_a_conversation_with_two_teammates(user: User, people, app_parley):
    await sign_in(user, 'alice@example.com')
    await user.should_see('No open conversations')
    await start_draft(user)
    user.find('Participants').type('@su')
    await user.should_see('Susan Miller')
    user.find(marker='person-susan@example.com').click()
    user.find('Participants').type('@JOHN')
    user.find(marker='person-john@example.com').click()
    user.find(marker='composer').type('Welcome to the team!')
    user.find(kind=ui.button, content='Create conversation').click()
    await user.should_see('Welcome to the team!')
    await user.should_see('John Smith, Susan Miller')
    await user.should_not_see('Discard draft')
    [created] = app_parley.conversations.list_conversations(people['susan'])
    assert {p.name for p in created.participants} == {'Alice Admin', 'Susan Miller', 'John Smith'}
    assert user.back_history[-1] == f'/messenger/{created.id}'


async def test_suggestions_leave_out_yourself_and_chosen_people(user: User, people):
    await sign_in(user, 'alice@example.com')
    await start_draft(user)
    user.find('Participants').type('@alice')
    await user.should_see('No matching users')
    user.find('Participants').clear()
    user.find('Participants').type('susan')
    user.find(marker='person-susan@example.com').click()
    user.find('Participants').type('@sus')
    await user.should_see('No matching users')


async def test_keyboard_picks_a_suggestion(user: User, people):
    await sign_in(user, 'alice@example.com')
    await start_draft(user)
    user.find('Participants').type('@')  # John, Mike, Susan
    user.find('Participants').trigger('keydown.down.prevent').trigger('keydown.enter.prevent')
    chips = [chip.text for chip in user.find(ui.chip).elements]
    assert chips == ['Mike Brown']


async def test_add_participant_button_opens_a_searchable_list(user: User, people):
    await sign_in(user, 'alice@example.com')
    await start_draft(user)
    user.find(marker='picker-add').click()
    await user.should_see('Search teammates')
    user.find('Search teammates').type('mik')
    await user.should_not_see('John Smith')
    user.find(marker='person-mike@example.com').click()
    assert [dialog.value for dialog in user.find(ui.dialog).elements] == [False], 'the list closes'
    assert [chip.text for chip in user.find(ui.chip).elements] == ['Mike Brown']


async def test_chips_can_be_removed(user: User, people):
    await sign_in(user, 'alice@example.com')
    await start_draft(user)
    user.find('Participants').type('john')
    user.find(marker='person-john@example.com').click()
    chip = user.find(ui.chip).elements.pop()
    with user:
        chip.value = False  # the chip's remove button
    await user.should_not_see(ui.chip)


async def test_discard_removes_the_draft_and_stores_nothing(user: User, people, app_parley):
    await sign_in(user, 'alice@example.com')
    await start_draft(user)
    user.find('Participants').type('john')
    user.find(marker='person-john@example.com').click()
    user.find(marker='discard-draft').click()
    await user.should_not_see('New conversation')
    await user.should_see('No open conversations')
    assert app_parley.conversations.list_conversations(people['alice']) == []


async def test_the_draft_survives_a_reload(user: User, people):
    await sign_in(user, 'alice@example.com')
    await start_draft(user)
    user.find('Participants').type('john')
    user.find(marker='person-john@example.com').click()
    user.find(marker='composer').type('half-written thought')
    await user.open('/messenger')
    await user.should_see('New conversation')
    user.find(marker='draft-item').click()
    await user.should_see('half-written thought')
    assert [chip.text for chip in user.find(ui.chip).elements] == ['John Smith']


async def test_at_name_in_the_first_message_adds_a_participant(user: User, people):
    await sign_in(user, 'alice@example.com')
    await start_draft(user)
    user.find(marker='composer').type('Hi @jo')
    await user.should_see('John Smith')
    user.find(marker='person-john@example.com').click()
    assert [chip.text for chip in user.find(ui.chip).elements] == ['John Smith']
    assert user.find(marker='composer').elements.pop().value == 'Hi @John Smith '
    user.find(marker='composer').type('welcome aboard')
    user.find(marker='composer').trigger('keydown.enter.exact.prevent')
    await user.should_see('Hi @John Smith welcome aboard')


async def test_create_needs_a_participant_and_a_message(user: User, people, app_parley):
    await sign_in(user, 'alice@example.com')
    await start_draft(user)
    user.find(marker='composer').type('hello?')
    user.find(kind=ui.button, content='Create conversation').click()
    await user.should_see('Add at least one participant.')
    user.find('Participants').type('susan')
    user.find(marker='person-susan@example.com').click()
    user.find(marker='composer').clear()
    user.find(kind=ui.button, content='Create conversation').click()
    await user.should_see('Write a message first.')
    assert app_parley.conversations.list_conversations(people['alice']) == []


async def conversation_with_susan(user: User, people, app_parley, body='First!'):
    conversation = app_parley.conversations.create_conversation(
        people['alice'], participant_ids=[people['susan'].id], body=body, client_id=body)
    await sign_in(user, 'alice@example.com', path=f'/login?next=/messenger/{conversation.id}')
    return conversation


async def test_send_with_enter_and_the_button(user: User, people, app_parley):
    conversation = await conversation_with_susan(user, people, app_parley)
    user.find(marker='composer').type('by enter')
    user.find(marker='composer').trigger('keydown.enter.exact.prevent')
    await user.should_see('by enter')
    user.find(marker='composer').type('by button')
    user.find(marker='send').click()
    await user.should_see('by button')
    assert user.find(marker='composer').elements.pop().value == ''
    bodies = [m.body for m in app_parley.conversations.list_messages(people['susan'], conversation.id)]
    assert bodies == ['First!', 'by enter', 'by button']


async def test_empty_and_oversized_messages_are_refused_and_kept(user: User, people, app_parley):
    conversation = await conversation_with_susan(user, people, app_parley)
    user.find(marker='composer').type('  \n\n  ')   # Enter, as people send: spaces and blank lines say so
    user.find(marker='composer').trigger('keydown.enter.exact.prevent')
    await user.should_see('Write a message first.')
    user.find(marker='composer').clear()
    user.find(marker='composer').type('   ')
    user.find(marker='send').click()
    await user.should_see('Write a message first.')
    long_text = 'z' * (MAX_MESSAGE_LENGTH + 5)
    user.find(marker='composer').clear()
    user.find(marker='composer').type(long_text)
    user.find(marker='send').click()
    await user.should_see('the limit is 10,000')
    assert user.find(marker='composer').elements.pop().value == long_text
    assert len(app_parley.conversations.list_messages(people['alice'], conversation.id)) == 1


async def test_text_is_shown_as_typed_never_as_html(user: User, people, app_parley):
    await conversation_with_susan(user, people, app_parley, body='<b>bold?</b> & <script>x()</script>')
    await user.should_see('<b>bold?</b> & <script>x()</script>')


async def test_unknown_malformed_and_foreign_ids_are_not_found(user: User, people, app_parley):
    private = app_parley.conversations.create_conversation(
        people['susan'], participant_ids=[people['john'].id], body='just us', client_id='p')
    await sign_in(user, 'mike@example.com')
    for path in (f'/messenger/{private.id}', '/messenger/999999', '/messenger/abc', '/messenger/-1',
                 '/messenger/3000000000', f'/messenger/{2**63}'):
        await user.open(path)
        await user.should_see('Conversation not found')
        await user.should_not_see('just us')


async def test_long_threads_show_fifty_and_load_older(user: User, people, app_parley):
    conversation = app_parley.conversations.create_conversation(
        people['susan'], participant_ids=[people['alice'].id], body='message 0', client_id='m0')
    for i in range(1, 60):
        app_parley.conversations.send_message(people['susan'], conversation.id, body=f'message {i}',
                                              client_id=f'm{i}')
    await sign_in(user, 'alice@example.com', path=f'/messenger/{conversation.id}')
    await user.open(f'/messenger/{conversation.id}')
    await user.should_see('message 59')
    await user.should_see('message 10')
    await user.should_not_see('message 9')
    user.find('Load earlier messages').click()
    await user.should_see('message 0')
    await user.should_see('message 9')


async def test_opening_a_conversation_marks_it_read(user: User, people, app_parley):
    conversation = app_parley.conversations.create_conversation(
        people['susan'], participant_ids=[people['alice'].id], body='unread one', client_id='u1')
    await sign_in(user, 'alice@example.com')
    await user.should_see('unread one')
    assert app_parley.conversations.unread_total(people['alice']) == 1
    user.find(marker=f'conversation-{conversation.id}').click()
    await user.should_see('2 participants')
    assert app_parley.conversations.unread_total(people['alice']) == 0


async def test_a_failed_send_keeps_the_text_and_a_retry_stores_it_once(user: User, people, app_parley, monkeypatch):
    conversation = await conversation_with_susan(user, people, app_parley)
    real_send = app_parley.conversations.send_message
    calls = []

    def flaky_send(*args, **kwargs):
        calls.append(kwargs['client_id'])
        result = real_send(*args, **kwargs)  # stored, but the answer is lost on the way back
        if len(calls) == 1:
            raise OSError('connection dropped')
        return result
    monkeypatch.setattr(app_parley.conversations, 'send_message', flaky_send)
    user.find(marker='composer').type('are you there?')
    user.find(marker='send').click()
    await user.should_see('Your text is kept')
    assert user.find(marker='composer').elements.pop().value == 'are you there?'
    user.find(marker='send').click()
    await user.should_not_see('Your text is kept')
    assert calls[0] == calls[1], 'the retry carries the same client id'
    bodies = [m.body for m in real_send.__self__.list_messages(people['susan'], conversation.id)]
    assert bodies == ['First!', 'are you there?']
