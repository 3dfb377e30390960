"""Parley as several processes on loopback: a private PostgreSQL, Redis without persistence, HAProxy with sticky
cookies (docs/haproxy.cfg) and N Parley processes sharing them. `make cluster` runs it until Ctrl+C; the cluster
tests, `make bench` and `make soak` start one the same way.

Everything comes from Debian's packages (the Makefile installs them when missing), listens on 127.0.0.1 only, and
lives in a temporary folder that is removed at the end.
"""
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request

from tests.postgres import cluster as postgres_cluster

ROOT = Path(__file__).resolve().parents[1]
HAPROXY_CONFIG = ROOT / 'docs' / 'haproxy.cfg'
SLOTS = 3   # the processes docs/haproxy.cfg names
_LOG_LINE = re.compile(r'\d{4}-\d\d-\d\d \d\d:\d\d:\d\d')   # where a log record starts (main.py's format)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


def _wait(check, what: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise RuntimeError(f'{what} did not come up within {timeout:.0f} s')
        time.sleep(0.1)


def _answers(port: int) -> bool:
    try:
        with socket.create_connection(('127.0.0.1', port), timeout=0.5):
            return True
    except OSError:
        return False


def healthy(address: str) -> bool:
    try:
        with urllib.request.urlopen(f'{address}/healthz', timeout=2) as response:
            return response.status == 200
    except (urllib.error.URLError, OSError):
        return False


class RedisServer:
    """`redis-server --save ''` on a free port (restartable on the same port)."""

    def __init__(self, folder: Path) -> None:
        self.folder, self.port = folder, free_port()
        self.url = f'redis://127.0.0.1:{self.port}/0'
        self.proc: subprocess.Popen | None = None

    def start(self) -> None:
        if shutil.which('redis-server') is None:
            raise RuntimeError("redis-server is not installed: `make test` installs Debian's redis-server")
        with open(self.folder / 'redis.log', 'a') as log:   # the child keeps its own copy of the file
            self.proc = subprocess.Popen(['redis-server', '--port', str(self.port), '--bind', '127.0.0.1',
                                          '--save', '', '--appendonly', 'no', '--dir', str(self.folder)],
                                         stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        _wait(lambda: _answers(self.port), 'Redis')

    def stop(self) -> None:
        if self.proc is not None:
            self.proc.kill()
            self.proc.wait()
            self.proc = None

    def restart(self, down_for: float = 0.0) -> None:
        """Kill it (everything in it is gone: no persistence) and start it again on the same port."""
        self.stop()
        time.sleep(down_for)
        self.start()


class Process:
    """One Parley process in a slot of the load balancer (its port stays when it restarts)."""

    def __init__(self, slot: int, folder: Path, env: dict[str, str]) -> None:
        self.slot, self.port = slot, free_port()
        self.folder = folder / f'parley{slot}'
        self.folder.mkdir(parents=True, exist_ok=True)
        self.env = {**env, 'PARLEY_PORT': str(self.port), 'PARLEY_DATA_DIR': str(self.folder)}
        self.address = f'http://127.0.0.1:{self.port}'
        self.cookie = f'parley{slot}'   # HAProxy's PARLEY_SERVER value that pins a browser to this process
        self.proc: subprocess.Popen | None = None
        self.logs: list[str] = []

    def start(self, *, wait: bool = True) -> None:
        with open(self.folder / 'server.log', 'a') as log:
            self.proc = subprocess.Popen([sys.executable, 'main.py'], cwd=ROOT, env=self.env, stdout=log,
                                         stderr=subprocess.STDOUT)
        if wait:
            self.wait()

    def wait(self) -> None:
        def up() -> bool:
            if self.proc is not None and self.proc.poll() is not None:
                raise RuntimeError(f'Parley {self.slot} exited:\n{self.log()}')
            return healthy(self.address)
        _wait(up, f'Parley {self.slot}', timeout=90)

    def kill(self) -> None:
        """kill -9: no shutdown, no goodbye to Redis or the database."""
        if self.proc is not None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait()
            self.proc = None

    def stop(self) -> None:
        if self.proc is not None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
            self.proc = None

    def log(self) -> str:
        path = self.folder / 'server.log'
        return path.read_text() if path.exists() else ''


class Cluster:
    """PostgreSQL, Redis, HAProxy and SLOTS Parley processes with the demo workspace; `address` is HAProxy's."""

    def __init__(self, folder: Path, database_url: str, settings: dict[str, str], *, processes: int = SLOTS,
                 port: int | None = None) -> None:
        self.folder, self.database_url = folder, database_url
        self.redis = RedisServer(folder)
        self.port = port or free_port()
        self.address = f'http://127.0.0.1:{self.port}'
        self.password = settings.get('PARLEY_DEMO_PASSWORD') or secrets.token_urlsafe(9)
        env = {k: v for k, v in os.environ.items() if not k.startswith(('PARLEY_', 'PYTEST_', 'NICEGUI_'))}
        self.secret = secrets.token_urlsafe(32)
        env.update({'PARLEY_DATABASE_URL': database_url, 'PARLEY_REDIS_URL': self.redis.url,
                    'PARLEY_STORAGE_SECRET': self.secret, 'PARLEY_TRUSTED_PROXIES': '127.0.0.1',
                    'PARLEY_BASE_URL': self.address, 'PARLEY_FILES_DIR': str(folder / 'files'),
                    'PARLEY_DEMO': 'true', 'PARLEY_DEMO_PASSWORD': self.password, 'PARLEY_POOL_SIZE': '5',
                    **settings})
        self.processes = [Process(slot, folder, env) for slot in range(1, processes + 1)]
        self.haproxy: subprocess.Popen | None = None

    def start(self) -> None:
        self.redis.start()
        first, *others = self.processes
        first.start()   # the database's upgrade and the demo workspace, once, before the others start
        for process in others:
            process.start(wait=False)
        for process in others:
            process.wait()
        self._start_haproxy()

    def _start_haproxy(self) -> None:
        if shutil.which('haproxy') is None:
            raise RuntimeError("haproxy is not installed: `make test` installs Debian's haproxy")
        backends = {f'PARLEY_BACKEND_{slot}': f'127.0.0.1:{self.processes[slot - 1].port}'
                    if slot <= len(self.processes) else '127.0.0.1:1' for slot in range(1, SLOTS + 1)}
        with open(self.folder / 'haproxy.log', 'a') as log:
            self.haproxy = subprocess.Popen(['haproxy', '-db', '-f', str(HAPROXY_CONFIG)],
                                            env={**os.environ, 'PARLEY_LISTEN': f'127.0.0.1:{self.port}', **backends},
                                            stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        _wait(lambda: healthy(self.address), 'HAProxy')

    def stop(self) -> None:
        """Everything this cluster started, each step whatever happened in the one before."""
        try:
            if self.haproxy is not None:
                self.haproxy.terminate()
                self.haproxy.wait(timeout=10)
                self.haproxy = None
        finally:
            try:
                for process in self.processes:
                    process.stop()
            finally:
                self.redis.stop()

    def tracebacks(self) -> str:
        """Every traceback in the processes' logs, each with the line that logged it ('' when there is none): short
        enough that the end of a failed test run shows them whole."""
        found = []
        for process in self.processes:
            lines = process.log().splitlines()
            for start in (n for n, line in enumerate(lines) if line.startswith('Traceback')):
                end = next((n for n in range(start + 1, len(lines)) if _LOG_LINE.match(lines[n])), len(lines))
                found.append(f'Parley {process.slot}:\n' + '\n'.join(lines[max(0, start - 1):min(end, start + 60)]))
        return '\n\n'.join(found)


@contextmanager
def running(settings: dict[str, str] | None = None, *, processes: int = SLOTS, port: int | None = None,
            folder: Path | None = None) -> Iterator[Cluster]:
    """A started cluster with its own PostgreSQL; everything stopped and removed at the end."""
    with ExitStack() as stack:
        if folder is None:
            folder = Path(tempfile.mkdtemp(prefix='parley-cluster-'))
            stack.callback(shutil.rmtree, folder, ignore_errors=True)
        database_url = stack.enter_context(postgres_cluster())
        cluster = Cluster(folder, database_url, settings or {}, processes=processes, port=port)
        stack.callback(cluster.stop)
        cluster.start()
        yield cluster


def main() -> None:
    port = int(os.environ.get('PARLEY_CLUSTER_PORT', '8080'))
    print('Starting PostgreSQL, Redis, 3 Parley processes and HAProxy on 127.0.0.1…', flush=True)
    with running(port=port) as cluster:
        print(f'\nParley (3 processes behind HAProxy) is running at {cluster.address}\n'
              f'  Sign in as alice@example.com (admin), susan@example.com, john@example.com or '
              f'mike@example.com\n  Password: {cluster.password}\n'
              f'  Processes: {", ".join(p.address for p in cluster.processes)} (logs in {cluster.folder})\n'
              f'  Press Ctrl+C to stop everything.\n', flush=True)
        try:
            while True:
                for process in cluster.processes:
                    if process.proc is not None and process.proc.poll() is not None:
                        print(f'Parley {process.slot} stopped; its log:\n{process.log()[-2000:]}', flush=True)
                        process.proc = None
                time.sleep(1)
        except KeyboardInterrupt:
            signal.signal(signal.SIGINT, signal.SIG_IGN)   # a second Ctrl+C must not cut the clean-up short
            print('\nStopping the cluster…', flush=True)
    print('Everything make cluster started is stopped.', flush=True)


if __name__ == '__main__':
    main()
