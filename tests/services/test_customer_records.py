"""A customer's data: everything in one export, and deleting it leaves no name or address of theirs behind."""
from datetime import timedelta
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import parseaddr

import pytest
from sqlalchemy import Enum, LargeBinary, String, Text, func, or_, select as sql_select
from sqlmodel import SQLModel, select

from models import AuditAction, OutboundEmail, User
from services.errors import Forbidden, NotFound
from tests import mailcorpus as corpus, samplefiles
from tests.conftest import Clock, cid

NAME, EMAIL = 'Ana Costa', 'ana.costa@example.org'


@pytest.fixture
def ana(parley, team):
    """Ana with a chat and an emailed reply, a note about her, a ticket, a notice naming her, an unmatched email."""
    clock = Clock()
    parley.conversations.clock = parley.deliveries.clock = parley.mail.clock = clock
    parley.chat.tokens.clock = parley.inbound.clock = clock
    alice = team['alice']
    ana = parley.directory.add_customer(alice, name=NAME, email=EMAIL, organization='Costa Lda')
    chat = parley.conversations.create_conversation(alice, participant_ids=[ana.id, team['susan'].id], client_id=cid(),
                                                    body=f'Hello {NAME}, your refund is on its way.',
                                                    with_customer=True, subject=f'Refund for {NAME}')
    parley.conversations.send_message(alice, chat.id, body=f'Note: {EMAIL} asked twice', client_id=cid(), note=True)
    clock.now += timedelta(minutes=2)
    assert parley.deliveries.send_due() == 1
    with parley.db.session() as session:
        email = session.exec(select(OutboundEmail).order_by(OutboundEmail.id.desc())).first()
    reply = corpus.gmail(parseaddr(email.reply_to)[1], 'Thank you! Ana', sender=f'{NAME} <{EMAIL}>',
                         in_reply_to=email.message_id)
    assert parley.inbound.receive(reply).outcome == 'posted'
    assert parley.inbound.receive(corpus.gmail('help@parley.localhost', 'A new question', sender=f'{NAME} <{EMAIL}>',
                                               subject='Another thing')).outcome == 'unmatched'
    unmatched = EmailMessage()   # with a file named after her, kept for the admin who triages it
    unmatched['From'], unmatched['To'], unmatched['Subject'] = f'{NAME} <{EMAIL}>', 'help@parley.localhost', 'ID'
    unmatched['Message-ID'] = corpus.new_id()
    unmatched.set_content('My ID card')
    unmatched.add_attachment(samplefiles.png(), maintype='image', subtype='png', filename=f'{NAME} ID card.png')
    assert parley.inbound.receive(unmatched.as_bytes(policy=SMTP)).outcome == 'unmatched'
    # A file named after her in the chat, an upload of hers never sent, an edit whose earlier text named her.
    pending = parley.files.begin(alice, name=f'Contract {NAME}.pdf', declared_size=None)
    pending.write(samplefiles.pdf())
    contract = parley.files.finish(alice, pending, name=f'Contract {NAME}.pdf')
    sent = parley.conversations.send_message(alice, chat.id, body=f'The contract for {NAME}', client_id=cid(),
                                             attachment_ids=[contract.id])
    parley.edits.edit(alice, sent.id, body='The contract')
    pending = parley.files.begin(ana, name='selfie.png', declared_size=None)
    pending.write(samplefiles.png(5, 5))
    parley.files.finish(ana, pending, name='selfie.png')
    ticket = parley.items.create(alice, 'ticket', title=f'Refund {NAME}', description=f'Write to {EMAIL}',
                                 customer_id=ana.id)
    parley.conversations.send_message(alice, chat.id, body='One more thing', client_id=cid())   # pending delivery
    return ana, chat, ticket


def test_an_export_holds_what_she_could_see_never_notes(parley, team, ana):
    customer, _chat, ticket = ana
    data = parley.customers.export(team['alice'], customer.id)
    assert data['customer'] | {'created_at': None} == {'id': customer.id, 'name': NAME, 'email': EMAIL,
                                                       'organization': 'Costa Lda', 'created_at': None}
    [conversation] = data['conversations']
    texts = [m['text'] for m in conversation['messages']]
    assert texts == [f'Hello {NAME}, your refund is on its way.', 'Thank you! Ana', 'The contract', 'One more thing']
    assert [m['by_email'] for m in conversation['messages']] == [False, True, False, False]
    assert conversation['messages'][2]['files'] == [{'name': f'Contract {NAME}.pdf', 'size': len(samplefiles.pdf()),
                                                     'kept': True}]
    assert not any('asked twice' in t for t in texts), 'internal notes are not hers'
    assert [t['ref'] for t in data['tickets']] == [f'T-{ticket.number}']
    assert [e['subject'] for e in data['emails_received']] == ['Re: Your printer', 'Another thing', 'ID']
    [entry] = parley.audit.entries(team['alice'])
    assert (entry.action, entry.subject, entry.detail) == (AuditAction.CUSTOMER_EXPORTED, NAME, '')


def _text_columns():
    for table in SQLModel.metadata.sorted_tables:
        for column in table.columns:
            if isinstance(column.type, Enum):
                continue   # (PostgreSQL's enum types: words of Parley's, never a person's)
            if isinstance(column.type, (String, Text, LargeBinary)) or \
                    isinstance(getattr(column.type, 'impl', None), (String, Text)):
                yield table, column


def _naming_her(parley) -> list[str]:
    """Every column of every table that holds her name or address somewhere (raw emails read byte by byte)."""
    found = []
    with parley.db.engine.connect() as connection:
        for table, column in _text_columns():
            if isinstance(column.type, LargeBinary):
                values = connection.execute(sql_select(column).where(column.is_not(None))).scalars()
                hits = any(NAME.encode() in bytes(v) or EMAIL.encode() in bytes(v).lower() for v in values)
            else:
                hits = connection.execute(sql_select(func.count()).select_from(table).where(or_(
                    func.lower(column).contains(NAME.lower()), func.lower(column).contains(EMAIL)))).scalar()
            if hits:
                found.append(f'{table.name}.{column.name}')
    return found


def test_deleting_her_leaves_no_name_or_address_in_any_table(parley, team, ana):
    customer, chat, _ticket = ana
    found = _naming_her(parley)
    assert {'user.name', 'user.email', 'message.body', 'outboundemail.to_address', 'inboundemail.from_address',
            'inboundemail.raw', 'item.title', 'conversation.subject', 'attachment.name', 'message.attachments',
            'messageversion.body'} <= set(found), 'the test sees her data first'

    parley.customers.delete(team['alice'], customer.id)
    assert _naming_her(parley) == []

    messages = parley.conversations.list_messages(team['alice'], chat.id)
    assert [(m.author.name, m.body) for m in messages if not m.is_note] == [
        ('Alice Admin', 'Hello Deleted customer, your refund is on its way.'), ('Deleted customer', 'Thank you! Ana'),
        ('Alice Admin', 'The contract'), ('Alice Admin', 'One more thing')], 'her messages stay, as "Deleted customer"'
    assert [a.name for a in messages[-2].attachments] == ['Contract Deleted customer.pdf']
    assert parley.deliveries.send_due() == 0, 'nothing more is emailed to her'
    with pytest.raises(NotFound):
        parley.directory.get_customer(team['susan'], customer.id)
    with pytest.raises(NotFound):
        parley.customers.delete(team['alice'], customer.id)
    assert NAME not in [c.name for c in parley.directory.list_customers(team['alice'])]
    [entry] = parley.audit.entries(team['alice'])
    assert (entry.action, entry.subject) == (AuditAction.CUSTOMER_DELETED, 'Deleted customer')
    with parley.db.session() as session:
        assert session.get(User, customer.id).is_active is False


def test_only_admins_export_or_delete(parley, team, ana):
    customer = ana[0]
    for call in (parley.customers.export, parley.customers.delete):
        with pytest.raises(Forbidden):
            call(team['susan'], customer.id)
        with pytest.raises(NotFound):
            call(team['alice'], team['susan'].id)   # an agent is not a customer
        with pytest.raises(NotFound):
            call(team['alice'], 10**6)
