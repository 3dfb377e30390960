"""The message box shared by the messenger and the live chat.

Enter sends, Shift+Enter breaks the line; errors show inline and keep the text. Each send carries
a client id kept until it succeeds, so a retry after a lost answer is never stored twice.

The text stays in the box until the server has it. Then the browser takes the sent text off the
start of the box itself (`parleySent`), so what was typed in the meantime stays: a value sent by the
server would arrive a round trip late and overwrite it. Until the browser says it has done so, the
server reads the box without that prefix (`text`), so a second Enter cannot send it again.

With `keep` (a key naming the conversation) the browser also keeps the unsent text and its client
id in sessionStorage. If the connection drops for good and the page reloads, the text comes back
with a notice, and sending it again cannot store it twice (same client id).
"""
from collections.abc import Callable
import logging
import re
import uuid

from nicegui import ui

from services import i18n
from services.i18n import N_, _, ngettext
from services.conversations import MAX_MESSAGE_LENGTH
from services.directory import SUGGESTION_LIMIT
from services.errors import ParleyError
from services.views import UserView, size_label
from ui import live
from ui.i18n import aria, prop
from ui.internals import set_quietly
from ui.files import UPLOAD_PATH
from ui.picker import Suggestions

log = logging.getLogger(__name__)

COUNTER_FROM = MAX_MESSAGE_LENGTH - 1000
_MENTION = re.compile(r'(?:^|\s)@([^\s@]{0,40})$')
NOTE_PLACEHOLDER = N_('Write an internal note: only teammates see it…')
# Static script: keep a composer's text (and client id) in this tab; give it back after a reload.
KEEP_SCRIPT = '''
window.parleyKeep = (id, key) => {
  const el = document.getElementById(id);
  const box = el && (el.tagName === "TEXTAREA" ? el : el.querySelector("textarea"));
  if (!box) return;
  try {
    const saved = JSON.parse(sessionStorage.getItem(key) || "null");
    if (saved && saved.text && !box.value) emitEvent("parley_restore_" + id, saved);
  } catch (e) {}
  if (box.dataset.kept) return;   // a reconnect of the same page: already listening
  box.dataset.kept = "1";
  box.addEventListener("input", () => {
    try {
      const cid = box.dataset.cid || el.dataset.cid;
      if (box.value.trim()) sessionStorage.setItem(key, JSON.stringify({text: box.value, cid: cid}));
      else sessionStorage.removeItem(key);
    } catch (e) {}
  });
};
'''


# Static script: the server has a message: take it off the start of the box, keep what was typed since.
SENT_SCRIPT = '''
window.parleySent = (id, cid, sent, next) => {
  const el = document.getElementById(id);
  const box = el && (el.tagName === "TEXTAREA" ? el : el.querySelector("textarea"));
  if (!box || box.dataset.sent === cid) return;   // gone, or NiceGUI sent this again after a reconnect
  box.dataset.sent = cid;
  el.dataset.cid = next;   // the client id of the next message (kept with unsent text)
  emitEvent("parley_sent_" + id, cid);   // first: what the server hears from the box after this is its own
  if (box.value.startsWith(sent)) box.value = box.value.slice(sent.length);
  box.dispatchEvent(new Event("input", {bubbles: true}));
};
'''


def upload_words() -> dict:
    """The words of uploads.js in the page's language ({name}-style placeholders filled in by the browser)."""
    return {'lang': i18n.current().replace('_', '-'), 'byte': ngettext('{count} byte', '{count} bytes', 1),
            'bytes': ngettext('{count} byte', '{count} bytes', 2),
            'pasted': _('Pasted image'), 'tooLarge': _('{name} is {size}; files can be up to {limit}.'),
            'empty': _('{name} is empty (0 bytes): there is nothing to attach.'),
            'failed': _('{name} could not be uploaded (error {status}). Try again.'),
            'dropped': _('{name} did not upload: the connection dropped. Remove it and attach it again.'),
            'drop': _('Drop files to attach them'), 'list': _('Files to send'),
            'progress': _('{percent} of {size}'), 'uploading': _('Uploading {name}'),
            'cancelOf': _('Cancel upload of {name}'), 'removeOf': _('Remove {name}'), 'cancel': _('Cancel upload'),
            'remove': _('Remove')}


class Uploads(ui.element, component='uploads.js'):
    """The files waiting to go with the next message (ui/uploads.js): `ready` holds the ids of those uploaded."""

    def __init__(self, *, limit: int, chat: bool, targets: list[ui.element], paste: ui.element) -> None:
        super().__init__()
        self.ready: list[int] = []
        self.busy = self.failed = 0
        self.props.update(url=UPLOAD_PATH, limit=limit, limitText=size_label(limit), chat=chat,
                          targets=[f'c{t.id}' for t in targets], pasteTarget=f'c{paste.id}', t=upload_words())
        self.on('change', self._changed)

    def _changed(self, event) -> None:
        args = event.args if isinstance(event.args, dict) else {}
        self.ready = [int(i) for i in args.get('ready') or () if isinstance(i, int)]
        self.busy, self.failed = int(args.get('busy') or 0), int(args.get('failed') or 0)

    def pick(self) -> None:
        self.run_method('pick')

    def clear(self) -> None:
        self.ready, self.busy, self.failed = [], 0, 0
        self.run_method('clear')


class Composer:
    def __init__(self, *, on_send: Callable[..., None], action: str, initial: str = '',
                 on_text: Callable[[str], None] | None = None, mentions=None, allow_notes: bool = False,
                 placeholder: str = N_('Write a message…'), hint: bool = True, keep: str | None = None,
                 was_sent: Callable[[str], bool] = lambda client_id: False, autofocus: bool = False,
                 files: dict | None = None, replies=None, edit_last: Callable[[], None] | None = None) -> None:
        """on_send(text, client_id) raises ParleyError with a message for the user when it cannot send.

        files: attachments are on, {'limit': bytes, 'chat': a customer's upload?, 'drop': [elements files may be
        dropped on]}; on_send then gets `files=[ids]` too, and the text may be empty when there are files.

        autofocus: the box takes the focus when the page opens (a conversation just opened: typing goes there).

        mentions: an object with `search(text, limit)` and `mentioned(person)`; "@name" then suggests
        people, and picking one writes "@Full Name " and tells `mentioned`.

        edit_last: ↑ in an empty box edits one's last message (as in Slack).

        replies: an object with `search(text)` (saved replies matching what follows "/") and `fill(reply)` (its
        text for this conversation); "/" at the start of the box then suggests them, and picking one puts it there.
        """
        self.on_send, self.on_text, self.mentions, self.replies = on_send, on_text, mentions, replies
        self.action = action
        self.placeholder = placeholder
        self.client_id = uuid.uuid4().hex
        self._sent: tuple[str, str] | None = None   # (client id, text) sent, until the browser took it off the box
        self._quiet = False
        self.mode = None
        with ui.column().classes('w-full gap-1 px-3 md:px-6 pb-3 pt-2 bg-white border-t border-slate-200 relative') \
                as self.container:
            self.suggestions = Suggestions(self._pick, classes='absolute bottom-full left-3 md:left-6 mb-1 w-80 '
                                                              'max-w-[90%]')
            self.reply_suggestions = Suggestions(self._pick_reply, item=_reply_item, no_match=NO_REPLY,
                                                 classes='absolute bottom-full left-3 md:left-6 mb-1 w-96 max-w-[90%]')
            if allow_notes:
                self.mode = ui.toggle({'reply': 'Reply', 'note': 'Internal note'}, value='reply',
                                      on_change=self._mode_changed) \
                    .props('dense no-caps unelevated rounded toggle-color=primary text-color=grey-8 color=grey-2 '
                           'padding="2px 12px"') \
                    .classes('mb-1 self-start text-sm').mark('mode')
            self.uploads: Uploads | None = None
            files_slot = ui.element().classes('w-full') if files is not None else None   # above the box
            with ui.row().classes('w-full items-end no-wrap gap-2'):
                if files is not None:
                    ui.button(icon='attach_file', on_click=lambda: self.uploads and self.uploads.pick()) \
                        .props('flat round dense color=grey-7 ' + aria('Attach files')) \
                        .tooltip(_('Attach files (or drop or paste them here)')).classes('mb-1').mark('attach')
                self.box = ui.textarea(placeholder=_(placeholder), value=initial, on_change=self._changed) \
                    .props('outlined dense autogrow rows=1 input-class="max-h-48" ' + aria('Message')
                           + (' autofocus' if autofocus else '')).classes('flex-1').mark('composer')
                if action == 'Send':
                    self.send_button = ui.button(icon='send', on_click=self.submit) \
                        .props('unelevated round ' + aria('Send')).tooltip(_('Send (Enter)')).mark('send')
            with ui.row().classes('w-full items-center no-wrap gap-2 min-h-[1.25rem]'):
                self.error = ui.label().classes('text-negative text-sm flex-1').props('role=alert')
                if hint:
                    ui.label(_('Enter to send · Shift+Enter for a new line')).classes('text-xs text-slate-400 '
                                                                                    'max-sm:hidden')
                self.counter = ui.label().classes('text-xs text-slate-500')
                if action != 'Send':  # a labelled button gets its own line end, so phones keep a wide box
                    ui.button(_(action), icon='send', on_click=self.submit).props('unelevated no-caps').mark('create')
        if files is not None and files_slot is not None:
            with files_slot:
                self.uploads = Uploads(limit=files['limit'], chat=files.get('chat', False),
                                       targets=[self.container, *files.get('drop', ())], paste=self.box) \
                    .mark('uploads')
        self.keep = f'parley_unsent_{keep}' if keep else None
        self.was_sent = was_sent
        _install(SENT_SCRIPT)
        ui.on(f'parley_sent_c{self.box.id}', self._taken_off)
        if self.keep:
            self.box.props(f'data-cid={self.client_id}')
            _install(KEEP_SCRIPT)
            ui.on(f'parley_restore_c{self.box.id}', self._restore)
            client = ui.context.client
            start = f'window.parleyKeep && window.parleyKeep("c{self.box.id}", "{self.keep}")'
            if client.has_socket_connection:   # built after the page connected (the live chat)
                ui.run_javascript(start)
            client.on_connect(lambda: client.run_javascript(start))
        self.box.on('keydown.enter.exact.prevent', self._enter)
        self.box.on('keydown.down', lambda: self._open_suggestions().move(1))
        self.box.on('keydown.up', self._up)
        self.edit_last = edit_last
        self.box.on('keydown.esc', lambda: (self.suggestions.close(), self.reply_suggestions.close()))
        self._update_counter()

    @property
    def is_note(self) -> bool:
        return self.mode is not None and self.mode.value == 'note'

    @property
    def text(self) -> str:
        """What the box holds for the next message (without a sent text the browser has yet to take off)."""
        value = self.box.value or ''
        if self._sent is not None and value.startswith(self._sent[1]):
            return value[len(self._sent[1]):]
        return value

    def submit(self) -> None:
        text = self.text
        uploads = self.uploads
        if uploads is not None and uploads.busy:
            self.error.text = _('Wait until the files have uploaded, or remove them.')
            return
        try:
            if uploads is not None:
                self.on_send(text, self.client_id, files=list(uploads.ready))
            else:
                self.on_send(text, self.client_id)
        except ParleyError as problem:
            self.error.text = str(problem)
            return
        except Exception:  # e.g. the database is busy: say so, keep the text, let them retry
            log.warning('sending failed; the text stays in the composer for a retry', exc_info=True)
            self.error.text = _('Could not send just now. Your text is kept; try again in a moment.')
            return
        self._sent, self.client_id = (self.client_id, text), uuid.uuid4().hex
        self.error.text = ''
        if uploads is not None and uploads.ready:
            uploads.clear()
        if self.keep:
            with self.box.props.suspend_updates():   # parleySent tells the browser; an update would redraw the box
                self.box.props['data-cid'] = self.client_id
        live.run('window.parleySent', f'c{self.box.id}', self._sent[0], text, self.client_id)
        self._quiet = True
        try:
            set_quietly(self.box, self.text)
        finally:
            self._quiet = False
        self.box.run_method('focus')
        live.flush()

    def _taken_off(self, event) -> None:
        if self._sent is not None and event.args == self._sent[0]:
            self._sent = None

    def _restore(self, event) -> None:
        """The browser kept an unsent text from before a reload: put it back, with the same client id."""
        saved = event.args if isinstance(event.args, dict) else {}
        text, client_id = str(saved.get('text') or ''), str(saved.get('cid') or '')
        if not text.strip() or self.box.value:
            return
        if re.fullmatch(r'[0-9a-f]{32}', client_id):
            if self.was_sent(client_id):   # it got out just before the page went: nothing to restore
                ui.run_javascript(f'try {{ sessionStorage.removeItem("{self.keep}") }} catch (e) {{}}')
                return
            self.client_id = client_id
            self.box.props(f'data-cid={client_id}')
        self.box.value = text[:MAX_MESSAGE_LENGTH + 1000]
        self.error.text = _('Not sent yet: the connection dropped. Your message is back here; press Enter to send '
                            'it.')

    def _mode_changed(self) -> None:
        note = self.is_note
        self.box.props(prop('placeholder', NOTE_PLACEHOLDER if note else self.placeholder))
        if note:
            self.box.classes(add='parley-note-box')
        else:
            self.box.classes(remove='parley-note-box')
        self.box.run_method('focus')

    def _up(self) -> None:
        if self.suggestions.is_open or self.reply_suggestions.is_open:
            self._open_suggestions().move(-1)
        elif self.edit_last is not None and not self.text:
            self.edit_last()

    def _open_suggestions(self) -> Suggestions:
        return self.reply_suggestions if self.reply_suggestions.is_open else self.suggestions

    def _enter(self) -> None:
        if self.suggestions.pick_highlighted() or self.reply_suggestions.pick_highlighted():
            return
        if self.action == 'Send' and not self.text.strip() and not (self.uploads and (self.uploads.ready or
                                                                                   self.uploads.busy)):
            if self.text:   # only spaces or blank lines: say why nothing went, as for an empty send
                self.error.text = _('Write a message first.')
            return   # Enter in an empty box (or a second Enter right after sending) does nothing, as in any messenger
        self.submit()

    def _changed(self) -> None:
        if self._sent is not None and not self._quiet and not (self.box.value or '').startswith(self._sent[1]):
            self._sent = None   # the browser's box no longer starts with the sent text: nothing left to skip
        text = self.text
        if self.error.text and text.strip():
            self.error.text = ''
        self._update_counter()
        if self.on_text:
            self.on_text(text)
        if self.mentions is not None:
            self._suggest(text)
        if self.replies is not None:
            self._suggest_reply(text)

    def _update_counter(self) -> None:
        length = len(self.text.strip())
        self.counter.text = f'{length:,} / {MAX_MESSAGE_LENGTH:,}' if length >= COUNTER_FROM else ''
        self.counter.classes(replace='text-xs ' + ('text-negative font-semibold' if length > MAX_MESSAGE_LENGTH
                                                   else 'text-slate-500'))

    # "@name" offers people; the draft adds the chosen one as a participant, a thread just mentions them.
    def _suggest(self, text: str) -> None:
        match = _MENTION.search(text)
        if match is None:
            self.suggestions.close()
            return
        self.suggestions.show(self.mentions.search(match.group(1), SUGGESTION_LIMIT))

    def _pick(self, person: UserView) -> None:
        text = self.text
        match = _MENTION.search(text)
        if match is not None:
            text = text[:match.start(1) - 1] + f'@{person.name} '
        self.suggestions.close()
        value = self.box.value or ''   # a sent text the browser has yet to take off, then `self.text`
        # re-runs _suggest, which finds no "@" at the end and stays closed; what was typed since stays
        live.replace_start(self.box, value[:len(value) - len(self.text)] + text)
        self.mentions.mentioned(person)
        self.box.run_method('focus')


    # "/" at the start offers saved replies; the chosen one takes the place of what was typed.
    def _suggest_reply(self, text: str) -> None:
        match = _SLASH.fullmatch(text)
        if match is None:
            self.reply_suggestions.close()
            return
        self.reply_suggestions.show(self.replies.search(match.group(1)))

    def _pick_reply(self, reply) -> None:
        self.reply_suggestions.close()
        value = self.box.value or ''
        live.replace_start(self.box, value[:len(value) - len(self.text)] + self.replies.fill(reply))
        self.box.run_method('focus')


NO_REPLY = N_('No saved reply matches. Keep your answers in Saved replies (account menu).')
_SLASH = re.compile(r'/([^\n/]{0,40})')


def _reply_item(reply, on_click: Callable[[], None], *, highlighted: bool = False) -> None:
    highlight = ' bg-indigo-50' if highlighted else ''
    with ui.item(on_click=on_click).classes('w-full rounded-md parley-item' + highlight) \
            .props('role=option' + (' aria-selected=true' if highlighted else '')).mark(f'saved-{reply.shortcut}'):
        with ui.item_section():
            with ui.row().classes('items-baseline gap-2 no-wrap'):
                ui.label(f'/{reply.shortcut}').classes('font-mono text-xs text-primary')
                ui.item_label(reply.title).classes('font-medium truncate')
            ui.item_label(' '.join(reply.body.split())[:90]).props('caption lines=1')


def _install(script: str) -> None:
    """A static script for this page: in its head, or run now if the page is already up (the live chat's box)."""
    client = ui.context.client
    if client.has_socket_connection:
        ui.run_javascript(script)
    else:
        ui.add_head_html(f'<script>{script}</script>')
