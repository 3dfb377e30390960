"""Drafts: a conversation an agent is still writing. The UI keeps it in the agent's session storage (nothing is in
the database until "Create conversation"); what a draft holds, and how one starts, is decided here.

A draft is a plain dict, as session storage keeps it: kind ('user' or 'customer'), participants and customers (user
ids), body, and item_id (the ticket or task it will belong to, or None).
"""
from typing import Literal

from services.views import ItemLink

DraftKind = Literal['user', 'customer']
KINDS: tuple[DraftKind, ...] = ('user', 'customer')


def new_draft(kind: str, previous: dict | None = None) -> dict:
    """A draft of this kind. Switching from a draft of the other kind keeps its text, not its people; the same kind
    keeps the draft as it is."""
    kind = kind if kind in KINDS else 'user'
    if previous and previous.get('kind', 'user') == kind:
        return previous
    return {'kind': kind, 'participants': [], 'customers': [], 'body': (previous or {}).get('body', ''),
            'item_id': None}


def item_draft(kind: str, item_id: int, link: ItemLink, customer_id: int | None) -> dict:
    """A draft that will belong to a ticket or task: a conversation with the customer proposes the ticket's
    customer; with teammates, nobody yet."""
    draft = new_draft(kind)
    if draft['kind'] == 'customer' and link.kind == 'ticket' and customer_id is not None:
        draft['customers'] = [customer_id]
    draft['item_id'] = item_id
    return draft
