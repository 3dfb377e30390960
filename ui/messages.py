"""The messages of a thread as one element (ui/messages.js), for the messenger and the customer's live chat.

New messages, older pages and delivery changes reach the browser as small calls on this one element
(`put`), not as new elements: NiceGUI draws its whole element tree again on every update, so a thread made
of elements cost each page more for every message it had shown. The server keeps each shown message's data
in the element's props (a tuple of plain dicts, changed without an update), so the element sent whole again
shows the same, and `shown_text` (ui/internals.ShowsText) gives the tests what the browser shows. A page keeps
KEEP messages beyond what the user loaded: a tab left open on a busy conversation drops its oldest ones (they load again
on scroll up), so neither the server nor the browser holds a day's worth of messages per tab.
"""
from collections.abc import Callable, Iterable
import time

from nicegui import ui

from services.i18n import _
from services.attachments import Variant
from services.views import AttachmentView, DeliveryView, MessageVia, MessageView
from ui import live
from services.richtext import rich_html
from services.threadlines import describe, names
from ui.files import file_path
from ui.formatting import clock, day_label, full_time, placement, short_time
from ui.internals import ShowsText

AGENT_WIDTH = 'max-w-[80%] md:max-w-[70%]'
CHAT_WIDTH = 'max-w-[85%]'
KEEP = 300   # messages a page holds; more than the user loaded, and the oldest are dropped

Draw = Callable[[MessageView, MessageView | None], dict]   # (message, the one shown before it) -> its data


class MessageList(ShowsText, ui.element, component='messages.js'):
    """Messages in order, oldest first: append new ones, prepend older ones, change a delivery line.

    on_action(message_id, action) runs when the viewer picks "edit" or "delete" on their own message, or
    "versions" on an edited one.
    """

    def __init__(self, draw: Draw, on_action: Callable[[int, str], None] | None = None) -> None:
        super().__init__()
        if on_action is not None:
            self.on('action', lambda e: _action(e.args, on_action))
        self._draw, self._keep, self._limit = draw, KEEP, KEEP
        self._views: list[MessageView] = []   # shown, oldest first
        self._ids: set[int] = set()
        self.props['messages'] = ()
        self.props['tail'] = None   # seen_line(...) of who read up to the last message, drawn after it
        self.props['t'] = {   # the words of messages.js, in the page's language
            'note': _('Internal note'), 'byEmail': _('by email'), 'deleted': _('Message deleted'),
            'emailTitle': _('Received by email: quoted history and signature removed'),
            'menuLabel': _('Edit or delete this message'), 'menuTitle': _('Edit or delete'),
            'deleteLabel': _('Delete this message'), 'delete': _('Delete'), 'edit': _('Edit'),
            'edited': _('edited'), 'editedTitle': _('See what it said before'),
            'listed': _('Listed from the email: this file was not kept.'),
            'download': _('Download'), 'downloadTitle': _('Download the original'), 'close': _('Close'),
            'open': _('Open {name}'), 'downloadFile': _('Download {name}')}

    def __contains__(self, message_id: int) -> bool:
        return message_id in self._ids

    @property
    def oldest(self) -> MessageView | None:
        return self._views[0] if self._views else None

    @property
    def newest(self) -> MessageView | None:
        return self._views[-1] if self._views else None

    @property
    def data(self) -> tuple[dict, ...]:
        return self.props['messages']

    def append(self, messages: Iterable[MessageView]) -> bool:
        """Show new messages after the others (ones already shown are skipped). True if old ones were dropped."""
        added = []
        for message in messages:
            if message.id not in self._ids:
                added.append(self._draw(message, self._views[-1] if self._views else None))
                self._views.append(message)
                self._ids.add(message.id)
        if not added:
            return False
        data = self.data + tuple(added)
        first = None
        if len(data) > self._limit:   # the oldest go; the new first message starts its own group and day
            drop = len(data) - self._limit
            self._ids.difference_update(m.id for m in self._views[:drop])
            del self._views[:drop]
            data = (self._draw(self._views[0], None), *data[drop + 1:])
            first = data[0]['id']
            added = [data[0], *(m for m in added if m['id'] in self._ids and m['id'] != first)]
        self._set(data, added, False, first)
        return first is not None

    def prepend(self, older: list[MessageView]) -> None:
        """Show an older page (oldest first) before the others; what the user loaded is kept a while."""
        older = [m for m in older if m.id not in self._ids]
        if not older:
            return
        added, previous = [], None
        for message in older:
            added.append(self._draw(message, previous))
            previous = message
        data = tuple(added) + self.data
        if self._views:   # the old first message may now continue a group or a day
            redrawn = self._draw(self._views[0], previous)
            data = (*data[:len(added)], redrawn, *data[len(added) + 1:])
            added.append(redrawn)
        self._views[:0] = older
        self._ids.update(m.id for m in older)
        self._limit = len(self._views) + self._keep
        self._set(data, added, True, None)

    def replace(self, message: MessageView) -> None:
        """Show a message again as it is now (edited or deleted)."""
        for i, shown in enumerate(self._views):
            if shown.id == message.id:
                self._views[i] = message
                data = list(self.data)
                data[i] = self._draw(message, self._views[i - 1] if i else None)
                self._set(tuple(data), [data[i]], False, None)
                return

    def set_delivery(self, message_id: int, deliveries: tuple[DeliveryView, ...]) -> None:
        data = list(self.data)
        for i in range(len(data) - 1, -1, -1):
            if data[i]['id'] == message_id:
                data[i] = {**data[i], 'delivery': delivery_line(deliveries)}
                self._set(tuple(data), [data[i]], False, None)
                return

    def last_editable(self, author_id: int) -> int | None:
        """The id of the author's last message shown, if it is theirs to edit (typed here, not deleted)."""
        for message in reversed(self._views):
            if message.author.id == author_id and message.event is None:
                editable = not message.deleted and message.via == MessageVia.APP and bool(message.body)
                return message.id if editable else None
        return None

    def shown_authors(self) -> list[tuple[int, int]]:
        """(id, author id) of the messages shown (not the lines about the conversation), oldest first."""
        return [(m.id, m.author.id) for m in self._views if m.event is None]

    def set_seen(self, seen: dict[int, dict]) -> None:
        """Who read up to each message ({message id: seen_line(...)}); the other messages show nobody.

        Those who read up to the last message are the list's tail, drawn after it: in a group that reads as it
        goes, a new message leaves the tail as it was, so the browser changes nothing for it.
        """
        seen = dict(seen)
        last = self.data[-1]['id'] if self.data else None
        tail = seen.pop(last, None) if last is not None else None
        data, changed = list(self.data), []
        for i in [i for i, item in enumerate(data) if item.get('seen') or item['id'] in seen]:
            item = data[i]
            wanted = seen.get(item['id']) or None
            if item.get('seen') != wanted:
                data[i] = {**item, 'seen': wanted}
                changed.append(data[i])
        if changed:
            self._set(tuple(data), changed, False, None)
        if tail != self.props['tail']:
            with self.props.suspend_updates():
                self.props['tail'] = tail
            live.call(self, 'setTail', tail)

    def delivery_shown(self, message_id: int) -> bool:
        """Whether this message is shown with a delivery line (a message to customers)."""
        return message_id in self._ids and any(m['id'] == message_id and m['delivery'] for m in self.data)

    def _set(self, data: tuple[dict, ...], items: list[dict], at_start: bool, first: int | None) -> None:
        """Keep `data` here (no update: nothing else on the page is drawn again) and tell the browser the change."""
        with self.props.suspend_updates():
            self.props['messages'] = data
        live.call(self, 'put', items, at_start, first)

    def shown_text(self) -> list:
        """What the browser shows as text, for ElementFilter and the user simulation."""
        tail, words = self.props['tail'], self.props['t']
        return [text for m in self.data for text in (
            m['day'], m.get('line'), *(() if m.get('line') else (m['name'], m['time'], m['body'])),
            words['deleted'] if m.get('deleted') else None, words['edited'] if m.get('edited') else None,
            words['note'] if m['note'] and not m.get('line') else None,
            words['byEmail'] if m['email'] else None,
            *(f['label'] for f in (m.get('images') or []) + (m['files'] or [])),
            (m['delivery'] or {}).get('text'),
            m['seen']['label'] if m.get('seen') else None)] + ([tail['label']] if tail else [])


FILE_ICONS = (('image/', 'image'), ('application/pdf', 'picture_as_pdf'), ('video/', 'movie'),
              ('audio/', 'audio_file'), ('text/', 'article'), ('zip', 'folder_zip'), ('compressed', 'folder_zip'),
              ('spreadsheet', 'table_chart'), ('excel', 'table_chart'), ('csv', 'table_chart'),
              ('word', 'description'), ('document', 'description'), ('presentation', 'slideshow'))


def file_icon(content_type: str) -> str:
    return next((icon for part, icon in FILE_ICONS if part in content_type), 'insert_drive_file')


Link = Callable[[AttachmentView, str], str]   # (a kept file, its variant) -> its address for this viewer


def files_data(attachments: Iterable[AttachmentView], link: Link) -> dict:
    """The files of a message as the thread shows them: `images` as thumbnails, `files` as chips (listed ones, an
    email's file that was not kept, by name and size only); None for none (most messages: nothing to draw)."""
    found = []
    for a in attachments:
        item = {'name': a.name, 'size': a.size_text, 'label': a.label, 'icon': file_icon(a.content_type)}
        if a.kept:
            item.update(id=a.id, url=link(a, Variant.ORIGINAL), image=a.image, w=a.width, h=a.height)
            if a.image:
                item.update(thumb=link(a, Variant.THUMBNAIL), large=link(a, Variant.PREVIEW))
        found.append(item)
    images = [f for f in found if f.get('image')]
    others = [f for f in found if not f.get('image')]
    return {'images': images or None, 'files': others or None}


def message_data(message: MessageView, previous: MessageView | None, zone, *, viewer_id: int, bubble: str,
                 avatar: dict | None, width: str, name: str | None, link: Link = file_path,
                 versions: bool = False) -> dict:
    """The data of one message: `bubble` is the bubble's classes, `avatar` None for no avatar (the chat's own side);
    `link` gives its files' addresses (a customer's carry a signed link); `versions`: the viewer may read what an
    edited message said before."""
    new_day, grouped = placement(previous, message, zone)
    own = message.author.id == viewer_id
    if message.deleted:
        bubble = 'pm-deleted'
    return {'id': message.id, 'edited': message.edited and not message.deleted, 'deleted': message.deleted,
            'mine': own and not message.deleted and message.via == MessageVia.APP,
            'versions': versions and message.edited and not message.deleted,
            'day': day_label(message.created_at, zone) if new_day else None, 'grouped': grouped, 'own': own,
            'avatar': avatar, 'width': width, 'name': name,
            'note': message.is_note, 'time': clock(message.created_at, zone),
            'full': full_time(message.created_at, zone), 'email': message.via == MessageVia.EMAIL, 'body': message.body,
            'html': None if message.deleted else rich_html(message.body),
            'bubble': bubble, **files_data(message.attachments, link),
            'delivery': delivery_line(message.deliveries) if message.deliveries else None}


ACTIONS = ('edit', 'delete', 'versions')


def _action(args, on_action: Callable[[int, str], None]) -> None:
    """What the browser asked (a message id and an action), checked: the service decides what may be done."""
    args = args if isinstance(args, dict) else {}
    message_id, action = args.get('id'), args.get('action')
    if isinstance(message_id, int) and action in ACTIONS:
        on_action(message_id, action)


def line_data(message: MessageView, previous: MessageView | None, zone) -> dict:
    """A line about the conversation ("Alice Admin closed this conversation"), across the thread, for agents."""
    new_day, _grouped = placement(previous, message, zone)
    return {'id': message.id, 'day': day_label(message.created_at, zone) if new_day else None, 'grouped': False,
            'own': False, 'avatar': None, 'width': '', 'name': None, 'note': True, 'email': False, 'body': '',
            'time': clock(message.created_at, zone), 'full': full_time(message.created_at, zone), 'bubble': '',
            'files': None, 'images': None, 'delivery': None, 'icon': LINE_ICONS.get(message.event or '', 'info'),
            'line': describe(message, lambda moment: short_time(moment, zone))}


LINE_ICONS = {'closed': 'check_circle', 'reopened': 'replay', 'snoozed': 'snooze', 'woke': 'alarm',
              'added': 'person_add', 'removed': 'person_remove', 'left': 'logout', 'renamed': 'edit',
              'assigned': 'assignment_ind', 'unassigned': 'assignment_return', 'linked': 'link'}


SEEN_FACES = 5   # avatars under a message at most; the others are a count (a group of 25 reads at once)


def seen_line(readers: list[dict]) -> dict:
    """The avatars under a message and the words for screen readers: "Seen by Susan Miller, John Smith"."""
    return {'faces': readers[:SEEN_FACES], 'more': max(0, len(readers) - SEEN_FACES),
            'label': _('Seen by {names}').format(names=', '.join(p['name'] for p in readers))}


def avatar_data(message: MessageView, *, size: str, spacer: str, color: str = 'indigo-1',
                text: str = 'indigo-9') -> dict:
    return {'initials': message.author.initials, 'size': size, 'spacer': spacer, 'color': color, 'text': text}


def delivery_line(deliveries: tuple[DeliveryView, ...]) -> dict:
    """"Seen", or per customer when there are several: "Ana Costa: Seen · Carlos Pereira: Emailed"."""
    if len(deliveries) == 1:
        text = _(deliveries[0].label)
    else:
        text = ' · '.join(f'{d.customer_name}: {_(d.label)}' for d in deliveries)
    return {'text': text, 'failed': any(d.state == 'email_failed' for d in deliveries)}


class History:
    """A MessageList with "Load earlier messages" above it, also run when the reader scrolls near the top.

    older(before_id) returns the page of messages before that one (at most page_size). Built inside the thread's
    column; `scroller` is the element that scrolls (a column-reverse thread: near the top is near its end).
    """

    def __init__(self, scroller: ui.element, draw: Draw, older: Callable[[int], list[MessageView]],
                 page_size: int, changed: Callable[[], None] = lambda: None,
                 on_action: Callable[[int, str], None] | None = None) -> None:
        self._older, self._page_size, self._changed = older, page_size, changed   # changed: after messages came
        self.load_more = ui.button(_('Load earlier messages'), on_click=self.load_older) \
            .props('flat no-caps dense color=grey-8').classes('self-center mb-2')
        self.messages = MessageList(draw, on_action)
        self._more(False)
        scroller.on('scroll', self.load_older, throttle=0.5, js_handler='''(e) => {
            const t = e.target;
            if (t.scrollHeight - t.clientHeight + t.scrollTop < 240) emit();
        }''')

    def start(self, messages: list[MessageView]) -> None:
        """The latest page, as the thread opens: more may lie before it if the page is full."""
        self._more(len(messages) >= self._page_size)
        self.messages.append(messages)
        self._changed()

    def append(self, messages: Iterable[MessageView]) -> None:
        if self.messages.append(messages):   # a long-open page let its oldest messages go: they load again
            self._more(True)
        self._changed()

    def catch_up(self, latest: list[MessageView]) -> None:
        """After events were missed: of the latest messages, the ones newer than the newest shown."""
        newest = self.messages.newest
        self.append([m for m in latest if newest is None or m.id > newest.id])

    def load_older(self) -> None:
        oldest = self.messages.oldest
        if not self.has_more or oldest is None:
            return
        older = self._older(oldest.id)
        self._more(len(older) >= self._page_size)
        self.messages.prepend(older)
        self._changed()

    def _more(self, more: bool) -> None:
        self.has_more = more
        self.load_more.visible = more


class LiveText(ShowsText, ui.element, component='live_text.js'):
    """A line of text that changes often (who is typing), changed in the browser by a call, not an update."""

    def __init__(self, text: str = '') -> None:
        super().__init__()
        self.props['text'] = text

    @property
    def text(self) -> str:
        return self.props['text']

    def set_text(self, text: str) -> None:
        if text != self.text:
            with self.props.suspend_updates():
                self.props['text'] = text
            live.call(self, 'set', text)

    def shown_text(self) -> list:
        return [self.text]


TYPING_SHOWN = 6.0   # seconds: "is typing" stays this long after the last sign of it (signs come every 3 s)


class TypingLine:
    """"Susan Miller is typing…" under a thread: shown while signs come, gone a few seconds after the last."""

    def __init__(self, classes: str) -> None:
        self.typists: dict[int, tuple[str, bool, float]] = {}   # who: name, writing a note?, when last seen typing
        self.label = LiveText().classes(classes).props('aria-live=polite').mark('typing')
        self._expire_soon = live.Soon(TYPING_SHOWN, self._expire, 'typing-expiry')

    def typing(self, user_id: int, name: str, *, note: bool = False) -> None:
        self.typists[user_id] = (name, note, time.monotonic())
        self._show()
        self._expire_soon()

    def stopped(self, user_id: int) -> None:
        """Their message arrived: they are done typing it."""
        if self.typists.pop(user_id, None) is not None:
            self._show()

    def _expire(self) -> None:
        now = time.monotonic()
        self.typists = {i: t for i, t in self.typists.items() if now - t[2] < TYPING_SHOWN}
        self._show()
        if self.typists:
            self._expire_soon()

    def _show(self) -> None:
        typists = list(self.typists.values())
        if not typists:
            text = ''
        elif len(typists) == 1:
            name, note, _at = typists[0]
            text = (_('{name} is writing a note…') if note else _('{name} is typing…')).format(name=name)
        else:
            text = _('{names} are typing…').format(names=names([t[0] for t in typists]))
        self.label.set_text(text)   # (only a change goes out)


class Throttle:
    """True at most once every `every` seconds (a sign of typing sent from a page)."""

    def __init__(self, every: float) -> None:
        self.every, self.last = every, -every

    def __call__(self) -> bool:
        now = time.monotonic()
        if now - self.last < self.every:
            return False
        self.last = now
        return True
