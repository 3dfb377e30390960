"""Where attached files' bytes live: one small interface, a folder by default.

Files are named by the sha256 of their content, so the same file sent twice is stored once. Each is written to a
temporary file first, flushed to disk and then renamed into place: a crash leaves either the whole file or a
temporary one (which `sweep_temporary` removes), never half a file under a real name. The several-process layout
shares this folder; an S3-compatible store would implement the same five methods (`writer` streaming a multipart
upload, `local_path` returning None so files are streamed from `open`).
"""
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO, Protocol
import hashlib
import os
import re
import time
import uuid

from services.errors import InvalidInput

CHUNK = 64 * 1024
HEAD = 8192   # bytes kept from the start of an upload, to tell its type
_DIGEST = re.compile(r'[0-9a-f]{64}')


class TooLarge(InvalidInput):
    """A file over the size limit (stopped before the rest of it is read)."""


class Pending(Protocol):
    size: int
    head: bytes

    def write(self, chunk: bytes) -> None: ...
    def read(self) -> BinaryIO: ...
    def commit(self) -> str: ...
    def abort(self) -> None: ...


class FileStore(Protocol):
    def writer(self, limit: int, too_large: InvalidInput) -> Pending: ...
    def put(self, data: bytes) -> str: ...
    def open(self, digest: str) -> BinaryIO: ...
    def local_path(self, digest: str) -> Path | None: ...
    def delete(self, digest: str) -> None: ...
    def stored(self) -> Iterator[tuple[str, float]]: ...


class _FolderWriter:
    """One upload on its way into the folder: written through a temporary file, hashed as it comes."""

    def __init__(self, store: 'FolderStore', limit: int, too_large: InvalidInput) -> None:
        self._store, self._limit, self._too_large = store, limit, too_large
        self.path = store.temporary / f'{uuid.uuid4().hex}.part'
        self._file: BinaryIO | None = open(self.path, 'xb')   # noqa: SIM115 (closed in commit/abort)
        self._hash = hashlib.sha256()
        self.size = 0
        self.head = b''

    def write(self, chunk: bytes) -> None:
        if self._file is None:
            raise ValueError('this upload is finished')
        self.size += len(chunk)
        if self.size > self._limit:
            self.abort()
            raise TooLarge(self._too_large.message_id, **self._too_large.arguments)
        if len(self.head) < HEAD:
            self.head += chunk[:HEAD - len(self.head)]
        self._hash.update(chunk)
        self._file.write(chunk)

    def read(self) -> BinaryIO:
        """The bytes written so far (to look at an image before it is kept)."""
        if self._file is not None:
            self._file.flush()
        return open(self.path, 'rb')

    def commit(self) -> str:
        """Keep the file under its digest (once: the same content is already there, or arrives now)."""
        if self._file is None:
            raise ValueError('this upload is finished')
        self._file.flush()
        os.fsync(self._file.fileno())
        self._file.close()
        self._file = None
        digest = self._hash.hexdigest()
        target = self._store.path_of(digest)
        target.parent.mkdir(exist_ok=True)
        if target.exists():
            self.path.unlink(missing_ok=True)
            os.utime(target)   # in use again: not an orphan for the sweep's grace period
        else:
            os.replace(self.path, target)
        return digest

    def abort(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None
        self.path.unlink(missing_ok=True)


class FolderStore:
    """Files under `root` (PARLEY_DATA_DIR/files by default): root/ab/abcdef..., temporary ones in root/tmp."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)
        self.temporary = self.root / 'tmp'
        self.temporary.mkdir(parents=True, exist_ok=True)

    def path_of(self, digest: str) -> Path:
        if not _DIGEST.fullmatch(digest):
            raise ValueError('not a file digest')
        return self.root / digest[:2] / digest

    def writer(self, limit: int, too_large: InvalidInput) -> _FolderWriter:
        return _FolderWriter(self, limit, too_large)

    def put(self, data: bytes) -> str:
        """Keep these bytes (a thumbnail, a file from an email); their digest."""
        writer = self.writer(len(data), InvalidInput('This file is too large.'))
        try:
            writer.write(data)
            return writer.commit()
        except BaseException:
            writer.abort()
            raise

    def open(self, digest: str) -> BinaryIO:
        return open(self.path_of(digest), 'rb')

    def local_path(self, digest: str) -> Path | None:
        path = self.path_of(digest)
        return path if path.is_file() else None

    def delete(self, digest: str) -> None:
        self.path_of(digest).unlink(missing_ok=True)

    def stored(self) -> Iterator[tuple[str, float]]:
        """(digest, last written) of every kept file."""
        for folder in self.root.iterdir():
            if len(folder.name) == 2 and folder.is_dir():
                for path in folder.iterdir():
                    if _DIGEST.fullmatch(path.name):
                        yield path.name, path.stat().st_mtime

    def sweep_temporary(self, older_than: float) -> int:
        """Remove temporary files older than this many seconds (an upload a crash cut short); how many."""
        removed, now = 0, time.time()
        for path in self.temporary.glob('*.part'):
            try:
                if now - path.stat().st_mtime > older_than:
                    path.unlink()
                    removed += 1
            except FileNotFoundError:
                pass
        return removed
