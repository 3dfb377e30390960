"""A private PostgreSQL for the tests, from Debian's `postgresql` package (make test installs it when missing).

initdb refuses root, so when the tests run as root the cluster belongs to the `postgres` user the package
creates. It lives in a temporary folder, listens on a free port on 127.0.0.1 only, with fsync off (nothing here
needs to survive a power cut), and is stopped at the end of the session.
"""
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time


def binaries() -> Path | None:
    """The newest installed server's bin folder, or None."""
    found = sorted(glob.glob('/usr/lib/postgresql/*/bin/initdb'), key=lambda p: int(Path(p).parts[4]))
    return Path(found[-1]).parent if found else None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


@contextmanager
def cluster() -> Iterator[str]:
    """A running server; yields the URL of an empty database `parley` on it (postgresql+psycopg://)."""
    bin_dir = binaries()
    if bin_dir is None:
        raise RuntimeError('PostgreSQL is not installed: `make test` installs Debian\'s postgresql package')
    as_postgres = os.geteuid() == 0
    folder = Path(tempfile.mkdtemp(prefix='parley-pg-'))
    data, port = folder / 'data', _free_port()
    if as_postgres:
        owner = pwd.getpwnam('postgres')
        os.chown(folder, owner.pw_uid, owner.pw_gid)

    def run(*command: str) -> None:
        prefix = ['runuser', '-u', 'postgres', '--'] if as_postgres else []
        subprocess.run([*prefix, *command], check=True, capture_output=True, cwd=folder)
    try:
        run(str(bin_dir / 'initdb'), '-D', str(data), '-U', 'postgres', '-A', 'trust', '-E', 'UTF8',
            '--no-sync', '--locale=C')
        run(str(bin_dir / 'pg_ctl'), '-D', str(data), '-l', str(folder / 'server.log'), '-w', '-t', '60', '-o',
            f'-p {port} -h 127.0.0.1 -k {folder} -c fsync=off -c synchronous_commit=off '
            '-c full_page_writes=off -c max_connections=200', 'start')
        run(str(bin_dir / 'createdb'), '-h', '127.0.0.1', '-p', str(port), '-U', 'postgres', 'parley')
        yield f'postgresql+psycopg://postgres@127.0.0.1:{port}/parley'
    finally:
        subprocess.run([*(['runuser', '-u', 'postgres', '--'] if as_postgres else []), str(bin_dir / 'pg_ctl'),
                        '-D', str(data), '-m', 'immediate', 'stop'], capture_output=True, cwd=folder)
        time.sleep(0.1)
        shutil.rmtree(folder, ignore_errors=True)
