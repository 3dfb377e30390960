"""Emails to customers say what they are about: the subject, the ticket, or the start of the first message."""
from datetime import timedelta

from sqlmodel import select

from models import OutboundEmail
from tests.conftest import Clock, cid


def _emailed(parley, clock) -> list[str]:
    clock.now += timedelta(minutes=2)
    parley.deliveries.send_due()
    with parley.db.session() as session:
        return [e.subject for e in session.exec(select(OutboundEmail).order_by(OutboundEmail.id))]


def test_each_email_says_what_it_is_about(parley, team):
    clock = Clock()
    parley.conversations.clock = parley.deliveries.clock = parley.mail.clock = clock
    alice, customer = team['alice'], team['customer']
    parley.conversations.create_conversation(alice, participant_ids=[customer.id], with_customer=True,
                                             client_id=cid(), subject='Your printer', body='Restart it, please.')
    ticket = parley.items.create(alice, 'ticket', title='Invoice 123 is wrong', customer_id=customer.id)
    parley.conversations.create_conversation(alice, participant_ids=[customer.id], with_customer=True,
                                             client_id=cid(), item_id=ticket.id, body='We are on it.')
    plain = parley.conversations.create_conversation(
        alice, participant_ids=[customer.id], with_customer=True, client_id=cid(),
        body='Thanks for calling earlier today about the delivery of your new office chairs to Porto.')
    assert sorted(_emailed(parley, clock)) == sorted([
        'Your printer', f'T-{ticket.number}: Invoice 123 is wrong',
        'Thanks for calling earlier today about the delivery of your…'])
    parley.conversations.send_message(alice, plain.id, body='They arrive on Monday.', client_id=cid())
    assert _emailed(parley, clock)[-1] == 'Re: Thanks for calling earlier today about the delivery of your…'
