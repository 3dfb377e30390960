"""The thread as one element (ui/messages.py): what the server holds and what it tells the browser."""
import base64
import json
import re

import pytest
from nicegui.outbox import Outbox
from nicegui.testing import User

from tests.conftest import cid
from tests.ui.conftest import sign_in
from ui import live, messages
from ui.messages import MessageList


def _shown(user: User) -> MessageList:
    [element] = user.find(kind=MessageList).elements
    return element


async def test_live_messages_are_calls_on_one_element_and_old_ones_go_past_the_limit(user: User, people,
                                                                                     app_parley, monkeypatch):
    monkeypatch.setattr(messages, 'KEEP', 5)
    calls = []
    real_call = live.call

    def call(element, method, *args):
        if isinstance(element, MessageList) and element.id not in element.client.outbox.updates:
            calls.append((method, *args))   # what reaches the browser (a new element goes out whole)
        real_call(element, method, *args)
    monkeypatch.setattr(live, 'call', call)
    conversations, susan = app_parley.conversations, people['susan']
    conversation = conversations.create_conversation(susan, participant_ids=[people['alice'].id],
                                                     body='message 0', client_id=cid())
    for i in (1, 2):
        conversations.send_message(susan, conversation.id, body=f'message {i}', client_id=cid())
    await sign_in(user, 'alice@example.com', path=f'/messenger/{conversation.id}')
    await user.should_see('message 2')
    element = _shown(user)
    assert [m['body'] for m in element.data] == ['message 0', 'message 1', 'message 2']
    assert calls == [], 'the page carries its first messages itself'
    await user.should_not_see('Load earlier messages')

    conversations.send_message(susan, conversation.id, body='message 3', client_id=cid())
    await user.should_see('message 3')
    assert _shown(user) is element, 'the same element: nothing drawn again'
    [(name, items, at_start, first)] = calls
    assert (name, [m['body'] for m in items], at_start, first) == ('put', ['message 3'], False, None)
    assert items[0]['grouped'] and items[0]['day'] is None, 'follows on from message 2'

    calls.clear()
    for i in (4, 5, 6):
        conversations.send_message(susan, conversation.id, body=f'message {i}', client_id=cid())
    await user.should_see('message 6')
    await user.should_not_see('message 1')
    assert [m['body'] for m in element.data] == [f'message {i}' for i in range(2, 7)]
    first = element.data[0]
    assert first['day'] == 'Today' and not first['grouped'], 'the new first message starts its group and day'
    # the browser redraws the new first message in place and drops the ones before it
    ids = {m['body']: m['id'] for m in element.data}
    assert [(c[0], [m['body'] for m in c[1]], c[2], c[3]) for c in calls] == [
        ('put', ['message 4'], False, None), ('put', ['message 1', 'message 5'], False, calls[1][1][0]['id']),
        ('put', ['message 2', 'message 6'], False, ids['message 2'])]
    assert calls[-1][1][0] == first
    await user.should_see('Load earlier messages')   # what went is a click (or a scroll) away

    calls.clear()
    user.find('Load earlier messages').click()
    await user.should_see('message 0')
    assert [m['body'] for m in element.data] == [f'message {i}' for i in range(7)]
    [(name, items, at_start, first)] = calls
    assert (name, [m['body'] for m in items], at_start, first) == (
        'put', ['message 0', 'message 1', 'message 2'], True, None)
    assert items[-1]['grouped'], 'the old first message continues the group again'
    await user.should_not_see('Load earlier messages')

    conversations.send_message(susan, conversation.id, body='message 7', client_id=cid())
    await user.should_see('message 7')
    assert len(element.data) == 8, 'what the user loaded stays while they read it'


@pytest.fixture
def scripts(monkeypatch) -> list[str]:
    """The scripts the server sends its pages, as they go out."""
    sent = []
    real = Outbox.enqueue_message

    def enqueue(outbox, kind, data, target):
        if kind == 'run_javascript':
            sent.append(data['code'])
        real(outbox, kind, data, target)
    monkeypatch.setattr(Outbox, 'enqueue_message', enqueue)
    return sent


HOSTILE = 'x"); alert(1); ("</script><img src=x onerror=alert(2)> `${document.cookie}` \u2028 done'
_CALL = re.compile(r'runMethod\(\d+, "(put|set)", JSON\.parse\(new TextDecoder\(\)\.decode\(Uint8Array\.from\('
                   r'atob\("([A-Za-z0-9+/=]*)"\), \(c\) => c\.charCodeAt\(0\)\)\)\)\)')


async def test_user_text_never_is_script_in_the_calls(user: User, people, app_parley, scripts):
    """A message's body and preview reach the browser base64-encoded: the script holds none of the user's text."""
    conversations, susan = app_parley.conversations, people['susan']
    conversation = conversations.create_conversation(susan, participant_ids=[people['alice'].id],
                                                     body='hello', client_id=cid())
    await sign_in(user, 'alice@example.com', path=f'/messenger/{conversation.id}')
    await user.should_see('hello')
    conversations.send_message(susan, conversation.id, body=HOSTILE, client_id=cid())
    await user.should_see(HOSTILE)
    calls = [line for code in scripts for line in code.split(';\n') if line.startswith('runMethod(')]
    assert calls, 'the message went out as calls'
    decoded = []
    for line in calls:
        match = _CALL.fullmatch(line)
        assert match, line   # nothing but the call, its method and base64
        decoded.append(json.loads(base64.b64decode(match.group(2))))
    assert any(item['body'] == HOSTILE for args in decoded if len(args) == 3 for item in args[0])
    assert any('</script><img src=x onerror=alert(2)>' in args[0].get('preview', '')   # the list row's preview
               for args in decoded if len(args) == 1)


_SENT = re.compile(r'window\.parleySent\(\.\.\.JSON\.parse\(new TextDecoder\(\)\.decode\(Uint8Array\.from\('
                   r'atob\("([A-Za-z0-9+/=]*)"\), \(c\) => c\.charCodeAt\(0\)\)\)\)\)')


async def test_the_sent_text_goes_back_to_the_box_base64_encoded(user: User, people, app_parley, scripts):
    """After a send the browser takes the sent text off its box (composer.py): that text is user text too."""
    conversation = app_parley.conversations.create_conversation(people['susan'], participant_ids=[people['alice'].id],
                                                                body='hello', client_id=cid())
    await sign_in(user, 'alice@example.com', path=f'/messenger/{conversation.id}')
    user.find(marker='composer').type(HOSTILE)
    user.find(marker='composer').trigger('keydown.enter.exact.prevent')
    await user.should_see(HOSTILE)
    sent = [line for code in scripts for line in code.split(';\n') if 'parleySent' in line]
    assert len(sent) == 1
    match = _SENT.fullmatch(sent[0])
    assert match, sent[0]   # nothing but the call and base64
    box_id, client_id, text, next_id = json.loads(base64.b64decode(match.group(1)))
    assert box_id.startswith('c') and text == HOSTILE and client_id != next_id
    assert not any('alert(1)' in code for code in scripts)
