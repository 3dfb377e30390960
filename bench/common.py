"""What every benchmark shares: percentiles, statement counting, a workspace on a temporary SQLite file."""
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
import os
import platform
import statistics
import uuid

from sqlalchemy import event

from services.config import Settings
from services.container import Parley, build_parley
from services.views import UserView

PASSWORD = 'bench password 1'


def percentiles(samples: Sequence[float]) -> dict[str, float]:
    """p50/p95/p99 (nearest rank), min, max and count of samples, in the samples' unit, rounded to 0.01."""
    ordered = sorted(samples)
    if not ordered:
        return {'n': 0}

    def rank(p: float) -> float:
        return ordered[min(len(ordered) - 1, max(0, round(p / 100 * len(ordered) + 0.5) - 1))]
    return {'n': len(ordered), 'p50': round(rank(50), 2), 'p95': round(rank(95), 2), 'p99': round(rank(99), 2),
            'min': round(ordered[0], 2), 'max': round(ordered[-1], 2), 'mean': round(statistics.fmean(ordered), 2)}


def machine() -> dict[str, str | int]:
    """What the figures were measured on."""
    model = ''
    try:
        for line in Path('/proc/cpuinfo').read_text().splitlines():
            if line.startswith('model name'):
                model = line.split(':', 1)[1].strip()
                break
    except OSError:
        pass
    memory = ''
    try:
        kb = int(Path('/proc/meminfo').read_text().split()[1])
        memory = f'{kb / 1024 / 1024:.0f} GiB'
    except (OSError, ValueError, IndexError):
        pass
    return {'cpus': os.cpu_count() or 0, 'cpu': model or platform.processor(), 'memory': memory,
            'python': platform.python_version(), 'system': f'{platform.system()} {platform.release()}'}


def cid() -> str:
    return uuid.uuid4().hex


class StatementCounter:
    """Counts SQL statements the engine executes (an executemany counts once, as it is one statement)."""

    def __init__(self, engine) -> None:
        self.count = 0
        self.statements: list[str] = []
        self.keep = False
        event.listen(engine, 'before_cursor_execute', self._seen)

    def _seen(self, _conn, _cursor, statement, _params, _context, _executemany) -> None:
        self.count += 1
        if self.keep:
            self.statements.append(' '.join(statement.split())[:160])

    @contextmanager
    def recording(self) -> Iterator[list[str]]:
        self.statements, self.keep = [], True
        try:
            yield self.statements
        finally:
            self.keep = False


@dataclass
class Workspace:
    parley: Parley
    agents: list[UserView]
    customers: list[UserView]


def build_workspace(folder: Path, *, agents: int, customers: int = 0, database_url: str | None = None,
                    storage_secret: str | None = None) -> Workspace:
    """A Parley on folder/parley.db (or database_url) with `agents` agents (the first is an admin) and `customers`
    customers (storage_secret: the servers', so the chat links it signs work there)."""
    folder.mkdir(parents=True, exist_ok=True)
    parley = build_parley(Settings(database_url=database_url or f'sqlite:///{folder / "parley.db"}', data_dir=folder,
                                   storage_secret=storage_secret))
    made = [parley.directory.create_agent(name=f'Agent {i:02d}', email=f'agent{i:02d}@bench.example',
                                          password=PASSWORD, is_admin=i == 0) for i in range(agents)]
    people = [parley.directory.create_customer(name=f'Customer {i:02d}', email=f'customer{i:02d}@bench.example')
              for i in range(customers)]
    return Workspace(parley, made, people)
