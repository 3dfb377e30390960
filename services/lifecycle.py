"""Open, snoozed, closed: a conversation's status, the same for everyone in it.

Close, reopen and snooze are agents' actions on a conversation they may open (services.access); each is a line in
the thread (services.threadlines) and a ConversationChanged to the pages after the commit. What follows is the
handlers' (services.hooks): the transcript a closing agent asked for (deliveries), the notice a snooze's end gives
(notifications). A message from anyone but who closed or snoozed it opens it again: that is the send path's
(services.conversations). A snooze with a time ends in `wake_due`, a background round.
"""
from collections.abc import Callable
from datetime import date, datetime, time, timedelta, tzinfo

from sqlalchemy import update
from sqlmodel import col, select

from models import Conversation, ConversationKind, ConversationStatus, Participant, ThreadEvent, User, UserKind
from models._types import utcnow
from services import access
from services.access import acting
from services.i18n import _, pattern
from services.db import Database, Transaction
from services.errors import InvalidInput, NotFound
from services.events import ConversationChanged, EventBus
from services.hooks import ConversationClosed, SnoozeEnded
from services.threadlines import add_line, agent_ids
from services.views import UserView

S = ConversationStatus
LONGEST_SNOOZE = timedelta(days=366)


class LifecycleService:
    def __init__(self, db: Database, bus: EventBus, *, clock: Callable[[], datetime] = utcnow) -> None:
        self.db, self.bus, self.clock = db, bus, clock

    @acting
    def close(self, actor: UserView, conversation_id: int, *, transcript: bool = False) -> None:
        """Close it for everyone in it; with transcript, its customers get by email what they could see of it."""
        with self.db.transaction() as tx:
            conversation = self._changing(tx, actor, conversation_id)
            if conversation.status == S.CLOSED:
                return
            if transcript and conversation.kind != ConversationKind.CUSTOMER:
                raise InvalidInput('Only a conversation with a customer has a transcript to send.')
            self._set(tx, conversation, actor, S.CLOSED, None)
            add_line(tx, self.bus, conversation_id=conversation.id, actor=actor, event=ThreadEvent.CLOSED,
                     at=self.clock())
            tx.emit(ConversationClosed(conversation_id=conversation.id, actor=actor, transcript=transcript))

    @acting
    def reopen(self, actor: UserView, conversation_id: int) -> None:
        """Open a closed or snoozed conversation again."""
        with self.db.transaction() as tx:
            conversation = self._changing(tx, actor, conversation_id)
            if conversation.status == S.OPEN:
                return
            self._set(tx, conversation, actor, S.OPEN, None)
            add_line(tx, self.bus, conversation_id=conversation.id, actor=actor, event=ThreadEvent.REOPENED,
                     at=self.clock())

    @acting
    def snooze(self, actor: UserView, conversation_id: int, *, until: datetime | None) -> None:
        """Out of the Open list until `until` (None: until someone else writes in it), then open at the top."""
        now = self.clock()
        if until is not None:
            if until.tzinfo is None:
                raise InvalidInput('Pick a time with its time zone.')
            if until <= now:
                raise InvalidInput('That time has passed: pick a later one.')
            if until > now + LONGEST_SNOOZE:
                raise InvalidInput('Snooze for a year at most; close the conversation instead.')
        with self.db.transaction() as tx:
            conversation = self._changing(tx, actor, conversation_id)
            self._set(tx, conversation, actor, S.SNOOZED, until)
            add_line(tx, self.bus, conversation_id=conversation.id, actor=actor, event=ThreadEvent.SNOOZED, at=now,
                     **({'until': until.isoformat()} if until else {}))

    def wake_due(self) -> int:
        """Open every snoozed conversation whose time has come, at the top of the lists; returns how many."""
        now = self.clock()
        with self.db.session() as session:
            due = session.exec(select(Conversation.id).where(Conversation.status == S.SNOOZED,
                                                             col(Conversation.snoozed_until) <= now)).all()
        return sum(self._wake(conversation_id) for conversation_id in due)

    def _wake(self, conversation_id: int) -> bool:
        with self.db.transaction() as tx:
            # Several processes: the one that locks it wakes it; the others skip it (None).
            conversation = tx.session.get(Conversation, conversation_id, with_for_update={'skip_locked': True})
            now = self.clock()   # read again: reopened or snoozed longer meanwhile
            if conversation is None or conversation.status != S.SNOOZED or conversation.snoozed_until is None \
                    or conversation.snoozed_until > now:
                return False
            snoozer = conversation.status_by_id
            conversation.last_message_at = now   # at the top
            self._set(tx, conversation, None, S.OPEN, None, moved=now)
            author = access.to_view(tx.session.get_one(User, snoozer or conversation.created_by_id))
            line = add_line(tx, self.bus, conversation_id=conversation.id, actor=author, event=ThreadEvent.WOKE,
                            at=now)
            tx.emit(SnoozeEnded(conversation_id=conversation.id, line_id=line.id))
        return True

    def _changing(self, tx: Transaction, actor: UserView, conversation_id: int) -> Conversation:
        """The conversation, if the actor may change it: an agent who may open it (customers: not found)."""
        if actor.kind != UserKind.AGENT:
            raise NotFound(access.CONVERSATION_NOT_FOUND)
        return access.conversation(tx.session, actor, conversation_id)

    def _set(self, tx: Transaction, conversation: Conversation, actor: UserView | None, status: ConversationStatus,
             until: datetime | None, *, moved: datetime | None = None) -> None:
        """The status on the conversation and its participants' copies; the pages hear of it after the commit."""
        conversation.status = status
        conversation.status_by_id = actor.id if actor is not None and status != S.OPEN else None
        conversation.snoozed_until = until
        tx.session.add(conversation)
        tx.session.flush()
        values: dict = {'status': status} | ({'last_message_at': moved} if moved else {})
        tx.session.exec(update(Participant).where(col(Participant.conversation_id) == conversation.id)
                        .values(**values))
        told = agent_ids(tx, conversation.id)
        if conversation.unassigned:   # every agent's Unassigned list changes
            told += access.active_agent_ids(tx.session)
        changed = ConversationChanged(recipients=tuple(dict.fromkeys(told)), conversation_id=conversation.id)
        tx.on_commit(lambda: self.bus.publish(changed))


def snooze_choices(now: datetime, zone: tzinfo) -> list[tuple[str, datetime]]:
    """The snooze menu's times in the viewer's zone: later today (while there is some), tomorrow morning, next week."""
    local = now.astimezone(zone)
    choices = []
    later = (local + timedelta(hours=3)).replace(second=0, microsecond=0)
    later += timedelta(minutes=-later.minute % 15)
    if later.date() == local.date():
        choices.append((_('Later today · {time}').format(time=pattern(later, 'Hm')), later))
    tomorrow = _at_nine(local.date() + timedelta(days=1), zone)
    choices.append((_('Tomorrow morning · {time}').format(
        time=f"{pattern(tomorrow, 'EEE')} {pattern(tomorrow, 'Hm')}"), tomorrow))
    monday = _at_nine(local.date() + timedelta(days=7 - local.weekday()), zone)
    choices.append((_('Next week · {time}').format(
        time=f"{pattern(monday, 'MMMEd')} {pattern(monday, 'Hm')}"), monday))
    return choices


def _at_nine(day: date, zone: tzinfo) -> datetime:
    return datetime.combine(day, time(9), tzinfo=zone)
