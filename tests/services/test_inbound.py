"""Inbound email: matching, posting, protection and triage, over a corpus of realistic emails."""
from datetime import timedelta
from email.utils import parseaddr

import pytest
from sqlmodel import select

from models import Delivery, InboundEmail, OutboundEmail
from services.errors import Forbidden, InvalidInput, NotFound
from services.events import MessageSent
from tests import mailcorpus as corpus
from tests.conftest import Clock, cid


@pytest.fixture
def clock(parley) -> Clock:
    fake = Clock()
    parley.conversations.clock = parley.deliveries.clock = parley.mail.clock = fake
    parley.chat.tokens.clock = parley.inbound.clock = fake
    return fake


class Emailed:
    """A customer conversation whose first message went out by email."""

    def __init__(self, parley, team, clock):
        self.parley, self.team = parley, team
        self.id = parley.conversations.create_conversation(
            team['alice'], participant_ids=[team['customer'].id], body='Please restart the printer.',
            client_id=cid(), subject='Your printer').id
        clock.now += timedelta(minutes=2)
        assert parley.deliveries.send_due() == 1
        with parley.db.session() as session:
            email = session.exec(select(OutboundEmail).order_by(OutboundEmail.id.desc())).first()
        self.reply_to = parseaddr(email.reply_to)[1]
        self.message_id = email.message_id

    def messages(self):
        return self.parley.conversations.list_messages(self.team['alice'], self.id)

    def last(self):
        return self.messages()[-1]


@pytest.fixture
def emailed(parley, team, clock) -> Emailed:
    return Emailed(parley, team, clock)


def receive(parley, raw, **kwargs):
    return parley.inbound.receive(raw, **kwargs)


# ----- the corpus: each client's reply lands in the right conversation, quotes and signature gone -----

@pytest.mark.parametrize('build, expected', [
    (corpus.gmail, 'Thanks, that fixed it!'),
    (corpus.outlook, 'Great, thank you.'),
    (corpus.apple_mail, 'Works now.'),
    (corpus.html_only, 'The new cartridge works.'),
    (corpus.latin1, 'Merci beaucoup, ça marche très bien.'),
    (corpus.utf8_words, 'Danke! Alles gut 👍 — e\u0301 café'),
    (corpus.without_message_id, 'No Message-ID here.'),
    (corpus.gmail_pt, 'Obrigada, já funciona!'),
    (corpus.outlook_pt, 'Muito obrigada pela ajuda.'),
    (corpus.apple_mail_pt, 'Já está a funcionar.'),
    (corpus.samsung_pt, 'Recebido, obrigada.'),
], ids=['gmail', 'outlook', 'apple-mail', 'html-only', 'iso-8859-1', 'utf-8-encoded-words', 'no-message-id',
        'gmail-pt', 'outlook-pt', 'iphone-pt', 'samsung-pt'])
def test_a_reply_from_each_mail_client_is_posted_without_quotes_or_signature(parley, emailed, build, expected):
    receipt = receive(parley, build(emailed.reply_to))
    assert (receipt.outcome, receipt.conversation_id) == ('posted', emailed.id), receipt.reason
    message = emailed.last()
    assert message.body == expected
    assert message.via == 'email' and message.author.email == 'customer@example.com'


def test_the_reply_marks_the_message_it_answers_replied_and_tells_the_agents(parley, team, emailed):
    events = []
    parley.bus.subscribe(team['alice'].id, events.append)
    receive(parley, corpus.gmail(emailed.reply_to))
    first, reply = emailed.messages()
    assert [d.label for d in first.deliveries] == ['Replied']
    assert any(isinstance(e, MessageSent) and e.message_id == reply.id for e in events)
    [conversation] = parley.conversations.list_conversations(team['alice'])
    assert conversation.unread_count == 1 and conversation.last_message_preview == 'Thanks, that fixed it!'


def test_thread_headers_match_when_the_reply_address_was_changed(parley, emailed):
    receipt = receive(parley, corpus.gmail('support@parley.localhost', in_reply_to=emailed.message_id))
    assert (receipt.outcome, receipt.conversation_id) == ('posted', emailed.id)
    assert 'thread headers' in receipt.reason


def test_a_lower_cased_reply_address_still_matches(parley, emailed):
    receipt = receive(parley, corpus.gmail(emailed.reply_to.lower()))
    assert receipt.conversation_id == emailed.id and receipt.outcome == 'posted'


def test_the_envelope_recipient_counts_when_the_headers_lost_it(parley, emailed):
    receipt = receive(parley, corpus.fresh('Reply via a list alias'), envelope_to=[emailed.reply_to])
    assert (receipt.outcome, receipt.conversation_id) == ('posted', emailed.id)


def test_a_customer_answering_their_own_earlier_email_stays_in_the_thread(parley, emailed):
    first_id = corpus.new_id()
    receive(parley, corpus.gmail(emailed.reply_to, body='First answer', message_id=first_id))
    receipt = receive(parley, corpus.gmail('support@parley.localhost', body='One more thing', in_reply_to=first_id))
    assert (receipt.outcome, receipt.conversation_id) == ('posted', emailed.id)
    assert [m.body for m in emailed.messages()[-2:]] == ['First answer', 'One more thing']


def test_attachments_are_kept_with_their_name_and_size(parley, emailed):
    receive(parley, corpus.with_attachment(emailed.reply_to))
    message = emailed.last()
    assert message.body == 'Here is the photo of the error.'
    assert [(a.name, a.size, a.kept) for a in message.attachments] == [('error 42.png', 133, True),
                                                                        ('invoice.pdf', 9000, True)]
    assert [a.label for a in message.attachments] == ['error 42.png · 133 bytes', 'invoice.pdf · 8.8 KB']


def test_a_forwarded_email_keeps_what_was_forwarded(parley, emailed):
    receive(parley, corpus.forwarded(emailed.reply_to))
    body = emailed.last().body
    assert body.startswith('FYI, this is what the printer sent me.') and 'Paper jam in tray 2' in body


def test_the_same_email_twice_is_posted_once(parley, emailed):
    raw = corpus.gmail(emailed.reply_to)
    assert receive(parley, raw).outcome == 'posted'
    assert receive(parley, raw, source='api').outcome == 'duplicate'
    assert len(emailed.messages()) == 2


def test_the_same_email_without_a_message_id_twice_is_a_duplicate_too(parley, emailed):
    raw = corpus.without_message_id(emailed.reply_to)
    assert receive(parley, raw).outcome == 'posted'
    assert receive(parley, raw).outcome == 'duplicate'   # told by its bytes: nothing posted twice
    assert len(emailed.messages()) == 2


def test_a_very_long_reply_is_shortened_with_a_note_and_kept_whole_in_the_log(parley, emailed):
    receive(parley, corpus.without_message_id(emailed.reply_to, body='word ' * 4000))
    body = emailed.last().body
    assert len(body) <= 10_000 and body.endswith('The full text is kept in Parley.]')
    with parley.db.session() as session:
        row = session.exec(select(InboundEmail).order_by(InboundEmail.id.desc())).first()
    assert len(row.body) == len(('word ' * 4000).strip())


def test_html_and_header_tricks_are_stored_as_plain_one_line_text(parley, team, emailed):
    receipt = receive(parley, corpus.injection(emailed.reply_to))
    assert receipt.outcome == 'posted'
    assert emailed.last().body == '<script>alert(1)</script> is just text.'
    with parley.db.session() as session:
        row = session.get(InboundEmail, receipt.inbound_id)
    assert '\n' not in row.subject and '\r' not in row.subject and '\n' not in row.from_name
    assert row.subject.startswith('Hi Bcc: victim@example.org')


# ----- who may post ------------------------------------------------------------------------------

def test_a_stranger_with_the_reply_address_goes_to_triage_and_posts_nothing(parley, team, emailed):
    receipt = receive(parley, corpus.gmail(emailed.reply_to, sender='Eve <eve@attacker.test>'))
    assert receipt.outcome == 'not_participant' and f'#{emailed.id}' in receipt.reason
    assert len(emailed.messages()) == 1
    [waiting] = parley.inbound.list_emails(team['alice'])
    assert waiting.from_address == 'eve@attacker.test' and waiting.conversation_id == emailed.id


def test_an_agent_address_is_not_a_customer_reply(parley, team, emailed):
    receipt = receive(parley, corpus.gmail(emailed.reply_to, sender='Susan <susan@example.com>'))
    assert receipt.outcome == 'not_participant'


def test_a_mail_answering_nothing_of_ours_is_unmatched(parley, team, emailed):
    receipt = receive(parley, corpus.fresh())
    assert receipt.outcome == 'unmatched'
    assert parley.inbound.triage_count(team['alice']) == 1


def test_a_token_of_another_conversation_does_not_let_its_customer_in(parley, team, clock, emailed):
    other = parley.directory.create_customer(name='Other Customer', email='other@example.com')
    parley.conversations.create_conversation(team['susan'], participant_ids=[other.id], body='Hi Other',
                                             client_id=cid())
    clock.now += timedelta(minutes=2)
    parley.deliveries.send_due()
    receipt = receive(parley, corpus.gmail(emailed.reply_to, sender='Other <other@example.com>'))
    assert receipt.outcome == 'not_participant'
    assert len(emailed.messages()) == 1


# ----- protection --------------------------------------------------------------------------------

@pytest.mark.parametrize('header', [('Auto-Submitted', 'auto-replied'), ('Precedence', 'bulk'),
                                    ('Precedence', 'auto_reply'), ('X-Autoreply', 'yes'),
                                    ('List-Id', '<news.example.com>')])
def test_auto_replies_and_bulk_mail_are_not_posted(parley, emailed, header):
    receipt = receive(parley, corpus.auto_reply(emailed.reply_to, header=header))
    assert receipt.outcome == 'auto_reply' and header[0] in receipt.reason
    assert len(emailed.messages()) == 1


def test_auto_submitted_no_is_a_person_writing(parley, emailed):
    receipt = receive(parley, corpus.auto_reply(emailed.reply_to, header=('Auto-Submitted', 'no')))
    assert receipt.outcome == 'posted'


def test_a_bounce_marks_the_email_and_its_messages_failed(parley, team, emailed):
    receipt = receive(parley, corpus.bounce(emailed.message_id))
    assert receipt.outcome == 'bounce' and '550 5.1.1 User unknown' in receipt.reason
    [message] = emailed.messages()
    assert [d.label for d in message.deliveries] == ['Email failed']
    with parley.db.session() as session:
        email = session.exec(select(OutboundEmail)).one()
        assert email.status == 'failed' and email.last_error.startswith('Bounced:')
        assert session.exec(select(Delivery)).one().state == 'email_failed'


def test_a_bounce_for_mail_we_never_sent_changes_nothing(parley, emailed):
    receipt = receive(parley, corpus.bounce('<unknown@elsewhere.test>'))
    assert receipt.outcome == 'bounce' and 'did not send' in receipt.reason
    assert [d.label for d in emailed.last().deliveries] == ['Emailed']


def test_a_sender_over_the_rate_limit_is_asked_to_retry_later(parley, clock, emailed, limits_time):
    parley.inbound.rate_limit.limit = 3
    receipts = [receive(parley, corpus.gmail(emailed.reply_to, body=f'Reply {i}')) for i in range(4)]
    assert [r.outcome for r in receipts] == ['posted'] * 3 + ['rate_limited']
    assert receipts[-1].smtp_reply.startswith('451 ')
    clock.now += timedelta(minutes=1)
    limits_time.now += 61
    assert receive(parley, corpus.gmail(emailed.reply_to, body='Later')).outcome == 'posted'


def test_an_oversized_email_is_refused_with_552(parley, emailed):
    parley.inbound.max_bytes = 2048
    receipt = receive(parley, corpus.with_attachment(emailed.reply_to))
    assert receipt.outcome == 'too_large' and receipt.smtp_reply.startswith('552 ')
    assert len(emailed.messages()) == 1


@pytest.mark.parametrize('raw', [b'', b'\x00\xff garbage', b'Subject: no sender\r\n\r\nhi',
                                 b'From: not an address\r\n\r\nhi',
                                 b'From: a@b.test\r\nContent-Type: multipart/mixed; boundary="x"\r\n\r\n--x\r\n'
                                 b'Content-Type: text/plain; charset=klingon\r\nContent-Transfer-Encoding: base64'
                                 b'\r\n\r\n!!!notbase64\r\n'],
                         ids=['empty', 'binary', 'no-sender', 'bad-sender', 'broken-mime'])
def test_malformed_mail_is_quarantined_or_read_leniently_never_raises(parley, team, raw):
    receipt = receive(parley, raw)
    assert receipt.outcome in ('quarantined', 'unmatched')
    assert parley.inbound.list_emails(team['alice'])[0].id == receipt.inbound_id


# ----- triage ------------------------------------------------------------------------------------

def test_an_admin_attaches_an_unmatched_email_to_a_conversation(parley, team, emailed):
    receipt = receive(parley, corpus.fresh('New question: can I get an invoice copy?'))
    alice = team['alice']
    targets = parley.conversations.list_customer_conversations(alice)
    assert [t.id for t in targets] == [emailed.id] and targets[0].last_message_preview == ''
    parley.inbound.attach(alice, receipt.inbound_id, emailed.id)
    reply = emailed.last()
    assert (reply.body, reply.via, reply.author.email) == ('New question: can I get an invoice copy?', 'email',
                                                           'customer@example.com')
    assert parley.inbound.list_emails(alice) == []
    [logged] = [e for e in parley.inbound.list_emails(alice, triage=False) if e.id == receipt.inbound_id]
    assert logged.outcome == 'attached' and 'Alice Admin' in logged.reason
    with pytest.raises(NotFound):
        parley.inbound.attach(alice, receipt.inbound_id, emailed.id)   # only once


def test_attaching_a_stranger_adds_them_to_the_conversation_as_a_customer(parley, team, emailed):
    receipt = receive(parley, corpus.gmail(emailed.reply_to, sender='Pat Colleague <pat@example.com>'))
    parley.inbound.attach(team['alice'], receipt.inbound_id, emailed.id)
    conversation = parley.conversations.access_conversation(team['alice'], emailed.id)
    assert [c.email for c in conversation.customers] == ['customer@example.com', 'pat@example.com']


def test_only_admins_triage_and_only_customer_conversations_take_email(parley, team, emailed):
    receipt = receive(parley, corpus.fresh())
    with pytest.raises(Forbidden):
        parley.inbound.list_emails(team['susan'])
    with pytest.raises(Forbidden):
        parley.inbound.attach(team['susan'], receipt.inbound_id, emailed.id)
    internal = parley.conversations.create_conversation(team['alice'], participant_ids=[team['susan'].id],
                                                        body='Internal', client_id=cid())
    with pytest.raises(NotFound):
        parley.inbound.attach(team['alice'], receipt.inbound_id, internal.id)
    assert parley.inbound.triage_count(team['susan']) == 0


def test_discarding_forgets_the_raw_email(parley, team):
    receipt = receive(parley, corpus.fresh())
    assert 'A new question' in parley.inbound.source(team['alice'], receipt.inbound_id)
    parley.inbound.discard(team['alice'], receipt.inbound_id)
    assert parley.inbound.list_emails(team['alice']) == []
    with parley.db.session() as session:
        row = session.get(InboundEmail, receipt.inbound_id)
    assert row.outcome == 'discarded' and row.raw is None


def test_a_quarantined_email_without_text_cannot_be_attached(parley, team, emailed):
    receipt = receive(parley, b'Subject: no sender\r\n\r\nhi')
    with pytest.raises(InvalidInput):
        parley.inbound.attach(team['alice'], receipt.inbound_id, emailed.id)


def test_a_reply_that_cannot_be_posted_waits_for_an_admin(parley, team, emailed, monkeypatch):
    def removed_meanwhile(*args, **kwargs):
        raise NotFound('Conversation not found')
    monkeypatch.setattr(parley.conversations, 'receive_email', removed_meanwhile)
    receipt = receive(parley, corpus.gmail(emailed.reply_to))
    assert receipt.outcome == 'not_participant' and 'could not be posted: Conversation not found' in receipt.reason
    assert parley.inbound.triage_count(team['alice']) == 1


def test_an_html_only_reply_reads_as_the_customer_wrote_it():
    """html2text turns the HTML into text; its Markdown (escapes, emphasis, tables, link targets) does not show."""
    from services.mailparse import html_to_text
    html = ('<p>1. Restart it</p><p>- then <b>wait</b> + check the <a href="https://x.test/a">status page</a></p>'
            '<table><tr><td>Order</td><td>1042</td></tr></table><ul><li>toner</li></ul>'
            '<p><img src="cid:1" alt="photo"> a\\b *as is*</p><blockquote>Earlier<br>message</blockquote>')
    assert html_to_text(html) == ('1. Restart it\n\n- then wait + check the status page\n\nOrder 1042\n\n  * toner\n\n'
                                  'photo a\\b *as is*\n\n> Earlier\n> message')


# ----- an unmatched email becomes a new conversation or a ticket ------------------------------------

def test_an_unmatched_email_starts_a_conversation_the_customers_reply_threads_into(parley, team, clock):
    alice = team['alice']
    original = corpus.new_id()
    receipt = receive(parley, corpus.gmail('help@parley.localhost', 'My order never came.', subject='Re: Order 123',
                                           sender='Nora New <nora@example.org>', message_id=original))
    assert receipt.outcome == 'unmatched'
    with pytest.raises(InvalidInput, match='not a customer yet'):
        parley.inbound.start_conversation(alice, receipt.inbound_id)   # adding her needs the admin's yes
    assert parley.directory.list_customers(alice, 'nora') == []
    conversation_id = parley.inbound.start_conversation(alice, receipt.inbound_id, add_customer=True)
    [nora] = parley.directory.list_customers(alice, 'nora')
    conversation = parley.conversations.access_conversation(alice, conversation_id)
    assert (conversation.subject, conversation.assignee.id if conversation.assignee else None) == ('Order 123',
                                                                                                   alice.id)
    [first] = parley.conversations.list_messages(alice, conversation_id)
    assert (first.author.id, first.body, first.via) == (nora.id, 'My order never came.', 'email')
    assert parley.inbound.triage_count(alice) == 0
    with pytest.raises(NotFound):
        parley.inbound.start_conversation(alice, receipt.inbound_id, add_customer=True)   # decided already

    # Her answer to her own first email threads in; so does her reply to ours.
    assert receive(parley, corpus.gmail('help@parley.localhost', 'Any news?', sender='Nora New <nora@example.org>',
                                        in_reply_to=original)).outcome == 'posted'
    parley.conversations.send_message(alice, conversation_id, body='It ships today.', client_id=cid())
    clock.now += timedelta(minutes=2)
    assert parley.deliveries.send_due() == 1
    with parley.db.session() as session:
        email = session.exec(select(OutboundEmail).order_by(OutboundEmail.id.desc())).first()
    assert email.to_address == 'nora@example.org'
    assert receive(parley, corpus.gmail(parseaddr(email.reply_to)[1], 'Thanks!', sender='Nora New <nora@example.org>',
                                        in_reply_to=email.message_id)).outcome == 'posted'
    assert [m.body for m in parley.conversations.list_messages(alice, conversation_id)] == [
        'My order never came.', 'Any news?', 'It ships today.', 'Thanks!']
    assert [e.action for e in parley.audit.entries(alice)] == ['email_to_conversation']


def test_an_unmatched_email_from_a_known_customer_becomes_a_ticket(parley, team):
    alice, customer = team['alice'], team['customer']
    receipt = receive(parley, corpus.gmail('help@parley.localhost', 'The invoice is wrong.', subject='Fwd: Invoice',
                                           sender=f'Sample Customer <{customer.email}>'))
    ticket_id = parley.inbound.create_ticket(alice, receipt.inbound_id)   # known: no confirmation needed
    ticket = parley.items.get_by_id(alice, ticket_id)
    assert (ticket.title, ticket.description, ticket.customer.id if ticket.customer else None) == (
        'Invoice', 'The invoice is wrong.', customer.id)
    [logged] = parley.inbound.list_emails(alice, triage=False)
    assert logged.outcome == 'ticketed' and f'T-{ticket.number}' in logged.reason
    with pytest.raises(Forbidden):
        parley.inbound.create_ticket(team['susan'], receipt.inbound_id)


def test_an_agents_address_cannot_start_a_customer_conversation(parley, team):
    receipt = receive(parley, corpus.gmail('help@parley.localhost', 'Hi', sender='Susan <susan@example.com>'))
    with pytest.raises(InvalidInput, match='belongs to an agent'):
        parley.inbound.start_conversation(team['alice'], receipt.inbound_id, add_customer=True)
