"""Search: what an agent may read, found by words (accents or not), with snippets; syntax is only text."""
import pytest

from services.errors import Forbidden
from tests.conftest import cid


def say(parley, who, conversation_id, body, **options):
    return parley.conversations.send_message(who, conversation_id, body=body, client_id=cid(), **options)


def found(parley, who, query):
    return [(h.conversation.id, h.message_id) for h in parley.search.search(who, query).messages]


@pytest.fixture
def chats(parley, team):
    alice, susan, mike, customer = team['alice'], team['susan'], team['mike'], team['customer']
    ours = parley.conversations.create_conversation(alice, participant_ids=[susan.id], client_id=cid(),
                                                    body='The invoice address for order 1042 is wrong',
                                                    subject='Weekend rota')
    theirs = parley.conversations.create_conversation(mike, participant_ids=[team['john'].id], client_id=cid(),
                                                      body='The invoice printer is jammed again')
    support = parley.conversations.create_conversation(alice, participant_ids=[customer.id], client_id=cid(),
                                                       body='Qual é a razão do atraso?', with_customer=True)
    return ours, theirs, support


def test_words_find_messages_of_ones_own_conversations_only(parley, team, chats):
    ours, theirs, _ = chats
    [hit] = parley.search.search(team['susan'], 'invoice').messages
    assert hit.conversation.id == ours.id and hit.author.name == 'Alice Admin'
    assert ''.join(text for text, _ in hit.snippet) == 'The invoice address for order 1042 is wrong'
    assert [text for text, matched in hit.snippet if matched] == ['invoice']
    assert [h.conversation.id for h in parley.search.search(team['mike'], 'invoice').messages] == [theirs.id]
    assert parley.search.search(team['alice'], 'jammed').empty   # an admin does not read others' conversations


def test_accents_are_ignored_and_words_are_prefixes(parley, team, chats):
    *_, support = chats
    for query in ('razao', 'RAZÃO', 'raz', 'qual razao atraso'):
        assert [c for c, _ in found(parley, team['alice'], query)] == [support.id], query
    assert found(parley, team['alice'], 'razao pizza') == []   # every word must match


def test_notes_are_found_by_agents_and_customers_cannot_search(parley, team, chats):
    *_, support = chats
    note = say(parley, team['alice'], support.id, 'Courier confirmed Tuesday', note=True)
    [hit] = parley.search.search(team['alice'], 'courier').messages
    assert (hit.message_id, hit.is_note) == (note.id, True)
    with pytest.raises(Forbidden, match='Customers cannot search'):
        parley.search.search(team['customer'], 'courier')


@pytest.mark.parametrize('query', ['"invoice', 'invoice*', 'NEAR(invoice address)', '-invoice', 'invoice)',
                                   '((invoice', 'invoice AND OR NOT', "invoice' & !", 'x' * 500 + ' invoice',
                                   ':* | invoice', '\x00invoice'])
def test_syntax_is_plain_text_never_an_error(parley, team, chats, query):
    parley.search.search(team['susan'], query)   # no error, whatever it finds


def test_nothing_to_search_for_finds_nothing(parley, team, chats):
    for query in ('', '   ', '"*"', '()', '-'):
        assert parley.search.search(team['susan'], query).empty


def test_subjects_people_and_references_find_conversations(parley, team, chats):
    ours, _, support = chats
    alice = team['alice']
    assert [c.id for c in parley.search.search(alice, 'rota').conversations] == [ours.id]
    assert [c.id for c in parley.search.search(alice, 'susan@').conversations] == [ours.id]
    assert [c.id for c in parley.search.search(team['john'], 'susan').conversations] == []
    ticket = parley.items.create(alice, 'ticket', title='Late order')
    parley.handoff.link_item(alice, support.id, ticket.id)
    results = parley.search.search(alice, '#T-1')
    assert [c.id for c in results.conversations] == [support.id] and results.items == (ticket.link,)


def test_new_messages_are_found_at_once_and_lines_never(parley, team, chats):
    ours, *_ = chats
    parley.lifecycle.close(team['alice'], ours.id)
    assert found(parley, team['susan'], 'closed') == []
    message = say(parley, team['susan'], ours.id, 'Closing the books on Friday')
    assert found(parley, team['susan'], 'books') == [(ours.id, message.id)]


def test_newest_first_and_limited(parley, team, chats):
    ours, *_ = chats
    sent = [say(parley, team['alice'], ours.id, f'Reminder number {n}').id for n in range(30)]
    hits = parley.search.search(team['susan'], 'reminder', limit=10).messages
    assert [h.message_id for h in hits] == sent[::-1][:10]


def test_a_removed_participant_finds_nothing_more(parley, team, chats):
    ours, *_ = chats
    parley.handoff.remove_participant(team['alice'], ours.id, team['susan'].id)
    assert found(parley, team['susan'], 'invoice') == []


def test_the_last_word_is_the_start_of_a_word_the_others_whole(parley, team, chats):
    ours, *_ = chats
    alice, susan = team['alice'], team['susan']
    newer = say(parley, alice, ours.id, 'Invoices for December are late')
    assert [m for _, m in found(parley, susan, 'invoic')] == [newer.id, found(parley, susan, 'wrong')[0][1]]
    assert [m for _, m in found(parley, susan, 'inv')] == [newer.id, found(parley, susan, 'wrong')[0][1]]
    assert found(parley, susan, 'invoic december') == []   # only the last word is a start
    assert [m for _, m in found(parley, susan, 'invoices decem')] == [newer.id]


def test_a_snippet_is_the_words_around_the_first_match():
    from services.search import snippet
    body = ' '.join(f'word{n}' for n in range(60)) + ' Razão final'
    parts = snippet(body, ['razao'])
    assert parts[0] == ('…', False) and ('Razão', True) in parts
    assert ''.join(t for t, _ in parts).endswith('Razão final')
    assert snippet('No match here', ['zzz']) == (('No match here', False),)


def test_letters_beyond_accents_match_as_the_index_keeps_them(parley, team, chats):
    ours, *_ = chats
    message = say(parley, team['alice'], ours.id, 'Die Straße ist gesperrt, ÉTÉ 2026')
    for query in ('straße', 'Straße', 'ete', 'été 2026'):
        assert found(parley, team['susan'], query) == [(ours.id, message.id)], query
