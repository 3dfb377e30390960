"""Property-based tests: arbitrary bytes and MIME never crash the inbound path or post where they must not."""
from datetime import timedelta
from email.utils import parseaddr

from hypothesis import HealthCheck, event, given, settings, strategies as st
import pytest
from sqlmodel import func, select

from models import Message, OutboundEmail
from services.mailparse import Unreadable, parse_email
from tests.conftest import Clock, cid

FUZZ = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
DB_FUZZ = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])

header_names = st.sampled_from(['From', 'To', 'Cc', 'Subject', 'Message-ID', 'In-Reply-To', 'References',
                                'Content-Type', 'Content-Transfer-Encoding', 'Auto-Submitted', 'Precedence',
                                'Delivered-To', 'Content-Disposition', 'MIME-Version'])
charsets = st.sampled_from(['utf-8', 'iso-8859-1', 'windows-1252', 'utf-16', 'klingon', '', 'us-ascii'])
encodings = st.sampled_from(['7bit', '8bit', 'base64', 'quoted-printable', 'x-unknown', ''])
subtypes = st.sampled_from(['plain', 'html', 'enriched'])
text = st.text(max_size=300)
raw_text = st.binary(max_size=300)


@st.composite
def mime_part(draw, depth=0):
    """One MIME entity: a leaf text or binary part, or (up to depth 2) a multipart of them."""
    if depth < 2 and draw(st.booleans()):
        boundary = draw(st.sampled_from(['b1', 'b2', 'x', '']))
        parts = draw(st.lists(mime_part(depth + 1), max_size=3))
        body = b''.join(b'--' + boundary.encode() + b'\r\n' + p + b'\r\n' for p in parts)
        if draw(st.booleans()):
            body += b'--' + boundary.encode() + b'--\r\n'
        kind = draw(st.sampled_from(['mixed', 'alternative', 'report; report-type=delivery-status', 'related']))
        return f'Content-Type: multipart/{kind}; boundary="{boundary}"\r\n\r\n'.encode() + body
    headers = (f'Content-Type: text/{draw(subtypes)}; charset="{draw(charsets)}"\r\n'
               f'Content-Transfer-Encoding: {draw(encodings)}\r\n')
    if draw(st.booleans()):
        headers += f'Content-Disposition: attachment; filename="{draw(text)}"\r\n'.replace('\n', ' ')
    body = draw(st.one_of(text.map(lambda t: t.encode('utf-8', 'surrogatepass')), raw_text))
    return headers.encode('utf-8', 'surrogatepass') + b'\r\n' + body


@st.composite
def emails(draw, sender: str, to: str):
    """An email from `sender` to `to` with random extra headers (some garbage) and a random MIME body."""
    lines = [f'From: {sender}', f'To: {to}']
    for _ in range(draw(st.integers(0, 6))):
        value = draw(st.one_of(text, st.sampled_from(['<a@b>', '=?utf-8?q?x=0D=0Ay?=', '=?bogus?x?zz?=',
                                                      'auto-replied', 'bulk', '<reply+short@x>'])))
        lines.append(f'{draw(header_names)}: {value}'.replace('\r', ' ').replace('\n', ' '))
    head = '\r\n'.join(lines).encode('utf-8', 'surrogatepass') + b'\r\n'
    return head + draw(mime_part())


@FUZZ
@given(st.binary(max_size=2000))
def test_the_parser_never_raises_on_arbitrary_bytes(raw):
    try:
        parsed = parse_email(raw)
    except Unreadable:
        return
    assert '\n' not in parsed.subject and '\n' not in parsed.from_name


@FUZZ
@given(emails('Someone <someone@example.com>', 'reply+abcdefghijklmnopqrstuvwx@parley.localhost'))
def test_the_parser_never_raises_on_arbitrary_mime(raw):
    try:
        parsed = parse_email(raw)
    except Unreadable:
        return
    assert parsed.from_address == 'someone@example.com'
    assert isinstance(parsed.reply, str) and isinstance(parsed.attachments, tuple)


@pytest.fixture
def emailed(parley, team):
    """A conversation emailed to Sample Customer: its reply address and how many messages it has."""
    clock = Clock()
    parley.conversations.clock = parley.deliveries.clock = parley.mail.clock = clock
    parley.inbound.rate_limit.limit = 10_000
    conversation = parley.conversations.create_conversation(
        team['alice'], participant_ids=[team['customer'].id], body='Hello', client_id=cid())
    clock.now += timedelta(minutes=2)
    parley.deliveries.send_due()
    with parley.db.session() as session:
        reply_to = parseaddr(session.exec(select(OutboundEmail)).one().reply_to)[1]
    return conversation.id, reply_to


def message_counts(parley) -> dict[int, int]:
    with parley.db.session() as session:
        return dict(session.exec(select(Message.conversation_id, func.count()).group_by(Message.conversation_id)).all())


@DB_FUZZ
@given(data=st.data())
def test_a_stranger_never_posts_whatever_they_send(parley, team, emailed, data):
    _conversation_id, reply_to = emailed
    sender = data.draw(st.sampled_from(['Eve <eve@attacker.test>', 'susan@example.com', '<>',
                                        'Sample Customer <customer@example.com.attacker.test>']))
    before = message_counts(parley)
    receipt = parley.inbound.receive(data.draw(emails(sender, reply_to)))
    assert receipt.outcome != 'posted'
    assert message_counts(parley) == before


@DB_FUZZ
@given(data=st.data())
def test_the_customer_posts_only_into_their_own_conversation(parley, team, emailed, data):
    conversation_id, reply_to = emailed
    before = message_counts(parley)
    receipt = parley.inbound.receive(data.draw(emails('Sample Customer <customer@example.com>', reply_to)))
    event(receipt.outcome)
    after = message_counts(parley)
    if receipt.outcome == 'posted':
        assert receipt.conversation_id == conversation_id
        assert after == {**before, conversation_id: before[conversation_id] + 1}
    else:
        assert after == before
