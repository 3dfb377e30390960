"""Uploading a large file: the server's memory stays flat (the file is streamed to disk, never held whole).

A Parley process of its own; a customer's chat session (its token, as the live chat sends it) uploads a file of
random bytes (no image work) to POST /files while a thread reads the server's RSS every 5 ms. Beside it, in the same
run, a plain copy of the same file on the same disk: what writing those bytes costs at least.
"""
from pathlib import Path
import os
import shutil
import statistics
import sys
import threading
import time

import httpx

from bench.browser import free_port, process, rss_mb
from services.config import Settings
from services.container import build_parley
from tests.conftest import cid

CHUNK = 256 * 1024


def run(folder: Path, *, size_mb: int = 20, rounds: int = 3) -> dict:
    folder.mkdir(parents=True, exist_ok=True)
    parley = build_parley(Settings(database_url=f'sqlite:///{folder / "parley.db"}', data_dir=folder))
    try:
        customer = parley.directory.create_customer(name='Bench Customer', email='bench@example.com')
        token = parley.chat.session_token(parley.chat.start(customer, body='A large file follows', client_id=cid()))
    finally:
        parley.close()
    source = folder / 'upload.bin'
    with open(source, 'wb') as file:
        for _ in range(size_mb * 4):
            file.write(os.urandom(256 * 1024))
    port = free_port()
    env = {**os.environ, 'PARLEY_DATABASE_URL': f'sqlite:///{folder / "parley.db"}', 'PARLEY_PORT': str(port),
           'PARLEY_DATA_DIR': str(folder), 'PARLEY_DEMO': 'false'}
    with process([sys.executable, 'main.py'], env, port, folder / 'parley.log') as server:
        base = f'http://127.0.0.1:{port}'
        with httpx.Client(base_url=base, timeout=120) as client:
            _upload(client, token, source, limit=64 * 1024)   # warm: the first request's imports and caches
            before = rss_mb(server.pid)
            uploads, peaks = [], []
            for _ in range(rounds):
                seconds, peak = _watched(server.pid, lambda: _upload(client, token, source))
                uploads.append(seconds)
                peaks.append(peak)
    copies = []
    for i in range(rounds):
        started = time.perf_counter()
        shutil.copyfile(source, folder / f'copy-{i}.bin')
        os.sync()
        copies.append(time.perf_counter() - started)
    upload_s, copy_s = statistics.median(uploads), statistics.median(copies)
    return {'size_mb': size_mb, 'rounds': rounds, 'rss_before_mb': round(before, 1),
            'rss_peak_mb': round(max(peaks), 1), 'growth_mb': round(max(peaks) - before, 1),
            'upload_s': round(upload_s, 3), 'copy_s': round(copy_s, 3), 'ratio': round(upload_s / copy_s, 1),
            'server_errors': (folder / 'parley.log').read_text().count('Traceback')}


def _upload(client: httpx.Client, token: str, source: Path, limit: int | None = None) -> None:
    size = min(source.stat().st_size, limit) if limit is not None else source.stat().st_size

    def chunks():
        with open(source, 'rb') as file:
            left = size
            while left and (chunk := file.read(min(CHUNK, left))):
                left -= len(chunk)
                yield chunk
    answer = client.post('/files', content=chunks(), headers={
        'X-File-Name': source.name, 'X-Parley-Chat': token, 'Content-Length': str(size)})
    answer.raise_for_status()


def _watched(pid: int, work) -> tuple[float, float]:
    """How long `work` took, and the server's highest RSS (MB) meanwhile."""
    peak, done = [rss_mb(pid)], threading.Event()

    def watch() -> None:
        while not done.is_set():
            peak[0] = max(peak[0], rss_mb(pid))
            time.sleep(0.005)
    watcher = threading.Thread(target=watch, daemon=True)
    watcher.start()
    started = time.perf_counter()
    try:
        work()
    finally:
        seconds = time.perf_counter() - started
        done.set()
        watcher.join()
    return seconds, peak[0]
