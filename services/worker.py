"""Background rounds (email fallback, outbox): each job runs in a worker thread, never on the event loop."""
from collections.abc import Callable
import asyncio
import logging

log = logging.getLogger(__name__)


async def run_periodically(jobs: list[Callable[[], object]], *, interval: float = 1.0) -> None:
    """Run every job, wait `interval` seconds, repeat until cancelled; a failing job is logged and retried."""
    while True:
        for job in jobs:
            try:
                await asyncio.to_thread(job)
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception('background job %s failed; trying again shortly', getattr(job, '__name__', job))
        await asyncio.sleep(interval)
