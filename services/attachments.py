"""Attached files: what may be kept, who may download it, and how it is shown.

An upload is streamed into the file store (services.files) and checked before it is kept: its type comes from its
bytes (never its name), an empty file or a program is refused, a name is cleaned. A raster image Pillow can read
gets a thumbnail and a large version, both with the orientation applied and no metadata (GPS position, camera).
The upload then waits, staged, until its uploader sends a message with it (services.conversations claims it) or
it expires. A file is served only to someone who may read its message: agents by their session, customers by a
signed, expiring link (the live chat's and the email's), and a note's files never to a customer.
"""
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from functools import partial
from datetime import datetime, timedelta
from io import BytesIO
from urllib.parse import quote
import logging
import time
import warnings

from PIL import Image, ImageOps
import puremagic
from sqlalchemy import delete as sql_delete, update
from sqlmodel import col, func, select

from models import Attachment, Message, User, UserKind
from models._types import utcnow
from services import access
from services.i18n import N_
from services.access import acting, is_id
from services.db import Database
from services.errors import InvalidInput, NotFound
from services.files import FileStore, Pending
from services.mailparse import MailFile
from services.tokens import ChatTokens
from services.text import one_line
from services.views import AttachmentView, UserView, size_label

log = logging.getLogger(__name__)

FILE_NOT_FOUND = N_('This file does not exist, or is not yours to open.')
LINK_PURPOSE = 'file'
MAX_FILES = 10            # files one message carries
MAX_STAGED = 30           # uploads one person may have waiting, unsent
STAGED_FOR = timedelta(hours=24)   # an upload nobody sent is removed after this
SWEEP_EVERY = 600.0      # seconds between sweeps of expired uploads and unused files
ORPHAN_GRACE = 3600.0     # seconds a stored file with no row is left alone (an upload between its commit and row)
MAX_NAME = 120
THUMBNAIL = 480           # px: the longer side of a thumbnail in the thread
PREVIEW = 1600            # px: the longer side of an image opened large
MAX_PIXELS = 50_000_000   # larger images (or decompression bombs) are offered as files, never decoded
RASTER = {'PNG': 'image/png', 'JPEG': 'image/jpeg', 'GIF': 'image/gif', 'WEBP': 'image/webp'}
# Programs: refused whatever their name says ("invoice.png" that is a Windows program).
_PROGRAMS = (b'MZ', b'\x7fELF', b'\xfe\xed\xfa\xce', b'\xfe\xed\xfa\xcf', b'\xce\xfa\xed\xfe', b'\xcf\xfa\xed\xfe',
             b'\xca\xfe\xba\xbe')


class Variant(StrEnum):
    """Which copy of a kept file: as sent, the large image, the thumbnail."""
    ORIGINAL = 'original'
    PREVIEW = 'preview'
    THUMBNAIL = 'thumb'


@dataclass(frozen=True)
class ServedFile:
    """A file as the web layer sends it: where its bytes are, and the headers they need."""
    digest: str
    name: str
    content_type: str
    inline: bool   # a raster image, shown in the page; everything else is a download
    size: int


def address(attachment: AttachmentView, variant: str = Variant.ORIGINAL, token: str | None = None) -> str:
    """Where a kept file is served (ui/files.py), for its readers; a customer's address carries their signed link."""
    query = [f'v={variant}'] if variant != Variant.ORIGINAL else []
    if token:
        query.append(f't={token}')
    return f'/files/{attachment.id}/{quote(attachment.name, safe="")}' + ('?' + '&'.join(query) if query else '')


def clean_name(raw: str | None) -> str:
    """A file name safe to show and to send in a header: no folders, no control or direction-changing characters,
    at most MAX_NAME characters (the extension kept)."""
    name = one_line((raw or '').replace('\\', '/').rsplit('/', 1)[-1]).strip(' .')
    if len(name) > MAX_NAME:
        stem, dot, extension = name.rpartition('.')
        if dot and 0 < len(extension) <= 10 and stem:
            name = stem[:MAX_NAME - len(extension) - 2].rstrip() + '….' + extension
        else:
            name = name[:MAX_NAME - 1].rstrip() + '…'
    return name or 'file'


def sniff(head: bytes) -> str:
    """A file's type from its first bytes; application/octet-stream when they say nothing known."""
    start = head.lstrip()[:512].lower()
    if start.startswith((b'<svg', b'<?xml')) and b'<svg' in head.lower():
        return 'image/svg+xml'
    if start.startswith((b'<!doctype html', b'<html', b'<script', b'<body', b'<head')):
        return 'text/html'
    try:
        found = puremagic.from_string(head, mime=True)
    except (puremagic.PureError, ValueError, TypeError):
        found = ''
    if found:
        return found
    try:
        head.decode('utf-8')
        return 'text/plain'
    except UnicodeDecodeError:
        return 'application/octet-stream'


def is_program(head: bytes) -> bool:
    return head.startswith(_PROGRAMS)


@dataclass(frozen=True)
class _Pictures:
    kind: str
    width: int
    height: int
    thumbnail: bytes
    preview: bytes


def _pictures(read: Callable[[], object]) -> _Pictures | None:
    """The thumbnail and large version of a raster image (orientation applied, metadata gone); None otherwise."""
    try:
        with read() as source, warnings.catch_warnings():   # type: ignore[attr-defined]
            warnings.simplefilter('error', Image.DecompressionBombWarning)
            with Image.open(source) as image:
                if image.format not in RASTER or image.width * image.height > MAX_PIXELS:
                    return None
                kind = RASTER[image.format]
                upright = ImageOps.exif_transpose(image)
                png = kind != 'image/jpeg'
                return _Pictures(kind, upright.width, upright.height, _encode(upright, THUMBNAIL, png),
                                 _encode(upright, PREVIEW, png))
    except (OSError, ValueError, SyntaxError, Image.DecompressionBombError, Image.DecompressionBombWarning):
        return None


def _encode(image: Image.Image, box: int, png: bool) -> bytes:
    """A smaller copy, saved afresh (PNG for PNG, GIF and WebP; JPEG for photos): no metadata goes with it."""
    copy = image.copy()
    copy.thumbnail((box, box))
    out = BytesIO()
    if png:
        copy.convert('RGBA').save(out, 'PNG')
    else:
        copy.convert('RGB').save(out, 'JPEG', quality=85)
    return out.getvalue()


def _view(row: Attachment) -> AttachmentView:
    return AttachmentView(name=row.name, size=row.size, id=row.id, content_type=row.content_type, image=row.image,
                          width=row.width, height=row.height)


class AttachmentService:
    def __init__(self, db: Database, store: FileStore, tokens: ChatTokens, *, max_bytes: int, public_url: str = '',
                 link_lifetime: timedelta = timedelta(days=7), clock: Callable[[], datetime] = utcnow) -> None:
        self.public_url = public_url
        self.db, self.store, self.tokens = db, store, tokens
        self.max_bytes, self.link_lifetime, self.clock = max_bytes, link_lifetime, clock
        self._swept = time.monotonic()   # the first sweep a while after the start

    # ----- uploads ----------------------------------------------------------------------------

    def too_large(self, name: str, size: int | None = None) -> InvalidInput:
        """The refusal of a file over the limit (sizes in the reader's language when it is shown)."""
        limit = self.max_bytes
        if size:
            return InvalidInput('{name} is {size}; files can be up to {limit}.', name=clean_name(name),
                                size=lambda: size_label(size), limit=lambda: size_label(limit))
        return InvalidInput('{name} is too large: files can be up to {limit}.', name=clean_name(name),
                            limit=lambda: size_label(limit))

    @acting
    def begin(self, actor: UserView, *, name: str, declared_size: int | None) -> Pending:
        """Start receiving a file (refused at once when it says it is too large, or the actor has too many
        waiting). Write it chunk by chunk, then `finish`; `abort` when the upload breaks off."""
        if declared_size is not None and declared_size > self.max_bytes:
            raise self.too_large(name, declared_size)
        if declared_size == 0:
            raise InvalidInput('{clean_name} is empty (0 bytes): there is nothing to attach.',
                               clean_name=clean_name(name))
        with self.db.session() as session:
            waiting = session.exec(select(func.count()).select_from(Attachment).where(
                Attachment.uploader_id == actor.id, col(Attachment.message_id).is_(None))).one()
        if waiting >= MAX_STAGED:
            raise InvalidInput('You have {waiting} files waiting to be sent. Send or remove some first.',
                               waiting=waiting)
        return self.store.writer(self.max_bytes, self.too_large(name))

    @acting
    def finish(self, actor: UserView, pending: Pending, *, name: str) -> AttachmentView:
        """Check a received file and keep it, staged for the actor's next message (blocking: Pillow and disk)."""
        name = clean_name(name)
        try:
            kind = self._check(name, pending.size, pending.head)
            pictures = _pictures(pending.read) if kind.startswith('image/') else None
            digest = pending.commit()
        except BaseException:
            pending.abort()
            raise
        return self._keep(name, pending.size, kind, digest, pictures, uploader_id=actor.id)

    def _check(self, name: str, size: int, head: bytes) -> str:
        if size == 0:
            raise InvalidInput('{name} is empty (0 bytes): there is nothing to attach.', name=name)
        if size > self.max_bytes:
            raise self.too_large(name, size)
        if is_program(head):
            raise InvalidInput('{name} is a program, whatever its name says: programs cannot be attached.', name=name)
        return sniff(head)

    def _keep(self, name: str, size: int, kind: str, digest: str, pictures: _Pictures | None, *,
              uploader_id: int | None = None, inbound_id: int | None = None) -> AttachmentView:
        row = Attachment(name=name, size=size, content_type=pictures.kind if pictures else kind, digest=digest,
                         uploader_id=uploader_id, inbound_id=inbound_id, created_at=self.clock())
        if pictures is not None:
            row.image, row.width, row.height = True, pictures.width, pictures.height
            row.thumb_digest = self.store.put(pictures.thumbnail)
            row.preview_digest = self.store.put(pictures.preview)
        with self.db.transaction() as tx:
            tx.session.add(row)
            tx.session.flush()
            view = _view(row)
        return view

    @acting
    def remove_staged(self, actor: UserView, attachment_id: int) -> None:
        """The uploader takes a file off their message before sending it."""
        if not is_id(attachment_id):
            return
        with self.db.transaction() as tx:
            tx.session.exec(sql_delete(Attachment).where(
                col(Attachment.id) == attachment_id, col(Attachment.uploader_id) == actor.id,
                col(Attachment.message_id).is_(None), col(Attachment.inbound_id).is_(None)))

    def from_email(self, files: Iterable[MailFile], *, uploader_id: int | None = None,
                   inbound_id: int | None = None) -> tuple[AttachmentView, ...]:
        """Keep the files an email carried, for the message it becomes (sent by uploader_id, or waiting with the
        inbound email for an admin); one that cannot be kept (too large, a program, empty) is listed only."""
        views = []
        for file in files:
            name, data = clean_name(file.name), file.data
            try:
                kind = self._check(name, len(data), data[:8192])
            except InvalidInput:
                views.append(AttachmentView(name=name, size=len(data)))
                continue
            pictures = _pictures(partial(BytesIO, data)) if kind.startswith('image/') else None
            views.append(self._keep(name, len(data), kind, self.store.put(data), pictures, uploader_id=uploader_id,
                                    inbound_id=inbound_id))
        return tuple(views)

    # ----- downloads --------------------------------------------------------------------------

    @acting
    def file(self, actor: UserView, attachment_id: object, variant: str = Variant.ORIGINAL) -> ServedFile:
        """The file if the actor may read its message (or it is their own upload, not sent yet); NotFound else."""
        with self.db.session() as session:
            row = session.get(Attachment, attachment_id) if is_id(attachment_id) else None
            if row is None:
                raise NotFound(FILE_NOT_FOUND)
            if row.message_id is None:
                if row.uploader_id != actor.id:
                    raise NotFound(FILE_NOT_FOUND)
            else:
                message = session.get(Message, row.message_id)
                if message is None or message.deleted_at is not None or (
                        message.is_note and not access.sees_notes(actor)):
                    raise NotFound(FILE_NOT_FOUND)
                try:
                    access.conversation(session, actor, message.conversation_id)
                except NotFound:
                    raise NotFound(FILE_NOT_FOUND) from None
            return _served(row, variant)

    def link_token(self, customer_id: int, attachment_id: int) -> str:
        """A customer's signed, expiring key to one file (the live chat's images, the email's links)."""
        with self.db.session() as session:
            user = session.get(User, customer_id)
            generation = user.session_generation if user is not None else 0
        return self.tokens.issue(LINK_PURPOSE, customer_id, attachment_id, self.link_lifetime, generation)

    def email_link(self, customer_id: int, attachment: AttachmentView) -> str:
        """The full address of a kept file for an email to this customer ('' for a file only listed)."""
        if not attachment.kept:
            return ''
        return self.public_url + address(attachment, token=self.link_token(customer_id, attachment.id or 0))

    def file_by_link(self, token: str, attachment_id: object, variant: str = Variant.ORIGINAL) -> ServedFile:
        """The file a customer's link names, if it is still theirs to read; NotFound otherwise (expired, another
        file's link, signed out everywhere since)."""
        try:
            customer_id, named, generation = self.tokens.read(token, LINK_PURPOSE)
        except NotFound:
            raise NotFound(FILE_NOT_FOUND) from None
        if named != attachment_id:
            raise NotFound(FILE_NOT_FOUND)
        with self.db.session() as session:
            user = session.get(User, customer_id)
            if user is None or user.kind != UserKind.CUSTOMER or user.session_generation != generation:
                raise NotFound(FILE_NOT_FOUND)
            customer = access.to_view(user)
        return self.file(customer, attachment_id, variant)

    # ----- upkeep -----------------------------------------------------------------------------

    def sweep_now_and_then(self) -> None:
        """The background round's: a sweep every SWEEP_EVERY seconds."""
        now = time.monotonic()
        if now - self._swept >= SWEEP_EVERY:
            self._swept = now
            self.sweep()

    def sweep(self) -> int:
        """Remove uploads nobody sent within STAGED_FOR, and stored files no row names any more; how many files."""
        cutoff = self.clock() - STAGED_FOR
        with self.db.transaction() as tx:
            tx.session.exec(sql_delete(Attachment).where(
                col(Attachment.message_id).is_(None), col(Attachment.inbound_id).is_(None),
                col(Attachment.created_at) < cutoff))
        with self.db.session() as session:
            named: set[str] = set()
            for row in session.exec(select(Attachment.digest, Attachment.thumb_digest, Attachment.preview_digest)):
                named.update(d for d in row if d)
        removed, now = 0, time.time()
        for digest, written in list(self.store.stored()):
            if digest not in named and now - written > ORPHAN_GRACE:
                self.store.delete(digest)
                removed += 1
        sweep_temporary = getattr(self.store, 'sweep_temporary', None)
        if sweep_temporary is not None:
            removed += sweep_temporary(ORPHAN_GRACE)
        return removed


GONE = N_('A file of this message is no longer waiting to be sent (it expired or was removed). Attach it again.')


def staged(session, actor: UserView, ids: Sequence[int]) -> list[AttachmentView]:
    """The actor's unsent uploads with these ids, in that order (for the send path, in its session);
    InvalidInput when one is gone (expired, removed, sent already)."""
    ids = list(dict.fromkeys(ids))
    if len(ids) > MAX_FILES:
        raise InvalidInput('A message can carry up to {max_files} files; this one has {count}.',
                           max_files=MAX_FILES, count=len(ids))
    if not all(is_id(i) for i in ids):
        raise InvalidInput(GONE)
    rows = {r.id: r for r in session.exec(select(Attachment).where(
        col(Attachment.id).in_(ids), Attachment.uploader_id == actor.id, col(Attachment.message_id).is_(None)))}
    if len(rows) != len(ids):
        raise InvalidInput(GONE)
    return [_view(rows[i]) for i in ids]


def claim(session, attachments: Sequence[AttachmentView], *, message_id: int, conversation_id: int) -> None:
    """The message carries these kept files now (the send path, in its transaction)."""
    ids = [a.id for a in attachments if a.id is not None]
    if ids:
        session.exec(update(Attachment).where(col(Attachment.id).in_(ids), col(Attachment.message_id).is_(None))
                     .values(message_id=message_id, conversation_id=conversation_id, inbound_id=None))


def forget(session, message_ids: Sequence[int]) -> None:
    """Deleted messages' files are nobody's any more: their rows go (the sweep removes the bytes)."""
    if message_ids:
        session.exec(sql_delete(Attachment).where(col(Attachment.message_id).in_(list(message_ids))))


def _served(row: Attachment, variant: str) -> ServedFile:
    if variant == Variant.THUMBNAIL and row.thumb_digest:
        return ServedFile(row.thumb_digest, row.name, 'image/png' if _png(row) else 'image/jpeg', True, 0)
    if variant == Variant.PREVIEW and row.preview_digest:
        return ServedFile(row.preview_digest, row.name, 'image/png' if _png(row) else 'image/jpeg', True, 0)
    if variant not in (Variant.ORIGINAL, Variant.THUMBNAIL, Variant.PREVIEW):
        raise NotFound(FILE_NOT_FOUND)
    return ServedFile(row.digest, row.name, row.content_type if row.image else _download_type(row.content_type),
                      row.image, row.size)


def _png(row: Attachment) -> bool:
    return row.content_type in ('image/png', 'image/gif', 'image/webp')


def _download_type(kind: str) -> str:
    """What a download is labelled: never a type a browser would run (it is a download anyway, with nosniff)."""
    if kind in ('text/html', 'image/svg+xml', 'application/xhtml+xml', 'text/xml', 'application/xml') or \
            'javascript' in kind or not kind:
        return 'application/octet-stream'
    return kind


__all__ = ['FILE_NOT_FOUND', 'MAX_FILES', 'AttachmentService', 'ServedFile', 'Variant', 'claim', 'clean_name',
           'forget', 'staged']
