"""Tickets (#T-12) and tasks (#K-7): create, edit, list with filters; assignment notifies the assignee.

Every agent sees every item. Conversations linked to an item keep their own visibility:
ConversationService.item_conversations lists only those the viewer may open.
"""
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import ColumnElement, func, or_
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from models import Item, ItemKind, ItemStatus, Priority, User, UserKind
from models._types import utcnow
from services.db import Database, Transaction
from services.directory import to_view
from services.i18n import N_, pN_, pgettext
from services.errors import InvalidInput, NotFound
from services.hooks import ItemAssigned
from services.text import clean_text, one_line
from services.access import acting, is_id, require_agent
from services.views import ItemLink, UserView

S = ItemStatus
STATUSES = {ItemKind.TICKET: (S.NEW, S.OPEN, S.PENDING, S.CLOSED), ItemKind.TASK: (S.TO_DO, S.DOING, S.DONE)}
DONE = {ItemKind.TICKET: S.CLOSED, ItemKind.TASK: S.DONE}
# A status in words (its context: "Open" is a ticket's here, not a list of conversations).
STATUS_LABELS = {S.NEW: pN_('status', 'New'), S.OPEN: pN_('status', 'Open'), S.PENDING: pN_('status', 'Pending'),
                 S.CLOSED: pN_('status', 'Closed'), S.TO_DO: pN_('status', 'To do'), S.DOING: pN_('status', 'Doing'),
                 S.DONE: pN_('status', 'Done')}
PRIORITIES = tuple(Priority)
MAX_TITLE = 200
MAX_DESCRIPTION = 20_000
FILTERS = ('all', 'mine', 'unassigned')
NOT_FOUND = {ItemKind.TICKET: N_('Ticket not found'), ItemKind.TASK: N_('Task not found')}


@dataclass(frozen=True)
class ItemView:
    id: int
    kind: ItemKind
    number: int
    title: str
    description: str
    status: ItemStatus
    priority: Priority
    customer: UserView | None
    assignee: UserView | None
    due_date: date | None
    created_at: datetime
    updated_at: datetime

    @property
    def link(self) -> ItemLink:
        return ItemLink(kind=self.kind, number=self.number, title=self.title)

    @property
    def status_label(self) -> str:
        return pgettext(*STATUS_LABELS[self.status])

    @property
    def is_done(self) -> bool:
        """Closed (tickets) or done (tasks): shown struck through, never overdue."""
        return self.status == DONE[self.kind]

    def is_overdue(self, today: date) -> bool:
        """Past its due date and not done, by the viewer's calendar (`today` in their time zone)."""
        return self.due_date is not None and self.due_date < today and not self.is_done


class ItemService:
    def __init__(self, db: Database, *, clock: Callable[[], datetime] = utcnow) -> None:
        self.db, self.clock = db, clock

    @acting
    def create(self, actor: UserView, kind: str, *, title: str, description: str = '',
               customer_id: int | None = None, assignee_id: int | None = None, priority: str = 'normal',
               due_date: date | None = None) -> ItemView:
        """A new ticket or task with the next number of its kind."""
        require_agent(actor, NotFound('Item not found'))
        item_kind = _kind(kind)
        fields = self._validated(item_kind, title=title, description=description, customer_id=customer_id,
                                 assignee_id=assignee_id, priority=priority, due_date=due_date)
        for _attempt in range(5):   # two agents creating at once may pick the same number: the loser takes the next
            try:
                with self.db.transaction() as tx:
                    number = (tx.session.exec(select(func.max(Item.number)).where(Item.kind == item_kind)).one()
                              or 0) + 1
                    now = self.clock()
                    item = Item(kind=item_kind, number=number, status=STATUSES[item_kind][0], created_by_id=actor.id,
                                created_at=now, updated_at=now, **fields)
                    tx.session.add(item)
                    tx.session.flush()
                    self._assigned(tx, item, actor, None)
                    item_id = item.id
                return self.get_by_id(actor, item_id)
            except IntegrityError:
                continue
        raise InvalidInput('Could not number the new item; try again.')

    @acting
    def update(self, actor: UserView, item_id: int, **changes) -> ItemView:
        """Change any of title, description, status, priority, customer_id, assignee_id, due_date."""
        require_agent(actor, NotFound('Item not found'))
        allowed = {'title', 'description', 'status', 'priority', 'customer_id', 'assignee_id', 'due_date'}
        if set(changes) - allowed:
            raise InvalidInput('Unknown field.')
        with self.db.transaction() as tx:
            item = tx.session.get(Item, item_id) if is_id(item_id) else None
            if item is None:
                raise NotFound('Item not found')
            current = {name: getattr(item, name) for name in allowed - {'status'}}
            fields = self._validated(item.kind, **{**current, **{k: v for k, v in changes.items() if k != 'status'}})
            if 'status' in changes:
                if changes['status'] not in STATUSES[item.kind]:
                    raise InvalidInput('Pick one of the offered statuses.')
                item.status = ItemStatus(changes['status'])
            previous_assignee = item.assignee_id
            for name, value in fields.items():
                setattr(item, name, value)
            item.updated_at = self.clock()
            tx.session.add(item)
            self._assigned(tx, item, actor, previous_assignee)
        return self.get_by_id(actor, item_id)

    @acting
    def get(self, actor: UserView, kind: str, number: object) -> ItemView:
        """An item by its kind and number (from a URL: anything malformed is simply not found)."""
        require_agent(actor, NotFound('Item not found'))
        item_kind = _kind(kind)
        text = str(number).upper().removeprefix(_prefix(item_kind) + '-')
        if not (text.isascii() and text.isdigit()) or len(text) > 9:
            raise NotFound(NOT_FOUND[item_kind])
        with self.db.session() as session:
            item = session.exec(select(Item).where(Item.kind == item_kind, Item.number == int(text))).first()
            if item is None:
                raise NotFound(NOT_FOUND[item_kind])
            return _view(session, item)

    @acting
    def get_by_id(self, actor: UserView, item_id: int) -> ItemView:
        require_agent(actor, NotFound('Item not found'))
        with self.db.session() as session:
            item = session.get(Item, item_id) if is_id(item_id) else None
            if item is None:
                raise NotFound('Item not found')
            return _view(session, item)

    @acting
    def list(self, actor: UserView, kind: str, *, show: str = 'all', status: str | None = None, query: str = '',
             customer_id: int | None = None, limit: int = 200) -> list[ItemView]:
        """Items of a kind, open ones first then newest activity; filter by mine/unassigned, status, title."""
        require_agent(actor, NotFound('Item not found'))
        item_kind = _kind(kind)
        if show not in FILTERS:
            raise InvalidInput('Unknown filter.')
        statement = select(Item).where(Item.kind == item_kind)
        if show == 'mine':
            statement = statement.where(Item.assignee_id == actor.id)
        elif show == 'unassigned':
            statement = statement.where(col(Item.assignee_id).is_(None))
        if customer_id is not None:   # a customer's tickets (their page)
            statement = statement.where(Item.customer_id == (customer_id if is_id(customer_id) else 0))
        if status:
            if status not in STATUSES[item_kind]:
                raise InvalidInput('Pick one of the offered statuses.')
            statement = statement.where(Item.status == status)
        text = ' '.join((query or '').split()).lower()
        if text:
            matches: list[ColumnElement[bool]] = [func.lower(Item.title).contains(text, autoescape=True)]
            reference = text.lstrip('#').upper().removeprefix(_prefix(item_kind) + '-')
            if reference.isascii() and reference.isdigit() and len(reference) <= 9:
                matches.append(col(Item.number) == int(reference))
            statement = statement.where(or_(*matches))
        statement = statement.order_by(col(Item.status) == DONE[item_kind], col(Item.updated_at).desc()) \
            .limit(max(1, min(limit, 500)))
        with self.db.session() as session:
            rows = session.exec(statement).all()
            people = _people(session, {i for r in rows for i in (r.customer_id, r.assignee_id) if i})
            return [_view(session, r, people) for r in rows]

    # ----- internals --------------------------------------------------------------------------

    def _validated(self, kind: ItemKind, *, title: str, description: str, customer_id: int | None,
                   assignee_id: int | None, priority: str, due_date: date | None) -> dict:
        title = one_line(title)
        if not title:
            raise InvalidInput('Give it a title.')
        if len(title) > MAX_TITLE:
            raise InvalidInput('Titles are limited to {max_title} characters.', max_title=MAX_TITLE)
        description = clean_text(description).strip()
        if len(description) > MAX_DESCRIPTION:
            raise InvalidInput('Descriptions are limited to {max_description} characters.',
                               max_description=MAX_DESCRIPTION)
        if priority not in PRIORITIES:
            raise InvalidInput('Pick one of the offered priorities.')
        if kind == ItemKind.TASK and customer_id is not None:
            raise InvalidInput('Tasks have no customer; make it a ticket instead.')
        if kind == ItemKind.TICKET and due_date is not None:
            raise InvalidInput('Tickets have no due date; use a task for that.')
        if due_date is not None and not isinstance(due_date, date):
            raise InvalidInput('Enter the due date as a date.')
        with self.db.session() as session:
            if customer_id is not None:
                customer = session.get(User, customer_id) if is_id(customer_id) else None
                if customer is None or customer.kind != UserKind.CUSTOMER:
                    raise InvalidInput('Pick the customer from the list.')
            if assignee_id is not None:
                assignee = session.get(User, assignee_id) if is_id(assignee_id) else None
                if assignee is None or assignee.kind != UserKind.AGENT or not assignee.is_active:
                    raise InvalidInput('Assign it to an active teammate.')
        return {'title': title, 'description': description, 'customer_id': customer_id, 'assignee_id': assignee_id,
                'priority': Priority(priority), 'due_date': due_date}

    def _assigned(self, tx: Transaction, item: Item, actor: UserView, previous: int | None) -> None:
        if item.id is not None and item.assignee_id is not None and item.assignee_id != previous:
            link = ItemLink(kind=item.kind, number=item.number, title=item.title)
            tx.emit(ItemAssigned(item_id=item.id, link=link, actor=actor, assignee_id=item.assignee_id))


def _kind(kind: str) -> ItemKind:
    try:
        return ItemKind(kind)
    except ValueError:
        raise NotFound('Item not found') from None


def _prefix(kind: ItemKind) -> str:
    return 'T' if kind == ItemKind.TICKET else 'K'


def _people(session: Session, ids: set[int]) -> dict[int, UserView]:
    if not ids:
        return {}
    return {u.id: to_view(u) for u in session.exec(select(User).where(col(User.id).in_(ids))).all()}


def _view(session: Session, item: Item, people: dict[int, UserView] | None = None) -> ItemView:
    if people is None:
        people = _people(session, {i for i in (item.customer_id, item.assignee_id) if i})
    return ItemView(id=item.id, kind=item.kind, number=item.number, title=item.title,
                    description=item.description, status=item.status, priority=item.priority,
                    customer=people.get(item.customer_id or 0), assignee=people.get(item.assignee_id or 0),
                    due_date=item.due_date, created_at=item.created_at, updated_at=item.updated_at)
