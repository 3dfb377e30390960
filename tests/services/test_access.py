"""Access control as a matrix: every service entry against every kind of person.

A conversation between Susan, Mike and Sample Customer (with an internal note). Alice is an admin
but not in it; John is an agent not in it; Other Customer is a customer not in it. Each cell is
"ok" or the error the person gets; "not found" is the same answer as for an id that does not exist.
"""
import pytest

from services.errors import Forbidden, InvalidInput, NotFound, ParleyError, SignedOut
from services.livechat import ChatIdentity
from tests import mailcorpus as corpus
from tests.conftest import cid

OK = 'ok'
ROLES = ('participant', 'other_agent', 'admin', 'customer', 'other_customer')


@pytest.fixture
def world(parley, team):
    susan, mike, customer = team['susan'], team['mike'], team['customer']
    other = parley.directory.create_customer(name='Other Customer', email='other@example.com')
    # An admin taking part in both conversations, deactivated after: a page they still have open holds this copy.
    gone = parley.directory.add_agent(team['alice'], name='Dana Gone', email='dana@example.com',
                                      password='correct horse battery', is_admin=True)
    conversation = parley.conversations.create_conversation(
        susan, participant_ids=[mike.id, customer.id, gone.id], body='Hello', client_id=cid(), subject='Printer')
    note = parley.conversations.send_message(susan, conversation.id, body='Secret note', client_id=cid(), note=True)
    internal = parley.conversations.create_conversation(susan, participant_ids=[mike.id, gone.id], body='Agents only',
                                                        client_id=cid())
    parley.directory.set_agent_active(team['alice'], gone.id, active=False)
    assert (team['john'].id, team['customer'].id) == (3, 5), 'the rows below name John and the customer by id'
    people = {'participant': mike, 'other_agent': team['john'], 'admin': team['alice'], 'customer': customer,
              'other_customer': other, 'deactivated': gone}
    return parley, people, conversation.id, note.id, internal.id


ENTRIES = {
    # entry: (call, expected per role in ROLES order)
    'open': (lambda p, who, c, n, i: p.conversations.access_conversation(who, c),
             (OK, NotFound, NotFound, OK, NotFound)),
    'list messages': (lambda p, who, c, n, i: p.conversations.list_messages(who, c),
                      (OK, NotFound, NotFound, OK, NotFound)),
    'send': (lambda p, who, c, n, i: p.conversations.send_message(who, c, body='x', client_id=cid()),
             (OK, NotFound, NotFound, OK, NotFound)),
    'mark read': (lambda p, who, c, n, i: p.conversations.mark_read(who, c),
                  (OK, NotFound, NotFound, OK, NotFound)),
    'read the note': (lambda p, who, c, n, i: p.conversations.get_message(who, n),
                      (OK, NotFound, NotFound, NotFound, NotFound)),
    'open the internal one': (lambda p, who, c, n, i: p.conversations.access_conversation(who, i),
                              (OK, NotFound, NotFound, NotFound, NotFound)),
    'write a note': (lambda p, who, c, n, i: p.conversations.send_message(who, c, body='n', client_id=cid(),
                                                                          note=True),
                     (OK, NotFound, NotFound, ParleyError, NotFound)),
    'outbox': (lambda p, who, c, n, i: p.mail.list_outbox(who), (Forbidden, Forbidden, OK, Forbidden, Forbidden)),
    'unmatched email': (lambda p, who, c, n, i: p.inbound.list_emails(who),
                        (Forbidden, Forbidden, OK, Forbidden, Forbidden)),
    'all agents': (lambda p, who, c, n, i: p.directory.list_agents(who),
                   (Forbidden, Forbidden, OK, Forbidden, Forbidden)),
    'customer lookup': (lambda p, who, c, n, i: p.directory.search_customers(who, 'sample'),
                        (OK, OK, OK, Forbidden, Forbidden)),
    'tickets': (lambda p, who, c, n, i: p.items.list(who, 'ticket'), (OK, OK, OK, NotFound, NotFound)),
    'list conversations': (lambda p, who, c, n, i: p.conversations.list_conversations(who), (OK,) * 5),
    'start a conversation': (lambda p, who, c, n, i: p.conversations.create_conversation(
        who, participant_ids=[p.auth.get_agent(1).id], body='Hi', client_id=cid()),
        (OK, OK, InvalidInput, InvalidInput, InvalidInput)),
    'bell': (lambda p, who, c, n, i: p.notifications.bell(who), (OK,) * 5),   # a customer's is empty
    'notification settings': (lambda p, who, c, n, i: p.notifications.set_channel(who, 'message', 'sound', True),
                              (OK, OK, OK, InvalidInput, InvalidInput)),
    'new ticket': (lambda p, who, c, n, i: p.items.create(who, 'ticket', title='Printer'),
                   (OK, OK, OK, NotFound, NotFound)),
    'teammate lookup': (lambda p, who, c, n, i: p.directory.search_agents(who, 'a'),
                        (OK, OK, OK, Forbidden, Forbidden)),
    'add an agent': (lambda p, who, c, n, i: p.directory.add_agent(who, name='New', email=f'{cid()}@example.com',
                                                                   password='correct horse battery'),
                     (Forbidden, Forbidden, OK, Forbidden, Forbidden)),
    'live chat box': (lambda p, who, c, n, i: p.chat.write(ChatIdentity(who, c), body='x', client_id=cid()),
                      (OK, NotFound, NotFound, OK, NotFound)),
    'conversations to attach an email to': (lambda p, who, c, n, i: p.conversations.list_customer_conversations(who),
                                            (Forbidden, Forbidden, OK, Forbidden, Forbidden)),
    'close': (lambda p, who, c, n, i: p.lifecycle.close(who, c), (OK, NotFound, NotFound, NotFound, NotFound)),
    # Files: downloads by whoever may read the message; uploads wait for their uploader alone.
    'download a file': (lambda p, who, c, n, i: p.files.file(who, _sent_file(p, c)),
                        (OK, NotFound, NotFound, OK, NotFound)),
    "download a note's file": (lambda p, who, c, n, i: p.files.file(who, _sent_file(p, c, note=True)),
                               (OK, NotFound, NotFound, NotFound, NotFound)),
    'start an upload': (lambda p, who, c, n, i: p.files.begin(who, name='a.txt', declared_size=3).abort(),
                        (OK,) * 5),
    "someone else's upload": (lambda p, who, c, n, i: p.files.file(who, _staged_file(p)),
                              (NotFound,) * 5),
    "send someone else's upload": (lambda p, who, c, n, i: p.conversations.send_message(
        who, c, body='x', client_id=cid(), attachment_ids=[_staged_file(p)]),
        (InvalidInput, NotFound, NotFound, InvalidInput, NotFound)),
    "remove someone else's upload": (lambda p, who, c, n, i: (p.files.remove_staged(who, _staged_file(p)),
                                                              p.files.file(_susan(p), _staged_file(p))),
                                     (OK,) * 5),   # nothing happens: Susan still has it
    # Saved replies: agents; the team's kept by admins.
    'saved replies': (lambda p, who, c, n, i: p.replies.list_replies(who), (OK, OK, OK, Forbidden, Forbidden)),
    'keep a team reply': (lambda p, who, c, n, i: p.replies.create(who, title='T', shortcut=f'x{cid()[:8]}',
                                                                   body='b', shared=True),
                          (Forbidden, Forbidden, OK, Forbidden, Forbidden)),
    'keep an own reply': (lambda p, who, c, n, i: p.replies.create(who, title='T', shortcut='mine', body='b'),
                          (OK, OK, OK, Forbidden, Forbidden)),
    "change another's reply": (lambda p, who, c, n, i: p.replies.update(who, _susans_reply(p), title='T',
                                                                         shortcut='s', body='b'),
                               (NotFound,) * 5),
    # Edit and delete: the author's own messages only; earlier versions for the conversation's agents.
    'edit own message': (lambda p, who, c, n, i: p.edits.edit(
        who, p.conversations.send_message(who, c, body='x', client_id=cid()).id, body='y'),
        (OK, NotFound, NotFound, OK, NotFound)),
    "edit another's message": (lambda p, who, c, n, i: p.edits.edit(who, n, body='y'), (NotFound,) * 5),
    "delete another's message": (lambda p, who, c, n, i: p.edits.delete(who, n), (NotFound,) * 5),
    'earlier versions': (lambda p, who, c, n, i: p.edits.versions(who, n),
                         (OK, NotFound, NotFound, NotFound, NotFound)),
    'close with a transcript': (lambda p, who, c, n, i: p.lifecycle.close(who, c, transcript=True),
                                (OK, NotFound, NotFound, NotFound, NotFound)),
    'reopen': (lambda p, who, c, n, i: p.lifecycle.reopen(who, c), (OK, NotFound, NotFound, NotFound, NotFound)),
    'snooze': (lambda p, who, c, n, i: p.lifecycle.snooze(who, c, until=None),
               (OK, NotFound, NotFound, NotFound, NotFound)),
    'add a participant': (lambda p, who, c, n, i: p.handoff.add_participants(who, c, [p.auth.get_agent(1).id]),
                          (OK, NotFound, NotFound, NotFound, NotFound)),
    'remove a participant': (lambda p, who, c, n, i: p.handoff.remove_participant(who, c, p.auth.get_agent(2).id),
                             (OK, NotFound, NotFound, NotFound, NotFound)),
    'leave': (lambda p, who, c, n, i: p.handoff.leave(who, c), (OK, NotFound, NotFound, NotFound, NotFound)),
    'rename': (lambda p, who, c, n, i: p.handoff.rename(who, c, 'Renamed'),
               (OK, NotFound, NotFound, NotFound, NotFound)),
    'assign': (lambda p, who, c, n, i: p.handoff.assign(who, c, p.auth.get_agent(2).id),
               (OK, NotFound, NotFound, NotFound, NotFound)),
    'unassign': (lambda p, who, c, n, i: p.handoff.unassign(who, c), (OK, NotFound, NotFound, NotFound, NotFound)),
    'link to a ticket': (lambda p, who, c, n, i: p.handoff.link_item(
        who, c, p.items.create(p.auth.get_agent(1), 'ticket', title='Printer').id),
        (OK, NotFound, NotFound, NotFound, NotFound)),
    'propose a ticket': (lambda p, who, c, n, i: p.handoff.ticket_proposal(who, c),
                         (OK, NotFound, NotFound, NotFound, NotFound)),
    'search': (lambda p, who, c, n, i: p.search.search(who, 'secret note'), (OK, OK, OK, Forbidden, Forbidden)),
    'typing': (lambda p, who, c, n, i: p.conversations.typing(who, c), (OK, NotFound, NotFound, OK, NotFound)),
    'seen by': (lambda p, who, c, n, i: p.conversations.seen_by(who, c), (OK, NotFound, NotFound, OK, NotFound)),
    'list closed conversations': (lambda p, who, c, n, i: p.conversations.list_conversations(who, inbox='closed'),
                                  (OK,) * 5),   # one's own only (below); a customer's list ignores status
    'list counts': (lambda p, who, c, n, i: p.conversations.inbox_counts(who), (OK,) * 5),   # a customer's: none
    'sign a customer out': (lambda p, who, c, n, i: p.directory.sign_out_customer_everywhere(
        who, p.directory.list_customers(p.auth.get_agent(1))[0].id), (Forbidden, Forbidden, OK, Forbidden, Forbidden)),
    'edit an agent': (lambda p, who, c, n, i: p.directory.update_agent(who, 3, name='John Smith',
                                                                       email='john@example.com'),
                      (Forbidden, Forbidden, OK, Forbidden, Forbidden)),
    'change a role': (lambda p, who, c, n, i: p.directory.set_admin(who, 3, is_admin=False),
                      (Forbidden, Forbidden, OK, Forbidden, Forbidden)),
    'reset a password': (lambda p, who, c, n, i: p.directory.reset_password(who, 3),
                         (Forbidden, Forbidden, OK, Forbidden, Forbidden)),
    'audit log': (lambda p, who, c, n, i: p.audit.entries(who), (Forbidden, Forbidden, OK, Forbidden, Forbidden)),
    'own profile': (lambda p, who, c, n, i: p.directory.update_profile(who, name=who.name),
                    (OK, OK, OK, Forbidden, Forbidden)),
    'customer details': (lambda p, who, c, n, i: p.directory.get_customer(who, 5),
                         (OK, OK, OK, NotFound, NotFound)),
    'export a customer': (lambda p, who, c, n, i: p.customers.export(who, 5),
                          (Forbidden, Forbidden, OK, Forbidden, Forbidden)),
    'delete a customer': (lambda p, who, c, n, i: p.customers.delete(who, 5),
                          (Forbidden, Forbidden, OK, Forbidden, Forbidden)),
    'email to a new conversation': (lambda p, who, c, n, i: p.inbound.start_conversation(
        who, p.inbound.receive(corpus.fresh()).inbound_id, add_customer=True),
        (Forbidden, Forbidden, OK, Forbidden, Forbidden)),
    'is an email sender a customer': (lambda p, who, c, n, i: p.inbound.known_sender(
        who, p.inbound.receive(corpus.fresh()).inbound_id), (Forbidden, Forbidden, OK, Forbidden, Forbidden)),
    'who appears in the audit log': (lambda p, who, c, n, i: p.audit.actors(who),
                                     (Forbidden, Forbidden, OK, Forbidden, Forbidden)),
    'email to a ticket': (lambda p, who, c, n, i: p.inbound.create_ticket(
        who, p.inbound.receive(corpus.fresh()).inbound_id, add_customer=True),
        (Forbidden, Forbidden, OK, Forbidden, Forbidden)),
    "a customer's conversations": (lambda p, who, c, n, i: p.conversations.with_customer(who, 5), (OK,) * 5),
    'emails from a customer': (lambda p, who, c, n, i: p.inbound.received_from(who, 5),
                               (OK, OK, OK, NotFound, NotFound)),
    'edit a customer': (lambda p, who, c, n, i: p.directory.update_customer(
        who, 5, name='Sample Customer', email='customer@example.com', organization=None),
        (OK, OK, OK, NotFound, NotFound)),
    'own language': (lambda p, who, c, n, i: p.directory.set_language(who, 'pt_PT'),
                     (OK, OK, OK, Forbidden, Forbidden)),
    "a customer's language": (lambda p, who, c, n, i: p.directory.set_customer_language(who, 5, 'pt_PT'),
                              (OK, OK, OK, NotFound, NotFound)),
}


def _susan(parley):
    [susan] = parley.directory.get_users([2])
    return susan


def _upload(parley, person):
    pending = parley.files.begin(person, name='guide.pdf', declared_size=None)
    pending.write(b'%PDF-1.4 guide')
    return parley.files.finish(person, pending, name='guide.pdf').id


def _sent_file(parley, conversation_id: int, *, note: bool = False) -> int:
    """A file Susan sent in the conversation (in a note), once per test."""
    key = ('note' if note else 'message', conversation_id)
    if key not in _cache(parley):
        file_id = _upload(parley, _susan(parley))
        parley.conversations.send_message(_susan(parley), conversation_id, body='file', client_id=cid(), note=note,
                                          attachment_ids=[file_id])
        _cache(parley)[key] = file_id
    return _cache(parley)[key]


def _staged_file(parley) -> int:
    """An upload of Susan's, not sent yet."""
    if 'staged' not in _cache(parley):
        _cache(parley)['staged'] = _upload(parley, _susan(parley))
    return _cache(parley)['staged']


def _susans_reply(parley) -> int:
    return parley.replies.create(_susan(parley), title='Mine', shortcut=f's{cid()[:8]}', body='b').id


def _cache(parley) -> dict:
    """Files made for this test's Parley (each test builds its own)."""
    return vars(parley.files).setdefault('_access_test_files', {})


@pytest.mark.parametrize('role', ROLES)
def test_a_link_to_a_file_is_its_customers_alone(world, role):
    """Links are for customers (agents go by their session); another customer's link or file is not found."""
    parley, people, conversation_id, _, _ = world
    file_id = _sent_file(parley, conversation_id)
    token = parley.files.link_token(people[role].id, file_id)
    if role == 'customer':
        assert parley.files.file_by_link(token, file_id).name == 'guide.pdf'
    else:
        with pytest.raises(NotFound):
            parley.files.file_by_link(token, file_id)


@pytest.mark.parametrize('entry', ENTRIES)
def test_a_deactivated_agent_can_do_nothing_from_a_page_still_open(world, entry):
    """Their page's copy says admin and participant; the database says deactivated, and that decides."""
    parley, people, conversation_id, note_id, internal_id = world
    with pytest.raises(SignedOut, match='Sign in again'):
        ENTRIES[entry][0](parley, people['deactivated'], conversation_id, note_id, internal_id)


@pytest.mark.parametrize('entry', ENTRIES)
@pytest.mark.parametrize('role', ROLES)
def test_each_person_gets_exactly_what_they_should(world, entry, role):
    parley, people, conversation_id, note_id, internal_id = world
    call, expected = ENTRIES[entry]
    outcome = expected[ROLES.index(role)]
    if outcome is OK:
        call(parley, people[role], conversation_id, note_id, internal_id)
    else:
        with pytest.raises(outcome):
            call(parley, people[role], conversation_id, note_id, internal_id)


@pytest.mark.parametrize('role', ROLES)
def test_ids_are_not_guessable_into_access(world, role):
    """Neighbouring and absurd ids get the same "not found" as ids of conversations one is not in."""
    parley, people, conversation_id, _note_id, _internal_id = world
    for guess in (conversation_id + 100, 0, -1, 2**62, True):
        with pytest.raises(NotFound, match='Conversation not found'):
            parley.conversations.access_conversation(people[role], guess)


def test_a_customers_page_lists_only_conversations_the_agent_may_open(world):
    parley, people, conversation_id, _note_id, _internal_id = world
    assert [c.id for c in parley.conversations.with_customer(people['participant'], 5)] == [conversation_id]
    for role in ('other_agent', 'admin', 'customer', 'other_customer'):
        assert parley.conversations.with_customer(people[role], 5) == [], role


def test_lists_show_only_ones_own_conversations(world):
    parley, people, conversation_id, _, internal_id = world
    seen = {role: {c.id for c in parley.conversations.list_conversations(people[role])} for role in ROLES}
    assert seen == {'participant': {conversation_id, internal_id}, 'other_agent': set(), 'admin': set(),
                    'customer': {conversation_id}, 'other_customer': set()}


def test_search_finds_only_what_each_agent_may_read(world):
    parley, people, _, note_id, _ = world
    assert [h.message_id for h in parley.search.search(people['participant'], 'secret').messages] == [note_id]
    for role in ('other_agent', 'admin'):
        assert parley.search.search(people[role], 'secret').empty
        assert parley.search.search(people[role], 'printer').empty   # the subject: not theirs either


def test_a_customer_sees_no_notes_no_agent_emails_and_no_other_customer_data(world):
    parley, people, conversation_id, _, _ = world
    messages = parley.conversations.list_messages(people['customer'], conversation_id)
    assert 'Secret note' not in [m.body for m in messages]
    assert all(m.author.email in ('', 'customer@example.com') for m in messages)
    view = parley.conversations.access_conversation(people['customer'], conversation_id)
    assert view.participants == (people['customer'],) and view.item is None


def test_notifications_are_only_their_owners(world):
    parley, people, _, _, _ = world
    [mine] = parley.notifications.bell(people['participant'])[:1]
    for role in ('other_agent', 'admin'):
        assert parley.notifications.get(people[role], mine.key) is None
    parley.notifications.mark_read(people['other_agent'], mine.id)
    assert not parley.notifications.get(people['participant'], mine.key).read, 'someone else cannot read it for me'
