"""Parley's composition root: settings -> database -> services -> pages -> ui.run."""
import argparse
import logging
import os
import sys

from nicegui import app, background_tasks, ui
from nicegui.storage import Storage
from sqlalchemy.exc import OperationalError

import ui as pages
from services.config import Settings
from services import migrate
from services.container import Parley, build_parley
from services.db import Database
from services.demo import seed_demo

log = logging.getLogger('parley')


def parse_command(argv: list[str]) -> tuple[Settings, bool]:
    """Settings from PARLEY_* variables, command-line options (same names) overriding them; and --upgrade-only."""
    parser = argparse.ArgumentParser(
        prog='python main.py', description='Parley, a helpdesk messenger for small teams.',
        epilog='Every option can also be set as an environment variable: PARLEY_ and the option name in capitals '
               '(PARLEY_DATABASE_URL, PARLEY_PORT, ...).')
    for name, field in Settings.model_fields.items():
        flag = '--' + name.replace('_', '-')
        env = f'PARLEY_{name.upper()}'
        default = '' if field.default is None else field.default
        if field.annotation is bool:
            parser.add_argument(flag, dest=name, action=argparse.BooleanOptionalAction, default=None,
                                help=f'{field.description} [{env}, default: {"on" if default else "off"}]')
        else:
            parser.add_argument(flag, dest=name, metavar=name.upper(), default=None,
                                help=f'{field.description} [{env}, default: {default or "unset"}]')
    parser.add_argument('--upgrade-only', action='store_true',
                        help='Upgrade the database to this version of Parley, say what was done, and exit '
                             '(start-up does it too; an SQLite file is copied first).')
    options = vars(parser.parse_args(argv))
    upgrade_only = options.pop('upgrade_only')
    return Settings(**{k: v for k, v in options.items() if v is not None}), upgrade_only


def upgrade_only(settings: Settings) -> None:
    """`python main.py --upgrade-only`: the database's upgrade alone (for a deploy step before processes start)."""
    database = Database(settings.database_url)
    try:
        print(migrate.upgrade(database), flush=True)
    finally:
        database.dispose()


def proxy_options(settings: Settings) -> dict:
    """uvicorn's options for X-Forwarded-For / -Proto: believed only from PARLEY_TRUSTED_PROXIES (uvicorn alone would
    believe any process on 127.0.0.1)."""
    return {'proxy_headers': bool(settings.trusted_proxies), 'forwarded_allow_ips': settings.trusted_proxies or None}


def create(settings: Settings) -> Parley:
    """Build the services and define the pages; nothing runs at import time."""
    parley = build_parley(settings)
    app.state.parley = parley  # for tests driving the same process
    if settings.demo:
        result = seed_demo(parley.directory, parley.conversations, password=settings.demo_password,
                           replies=parley.replies)
        if result.created:
            _demo_banner(settings, result.password)
    pages.register(parley)
    app.on_startup(lambda: background_tasks.create(parley.run_background(), name='parley-background'))
    app.on_shutdown(parley.close)
    return parley


def _demo_banner(settings: Settings, password: str) -> None:
    print(f'\nParley demo workspace created at {settings.public_url}\n'
          f'  Sign in as alice@example.com (admin), susan@example.com, john@example.com or mike@example.com\n'
          f'  Password: {password}\n', flush=True)


if __name__ in {'__main__', '__mp_main__'}:
    logging.basicConfig(level=logging.INFO, format='%(asctime)s %(levelname)s %(name)s: %(message)s')
    simulated = os.environ.get('NICEGUI_USER_SIMULATION') == 'true'
    try:
        settings, only_upgrade = parse_command([] if simulated else sys.argv[1:])
        if only_upgrade:
            upgrade_only(settings)
            sys.exit(0)
        parley = create(settings)
        if not simulated:
            parley.start_listener()
    except (RuntimeError, ValueError, OSError) as problem:  # e.g. an older database, a bad setting, a taken port
        sys.exit(f'Parley cannot start: {problem}')
    except OperationalError as problem:   # e.g. PostgreSQL is not running or refuses the login
        sys.exit(f'Parley cannot start: the database cannot be reached ({problem.orig})')
    if not simulated:
        Storage.path = (settings.data_dir / 'sessions').resolve()  # server-side session data
        Storage.path.mkdir(parents=True, exist_ok=True)   # whatever else is configured, nothing else may create it
        if settings.redis_url:   # several processes: every one of them knows every browser's session
            Storage.redis_url = settings.redis_url
            Storage.redis_key_prefix = 'parley:session:'
        print(f'Parley is running at {settings.public_url}  (sign in at {settings.public_url}/login)', flush=True)
        if parley.listener is not None:
            print(f'Customer replies by email are received by SMTP on {parley.listener.host}:{parley.listener.port}',
                  flush=True)
    try:
        # The session cookie (HttpOnly, SameSite=Lax, Secure over HTTPS) is set up by pages.register, in front of
        # /healthz; storage_secret here is the same secret, for NiceGUI's storage.
        ui.run(host=settings.host, port=settings.port, title='Parley', favicon='💬', reload=False, show=False,
               storage_secret=settings.resolved_storage_secret(), show_welcome_message=False,
               tailwind=False,  # ui/utilities.css, built ahead by `make css` (ui/stylesheet.py)
               reconnect_timeout=settings.reconnect_seconds,
               # No permessage-deflate: its zlib state is about 0.27 MB for every open page (a third of a page's
               # memory), while a page's socket carries small updates (its content comes over HTTP, gzipped).
               ws_per_message_deflate=False,
               **proxy_options(settings))
    except KeyboardInterrupt:  # Ctrl+C after uvicorn's graceful shutdown: nothing left to report
        print('Parley stopped.', flush=True)
